import { startIndexer, type RunningIndexer } from '../src/main';
import { dataDirFor, generatedSite, REDIS_URL, serveSite, waitFor, type Site, startStack, type TestStack } from './helpers';

jest.setTimeout(120_000);

const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 200, backoffMs: 100, stalledIntervalMs: 2000, lockDurationMs: 5000 };
const PAGES = 12;

/** The value of one sample of a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('operations: /health, /metrics and OpenAPI of the ingest API and the indexer', () => {
  let stack: TestStack;
  let site: Site;
  let indexer: RunningIndexer;
  let indexerUrl: string;

  beforeAll(async () => {
    const pages = generatedSite(PAGES);
    site = await serveSite((p) => (p === '/private.html' ? { status: 200, body: '' } : pages[p] === undefined ? { status: 404 } : { status: 200, body: pages[p] }));
    stack = await startStack('ops', QUEUE);
    indexer = await startIndexer({ databaseUrl: stack.db.url, dataDir: dataDirFor(stack.prefix), concurrency: 2, queue: stack.queue, log: false, port: 0, host: '127.0.0.1', defaultMetrics: false });
    indexerUrl = `http://127.0.0.1:${indexer.port}`;
  });

  afterAll(async () => {
    await indexer?.close();
    await site?.close();
    await stack?.close();
  });

  it('answers /health with a small fixed body on both services', async () => {
    for (const [service, url] of [
      ['ingest', stack.base],
      ['indexer', indexerUrl],
    ] as const) {
      const res = await fetch(`${url}/health`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(JSON.parse(text)).toEqual({ status: 'ok', service, checks: { database: 'up', redis: 'up' } });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    }
  });

  it('counts queue depth, jobs, pages and build durations on the indexer, and requests on ingest', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'ops' }) })).status).toBe(201);
    const src = await fetch(`${stack.base}/v1/collections/ops/sources`, { method: 'POST', headers: json, body: JSON.stringify({ seeds: [site.url], allowPrivate: true }) });
    expect(src.status).toBe(202);
    await waitFor('the crawl published', async () => {
      const p = (await (await fetch(`${stack.base}/v1/collections/ops/progress`)).json()) as { published: unknown; idle: boolean; run: { stored: number } | null };
      return p.published && p.idle && p.run?.stored === PAGES ? p : undefined;
    });

    const text = await (await fetch(`${indexerUrl}/metrics`)).text();
    expect(sample(text, 'lexigraph_indexer_pages_fetched_total', 'status="stored"')).toBe(PAGES);
    expect(sample(text, 'lexigraph_indexer_jobs_completed_total', 'queue="crawl.fetch"')).toBeGreaterThanOrEqual(PAGES);
    expect(sample(text, 'lexigraph_indexer_jobs_failed_total', 'queue="crawl.fetch"') ?? 0).toBe(0);
    // Depth read from Redis: every fetch is kept as completed, nothing waits.
    expect(sample(text, 'lexigraph_queue_jobs', 'queue="crawl.fetch",state="completed"')).toBeGreaterThanOrEqual(PAGES);
    expect(sample(text, 'lexigraph_queue_jobs', 'queue="crawl.fetch",state="waiting"')).toBe(0);
    expect(sample(text, 'lexigraph_indexer_build_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lexigraph_indexer_publish_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE lexigraph_indexer_jobs_retried_total counter');

    const ingest = await (await fetch(`${stack.base}/metrics`)).text();
    expect(sample(ingest, 'lexigraph_ingest_request_duration_seconds_count', 'route="/v1/collections/:c/sources",method="POST",status="202"')).toBe(1);
  });

  it('answers errors of both services in one body shape', async () => {
    const ingest = await fetch(`${stack.base}/v1/collections/nothing-here`);
    expect(ingest.status).toBe(404);
    expect(await ingest.json()).toEqual({ statusCode: 404, code: 'UNKNOWN_COLLECTION', message: expect.stringMatching(/nothing-here/), details: { collection: 'nothing-here' } });
    const indexer404 = await fetch(`${indexerUrl}/nowhere`);
    expect(indexer404.status).toBe(404);
    expect(await indexer404.json()).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: expect.stringMatching(/GET \/health/) });
  });

  it('describes the ingest API in OpenAPI at /docs', async () => {
    expect((await fetch(`${stack.base}/docs`)).status).toBe(200);
    const spec = (await (await fetch(`${stack.base}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/collections', '/v1/collections/{c}/sources', '/v1/collections/{c}/documents', '/v1/collections/{c}/progress', '/health', '/metrics']),
    );
  });
});
