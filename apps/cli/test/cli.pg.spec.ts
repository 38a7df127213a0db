import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createStore } from '@lexigraph/db';
import { cli, FIXTURES, tempDir } from './helpers';

const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SCHEMA = `cli_${process.pid}_${Date.now().toString(36)}`;

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

describe('lexigraph CLI on PostgreSQL (--database-url / DATABASE_URL)', () => {
  let work: string;
  const url = withSchema(BASE_URL, SCHEMA);

  beforeAll(async () => {
    work = await tempDir('lexigraph-cli-pg-');
  });
  afterAll(async () => {
    const store = await createStore({ databaseUrl: BASE_URL, schema: SCHEMA });
    await store.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await store.close();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('ingests into PostgreSQL, answers, and rebuilds a lost snapshot from the database', async () => {
    const data = path.join(work, 'data');
    const ingest = await cli(['--data', data, '--database-url', url, 'ingest', path.join(FIXTURES, 'docs.jsonl'), '-c', 'kb', '--no-progress'], work);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toMatch(/index v1 of "kb" published: 8 entities/);
    // No embedded database was created.
    await expect(fs.stat(path.join(data, 'db'))).rejects.toMatchObject({ code: 'ENOENT' });

    await fs.rm(path.join(data, 'indexes'), { recursive: true });
    const ask = await cli(['--data', data, 'ask', '-c', 'kb', '--json', 'replication slots standby'], work, { DATABASE_URL: url });
    expect(ask.stderr).toBe('');
    expect(ask.code).toBe(0);
    expect(JSON.parse(ask.stdout).results[0].id).toBe('replication');
    expect(JSON.parse(await fs.readFile(path.join(data, 'indexes', 'kb.json'), 'utf8')).version).toBe(1);
  });

  it('deletes a document by id and publishes an index without it; an unknown id changes nothing', async () => {
    const data = path.join(work, 'data-delete');
    const ingest = await cli(['--data', data, '--database-url', url, 'ingest', path.join(FIXTURES, 'docs.jsonl'), '-c', 'kb2', '--no-progress'], work);
    expect(ingest.code).toBe(0);
    const missing = await cli(['--data', data, '--database-url', url, 'delete', '-c', 'kb2', '--no-progress', 'replication', 'no-such-doc'], work);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no document "no-such-doc" in collection "kb2"/);

    const del = await cli(['--data', data, '--database-url', url, 'delete', '-c', 'kb2', '--no-progress', 'replication'], work);
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/deleted 1 document\(s\) from "kb2"/);
    expect(del.stdout).toMatch(/index v2 of "kb2" published as a delta on v1: \d+ added or changed, 1 deleted/);
    const ask = await cli(['--data', data, '--database-url', url, 'ask', '-c', 'kb2', '--json', 'replication slots standby'], work);
    expect(ask.code).toBe(0);
    expect(JSON.parse(ask.stdout).results.map((r: { id: string }) => r.id)).not.toContain('replication');
  });
});
