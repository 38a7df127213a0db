import { createHash } from 'node:crypto';
import type { Entity } from '@lexigraph/contracts';
import type { DocumentInput } from '../src';

const WORDS = [
  'checkpoint', 'replication', 'vacuum', 'autovacuum', 'wal', 'index', 'btree', 'planner', 'statistics', 'lock',
  'deadlock', 'transaction', 'isolation', 'snapshot', 'tuple', 'heap', 'toast', 'buffer', 'cache', 'query',
];

/** A deterministic entity whose body is about `bodyChars` characters long. */
export function makeEntity(id: string, bodyChars = 200, revision = 0): Entity {
  const words: string[] = [];
  let size = 0;
  let seed = [...id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7 + revision);
  while (size < bodyChars) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const w = WORDS[seed % WORDS.length] as string;
    words.push(w);
    size += w.length + 1;
  }
  return {
    id,
    url: `https://docs.example.org/${id}`,
    title: `Page ${id} r${revision}`,
    text: words.join(' '),
    headings: ['Overview', 'Details'],
    category: ['Server Administration', 'Monitoring'],
    tags: ['postgres'],
    links: [{ url: 'https://docs.example.org/other', text: 'other page', kind: 'see-also' }],
  };
}

export function hashOf(entity: Entity): string {
  return createHash('sha256').update(JSON.stringify(entity)).digest('hex');
}

export function makeDoc(id: string, bodyChars = 200, revision = 0): DocumentInput {
  const entity = makeEntity(id, bodyChars, revision);
  return {
    externalId: id,
    url: entity.url,
    title: entity.title,
    rawText: entity.text,
    contentHash: hashOf(entity),
    fetchMeta: { status: 200, contentType: 'text/html', bytes: entity.text.length, fetchedAt: '2025-01-01T00:00:00Z' },
    entity,
  };
}
