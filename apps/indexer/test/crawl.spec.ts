import type { RunningIndexer } from '../src/main';
import { generatedSite, REDIS_URL, serveSite, snapshotOf, waitFor, type Site, type Snapshot, startStack, type TestStack } from './helpers';

jest.setTimeout(180_000);

const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 300, backoffMs: 200, stalledIntervalMs: 2000, lockDurationMs: 5000 };

describe('crawl through the ingest API and the indexer (real PostgreSQL, Redis, HTTP)', () => {
  let stack: TestStack;
  let site: Site;
  const indexers: RunningIndexer[] = [];
  const pages = generatedSite(60);

  beforeAll(async () => {
    site = await serveSite(pages);
    stack = await startStack('crawl', QUEUE);
  });

  afterAll(async () => {
    for (const i of indexers) await i.close();
    await site?.close();
    await stack?.close();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const r = await fetch(stack.base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  }

  async function crawlWith(workers: number, collection: string): Promise<Snapshot> {
    for (let i = 0; i < workers; i++) {
      indexers.push(await stack.startIndexer(3));
    }
    expect((await post('/v1/collections', { name: collection })).status).toBe(201);
    const src = await post(`/v1/collections/${collection}/sources`, { seeds: [site.url], allowPrivate: true, maxDepth: 10 });
    expect(src.status).toBe(202);
    const progress = await waitFor(`${collection} published with every page`, async () => {
      const p = (await (await fetch(`${stack.base}/v1/collections/${collection}/progress`)).json()) as {
        idle: boolean;
        published: { version: number } | null;
        run: { state: string; stored: number; failed: number; fetched: number; elapsedMs: number; pagesPerSecond: number } | null;
      };
      return p.published && p.idle && p.run?.stored === 60 ? p : undefined;
    });
    const run = progress.run!;
    expect(run).toMatchObject({ state: 'done', failed: 0, fetched: 60 });
    // The real rate of this run: its pages over its own elapsed time.
    expect(run.pagesPerSecond).toBeCloseTo(run.fetched / (run.elapsedMs / 1000), 6);
    while (indexers.length) await indexers.pop()!.close();
    return snapshotOf(stack.db.url, collection);
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
