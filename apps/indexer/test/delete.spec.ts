import { LexIndex, type Entity } from '@lexigraph/core';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import pg from 'pg';
import type { RunningIndexer } from '../src/main';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { dataDirFor, REDIS_URL, publishedIndex, serveSite, snapshotOf, waitFor, startStack, type TestStack } from './helpers';

jest.setTimeout(120_000);

const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 200, backoffMs: 100, stalledIntervalMs: 2000, lockDurationMs: 5000 };

const DOCS: Entity[] = [
  { id: 'wal', title: 'Write-ahead log', text: 'The write-ahead log records every change before data files are written. Checkpoints flush dirty pages.', category: ['server'], tags: [], links: [] },
  { id: 'vacuum', title: 'Routine vacuuming', text: 'Vacuum reclaims storage held by dead tuples. Autovacuum runs vacuum and analyze automatically.', category: ['maintenance'], tags: [], links: [] },
  { id: 'freeze', title: 'Vacuum freeze', text: 'Vacuum freeze marks old tuples frozen to prevent transaction id wraparound. Autovacuum also freezes tuples.', category: ['maintenance'], tags: [], links: [] },
  { id: 'checkpoint', title: 'Checkpoints', text: 'A checkpoint writes dirty pages to disk; checkpoint timeout and max wal size control how often checkpoints happen.', category: ['server'], tags: [], links: [] },
  { id: 'logical', title: 'Logical replication', text: 'Logical replication slots stream decoded changes of the write-ahead log to subscribers.', category: ['replication'], tags: [], links: [] },
  { id: 'heron', title: 'Grey heron nesting', text: 'The grey heron nests in colonies called heronries, high in tall trees near lakes and rivers. Grey heron chicks fledge after fifty days.', category: ['birds'], tags: [], links: [] },
  { id: 'egret', title: 'Little egret', text: 'The little egret nests beside the grey heron in tall trees near lakes. Egret chicks fledge after forty days.', category: ['birds'], tags: [], links: [] },
  { id: 'stork', title: 'White stork', text: 'The white stork nests on roofs and in tall trees near lakes and rivers.', category: ['birds'], tags: [], links: [] },
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

  it('leaves it out of answers after the next publish, with the tables of a build of the documents left', async () => {
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
    // the tables equal a build of the documents left, token by token
    const rest = lexiconOf(LexIndex.build(DOCS.filter((d) => d.id !== 'heron')));
    for (const token of new Set([...rest.keys(), ...after.keys()])) {
      expect({ token, ...after.get(token) }).toEqual({ token, ...rest.get(token) });
    }
    // multi-tokens ("~" joins their words) are kept while two documents hold them: one that three held drops by the
    // deleted document's occurrence; ones it shared with one other document go; ones it did not hold stay as they were
    expect(before.get('tall~tree~near~lake')).toEqual({ count: 3, df: 3 });
    expect(after.get('tall~tree~near~lake')).toEqual({ count: 2, df: 2 });
    for (const shared of ['grei~heron', 'chick~fledg', 'lake~river']) {
      expect(before.get(shared)?.df).toBe(2);
      expect(after.has(shared)).toBe(false);
    }
    expect(after.get('dirti~page')).toEqual(before.get('dirti~page'));
  });

  it('fails a job that cannot succeed at once, keeping its reason, and never leaves it queued', async () => {
    const queues = new JobQueues(queueConfig(stack.queue));
    try {
      const [id] = await queues.add([{ name: 'distill.entity', data: { collection: 'no-such-collection', documentId: 'doc' } }]);
      const job = await waitFor('failed job', async () => {
        const j = await queues.getJob(id as string);
        // The job's fields and its state are two reads: wait until both show the failure.
        return j?.state === 'failed' && j.failedReason ? j : undefined;
      });
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/^UNKNOWN_COLLECTION: unknown collection "no-such-collection"/);
      const r = await fetch(`${stack.base}/v1/jobs/${encodeURIComponent(id as string)}`);
      expect(await r.json()).toMatchObject({ state: 'failed', failedReason: expect.stringContaining('UNKNOWN_COLLECTION') });
    } finally {
      await queues.close();
    }
  });

  /** Waits for the latest crawl run of `collection` to finish its `fetches` URLs and for its build; returns the run. */
  async function crawlDone(collection: string, fetches: number): Promise<{ stored: number; blocked: { total: number; reasons: Record<string, number> } }> {
    return waitFor(`${fetches} fetches of ${collection} done`, async () => {
      const p = (await (await fetch(`${stack.base}/v1/collections/${collection}/progress`)).json()) as {
        idle: boolean;
        run: { done: number; stored: number; blocked: { total: number; reasons: Record<string, number> } } | null;
      };
      return p.idle && p.run?.done === fetches ? p.run : undefined;
    });
  }

  it('keeps a document deleted through the API deleted when a re-crawl finds its page; an upload of its id brings it back', async () => {
    const site = await serveSite({
      '/': '<html><head><title>Home of herons</title></head><body><p>Grey herons nest in colonies.</p><a href="/eggs.html">eggs</a></body></html>',
      '/eggs.html': '<html><head><title>Heron eggs</title></head><body><p>Heron eggs are pale blue and hatch after four weeks.</p></body></html>',
    });
    try {
      const json = { 'content-type': 'application/json' };
      expect((await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'herons' }) })).status).toBe(201);
      const source = JSON.stringify({ seeds: [site.url], allowPrivate: true });
      expect((await fetch(`${stack.base}/v1/collections/herons/sources`, { method: 'POST', headers: json, body: source })).status).toBe(202);
      await crawlDone('herons', 2);
      const v1 = await published('herons', 0);
      const crawled = await snapshotOf(stack.db.url, 'herons');
      expect(crawled.documents).toHaveLength(2);
      const eggs = crawled.documents.map((d) => d.id).find((id) => id.includes('eggs')) as string;

      expect((await fetch(`${stack.base}/v1/collections/herons/documents/${encodeURIComponent(eggs)}`, { method: 'DELETE' })).status).toBe(202);
      const v2 = await published('herons', v1.version);
      expect(v2.index.ask('heron eggs pale blue').results.map((r) => r.id)).not.toContain(eggs);

      // A new crawl run fetches both pages again: the deleted one is not stored again.
      expect((await fetch(`${stack.base}/v1/collections/herons/sources`, { method: 'POST', headers: json, body: source })).status).toBe(202);
      // A new run: its own counts, and the page deleted through the API counted as blocked, not stored.
      const again = await crawlDone('herons', 2);
      expect(again).toMatchObject({ stored: 1, blocked: { total: 1, reasons: { 'deleted-by-user': 1 } } });
      expect(site.hits.get('/eggs.html')).toBe(2);
      expect((await snapshotOf(stack.db.url, 'herons')).documents.map((d) => d.id)).not.toContain(eggs);

      // Uploading it explicitly is what brings it back.
      const up = await fetch(`${stack.base}/v1/collections/herons/documents`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify([{ id: eggs, title: 'Heron eggs', text: 'Heron eggs are pale blue and hatch after four weeks.' }]),
      });
      expect(up.status).toBe(202);
      expect(await up.json()).toMatchObject({ inserted: 0, updated: 1 });
      expect((await snapshotOf(stack.db.url, 'herons')).documents.map((d) => d.id)).toContain(eggs);
    } finally {
      await site.close();
    }
  });

  it('DELETE /v1/collections/:c removes its documents, versions, segments, snapshot files, queued jobs and schedules', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'gone' }) })).status).toBe(201);
    expect((await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'gone-not' }) })).status).toBe(201);
    for (const c of ['gone', 'gone-not']) {
      const up = await fetch(`${stack.base}/v1/collections/${c}/documents`, { method: 'POST', headers: json, body: JSON.stringify(DOCS.slice(0, 3)) });
      expect(up.status).toBe(202);
      await published(c, 0);
    }
    const files = () => readdirSync(path.join(dataDirFor(stack.prefix), 'indexes')).filter((f) => f.startsWith('gone.'));
    expect(files().length).toBeGreaterThan(0);
    // A scheduled crawl (its scheduler and next run wait in the queue) and a build waiting out its debounce.
    const site = 'http://127.0.0.1:9/';
    expect((await fetch(`${stack.base}/v1/collections/gone/sources`, { method: 'POST', headers: json, body: JSON.stringify({ seeds: [site], allowPrivate: true, schedule: { everyMs: 3_600_000 } }) })).status).toBe(202);
    const queues = new JobQueues(queueConfig(stack.queue));
    try {
      expect((await queues.queue('crawl.fetch').getJobSchedulers()).length).toBe(1);

      const del = await fetch(`${stack.base}/v1/collections/gone`, { method: 'DELETE' });
      expect(del.status).toBe(200);
      expect(await del.json()).toMatchObject({ collection: 'gone', deleted: true, jobsRemoved: expect.any(Number), snapshotFilesRemoved: expect.any(Number) });

      expect((await fetch(`${stack.base}/v1/collections/gone`)).status).toBe(404);
      expect(files()).toEqual([]);
      expect(existsSync(path.join(dataDirFor(stack.prefix), 'indexes', 'gone-not.json'))).toBe(true);
      const c = new pg.Client({ connectionString: stack.db.url });
      await c.connect();
      try {
        const left = await c.query(
          `SELECT (SELECT count(*) FROM "Collection" WHERE name = 'gone')::int AS collections,
                  (SELECT count(*) FROM "Document" d WHERE NOT EXISTS (SELECT 1 FROM "Collection" k WHERE k.id = d."collectionId"))::int AS documents,
                  (SELECT count(*) FROM "IndexVersion" v WHERE NOT EXISTS (SELECT 1 FROM "Collection" k WHERE k.id = v."collectionId"))::int AS versions,
                  (SELECT count(*) FROM "IndexChunk" x WHERE NOT EXISTS (SELECT 1 FROM "IndexVersion" v WHERE v.id = x."versionId"))::int AS chunks,
                  (SELECT count(*) FROM "Source" s WHERE NOT EXISTS (SELECT 1 FROM "Collection" k WHERE k.id = s."collectionId"))::int AS sources`,
        );
        expect(left.rows[0]).toEqual({ collections: 0, documents: 0, versions: 0, chunks: 0, sources: 0 });
        const other = await c.query(`SELECT count(*)::int AS n FROM "Document" d JOIN "Collection" k ON k.id = d."collectionId" WHERE k.name = 'gone-not'`);
        expect(other.rows[0].n).toBe(3);
      } finally {
        await c.end();
      }
      expect(await queues.queue('crawl.fetch').getJobSchedulers()).toEqual([]);
      for (const name of ['crawl.fetch', 'distill.entity', 'index.build', 'index.publish'] as const) {
        const jobs = await queues.queue(name).getJobs(['wait', 'delayed', 'prioritized', 'paused', 'completed', 'failed']);
        expect(jobs.map((j) => j.id).filter((id) => id?.startsWith('gone~'))).toEqual([]);
      }
      expect((await fetch(`${stack.base}/v1/collections/gone-not`)).status).toBe(200);
    } finally {
      await queues.close();
    }
  });
});
