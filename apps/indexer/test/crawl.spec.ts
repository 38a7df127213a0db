import type { INestApplication } from '@nestjs/common';
import { createIngestApp } from '@lexigraph/ingest';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { startIndexer, type RunningIndexer } from '../src/main';
import { createDatabase, dataDirFor, removeDataDir, generatedSite, REDIS_URL, serveSite, snapshotOf, uniquePrefix, waitFor, type Site, type Snapshot } from './helpers';

jest.setTimeout(180_000);

const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 300, backoffMs: 200, stalledIntervalMs: 2000, lockDurationMs: 5000 };

describe('crawl through the ingest API and the indexer (real PostgreSQL, Redis, HTTP)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let site: Site;
  let ingest: INestApplication;
  let base: string;
  let prefix: string;
  const indexers: RunningIndexer[] = [];
  const pages = generatedSite(60);

  beforeAll(async () => {
    db = await createDatabase('crawl');
    site = await serveSite(pages);
    prefix = uniquePrefix('crawl');
    ingest = await createIngestApp({ allowPrivateSources: true, databaseUrl: db.url, queue: { ...QUEUE, prefix } });
    await ingest.listen(0, '127.0.0.1');
    base = (await ingest.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    for (const i of indexers) await i.close();
    await ingest?.close();
    const q = new JobQueues(queueConfig({ ...QUEUE, prefix }));
    await q.obliterate();
    await q.close();
    await site?.close();
    await db?.drop();
    await removeDataDir(prefix);
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  }

  async function crawlWith(workers: number, collection: string): Promise<Snapshot> {
    for (let i = 0; i < workers; i++) {
      indexers.push(await startIndexer({ databaseUrl: db.url, dataDir: dataDirFor(prefix), concurrency: 3, queue: { ...QUEUE, prefix }, log: false }));
    }
    expect((await post('/v1/collections', { name: collection })).status).toBe(201);
    const src = await post(`/v1/collections/${collection}/sources`, { seeds: [site.url], allowPrivate: true, maxDepth: 10 });
    expect(src.status).toBe(202);
    const progress = await waitFor(`${collection} published with every page`, async () => {
      const p = (await (await fetch(`${base}/v1/collections/${collection}/progress`)).json()) as {
        queued: number;
        active: number;
        failed: number;
        published: { version: number } | null;
        byJob: Record<string, { done: number }>;
        pagesPerSecond: number;
      };
      return p.published && p.queued === 0 && p.active === 0 && p.byJob['crawl.fetch']?.done === 60 ? p : undefined;
    });
    expect(progress.failed).toBe(0);
    expect(progress.pagesPerSecond).toBeGreaterThan(0);
    while (indexers.length) await indexers.pop()!.close();
    return snapshotOf(db.url, collection);
  }

  it('one indexer crawls every page once and publishes; two indexers produce the same index', async () => {
    const one = await crawlWith(1, 'site-one');
    expect(one.documents).toHaveLength(60);
    expect(one.lexicon.length).toBeGreaterThan(50);
    // every page fetched exactly once per crawl run
    expect([...site.hits.entries()].filter(([p]) => p !== '/robots.txt').every(([, n]) => n === 1)).toBe(true);

    const two = await crawlWith(2, 'site-two');
    expect(two.documents).toEqual(one.documents);
    expect(two.lexicon).toEqual(one.lexicon);
  });
});
