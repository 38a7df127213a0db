import { LexIndex, type Entity } from '@lexigraph/core';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import pg from 'pg';
import type { RunningIndexer } from '../src/main';
import { REDIS_URL, publishedIndex, waitFor, startStack, type TestStack } from './helpers';

jest.setTimeout(120_000);

const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 200, backoffMs: 100, stalledIntervalMs: 2000, lockDurationMs: 5000 };

const DOCS: Entity[] = [
  { id: 'wal', title: 'Write-ahead log', text: 'The write-ahead log records every change before data files are written. Checkpoints flush dirty pages.', category: ['server'], tags: [], links: [] },
  { id: 'vacuum', title: 'Routine vacuuming', text: 'Vacuum reclaims storage held by dead tuples. Autovacuum runs vacuum and analyze automatically.', category: ['maintenance'], tags: [], links: [] },
  { id: 'freeze', title: 'Vacuum freeze', text: 'Vacuum freeze marks old tuples frozen to prevent transaction id wraparound. Autovacuum also freezes tuples.', category: ['maintenance'], tags: [], links: [] },
  { id: 'checkpoint', title: 'Checkpoints', text: 'A checkpoint writes dirty pages to disk; checkpoint timeout and max wal size control how often checkpoints happen.', category: ['server'], tags: [], links: [] },
  { id: 'logical', title: 'Logical replication', text: 'Logical replication slots stream decoded changes of the write-ahead log to subscribers.', category: ['replication'], tags: [], links: [] },
  { id: 'heron', title: 'Grey heron nesting', text: 'The grey heron nests in colonies called heronries, high in tall trees near lakes and rivers. Grey heron chicks fledge after fifty days.', category: ['birds'], tags: [], links: [] },
];

type Lexicon = Map<string, { count: number; df: number }>;

function lexiconOf(index: LexIndex): Lexicon {
  return new Map(index.exportTables({ allTerms: true, maxRelatedPerToken: 0 }).lexicon.map((r) => [r.token, { count: r.count, df: r.df }]));
}

describe('deleting a document', () => {
  let stack: TestStack;
  let indexer: RunningIndexer;

  beforeAll(async () => {
    stack = await startStack('delete', QUEUE);
    indexer = await stack.startIndexer(2);
  });

  afterAll(async () => {
    await indexer?.close();
    await stack?.close();
  });

  async function published(collection: string, after: number): Promise<{ version: number; index: LexIndex }> {
    return waitFor(`version > ${after} of ${collection}`, async () => {
      const c = new pg.Client({ connectionString: stack.db.url });
      await c.connect();
      try {
        const p = await publishedIndex(c, collection);
        return p && p.version > after ? p : undefined;
      } finally {
        await c.end();
      }
    });
  }

  it('leaves it out of answers after the next publish; each multi-token count drops by exactly its contribution', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'kb' }) })).status).toBe(201);
    const up = await fetch(`${stack.base}/v1/collections/kb/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: DOCS.map((d) => JSON.stringify(d)).join('\n'),
    });
    expect(up.status).toBe(202);
    const v1 = await published('kb', 0);
    expect(v1.index.ask('grey heron nests').results[0]?.id).toBe('heron');
    const before = lexiconOf(v1.index);

    const del = await fetch(`${stack.base}/v1/collections/kb/documents/heron`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect((await fetch(`${stack.base}/v1/collections/kb/documents/heron`, { method: 'DELETE' })).status).toBe(404);
    const v2 = await published('kb', v1.version);
    const answer = v2.index.ask('grey heron nests');
    expect(answer.results.map((r) => r.id)).not.toContain('heron');

    const after = lexiconOf(v2.index);
    const own = lexiconOf(LexIndex.build([DOCS.find((d) => d.id === 'heron') as Entity]));
    const multi = [...own.keys()].filter((t) => t.includes('~'));
    expect(multi.length).toBeGreaterThan(3);
    for (const token of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(token) ?? { count: 0, df: 0 };
      const a = after.get(token) ?? { count: 0, df: 0 };
      const o = own.get(token) ?? { count: 0, df: 0 };
      expect({ token, count: a.count }).toEqual({ token, count: expect.closeTo(b.count - o.count, 9) });
      expect({ token, df: a.df }).toEqual({ token, df: b.df - o.df });
    }
    // multi-tokens ("~" joins their words): "chick fledge" came only from the deleted document, "dirty page" did not
    expect(before.has('chick~fledg')).toBe(true);
    expect(after.has('chick~fledg')).toBe(false);
    expect(after.get('dirti~page')).toEqual(before.get('dirti~page'));
  });

  it('fails a job that cannot succeed at once, keeping its reason, and never leaves it queued', async () => {
    const queues = new JobQueues(queueConfig(stack.queue));
    try {
      const [id] = await queues.add([{ name: 'distill.entity', data: { collection: 'kb', documentId: 'no-such-doc' } }]);
      const job = await waitFor('failed job', async () => {
        const j = await queues.getJob(id as string);
        return j?.state === 'failed' ? j : undefined;
      });
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/^NOT_FOUND: document "no-such-doc"/);
      const r = await fetch(`${stack.base}/v1/jobs/${encodeURIComponent(id as string)}`);
      expect(await r.json()).toMatchObject({ state: 'failed', failedReason: expect.stringContaining('NOT_FOUND') });
    } finally {
      await queues.close();
    }
  });
});
