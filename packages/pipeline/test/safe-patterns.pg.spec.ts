import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createStore, type Store } from '@lexigraph/db';
import { InProcessRunner, buildIndex, createHandlers, distill, fromDbStore, ingestSource, type CrawlPageResult, type PipelineStore } from '../src';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const FIXTURE = path.join(__dirname, 'fixtures', 'docs.jsonl');
const SCHEMA = `patterns_${process.pid}_${Date.now().toString(36)}`;
// 34 a's and a '!': a backtracking engine tries about 2^34 ways to split the a's before the '!' fails the match.
const TRAP = `/${'a'.repeat(34)}!`;

jest.setTimeout(120_000);

describe('a catastrophic include pattern on a crawl (RE2)', () => {
  let db: Store;
  let store: PipelineStore;
  let dataDir: string;
  let server: Server;
  let origin: string;
  let homeServedAt = 0;

  beforeAll(async () => {
    db = await createStore({ databaseUrl: DATABASE_URL, schema: SCHEMA });
    store = fromDbStore(db);
    dataDir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-patterns-'));
    server = createServer((req, res) => {
      if (req.url === '/') {
        homeServedAt = performance.now();
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><head><title>Trap</title></head><body><p>The page that froze the indexer.</p><a href="${TRAP}">more</a></body></html>`);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    if (db) {
      await db.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      await db.close();
    }
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('finishes the crawl, and another collection publishes meanwhile without delay', async () => {
    const { entities } = await ingestSource({ source: FIXTURE });
    const empty = { seeds: [], include: [], exclude: [], maxDepth: 8, maxPages: 10, allowPrivate: false, allowHosts: [] };
    await store.ensureCollection('other', { name: 'other', crawl: empty, defaults: {} });
    await distill(store, 'other', entities.slice(0, 4));
    await buildIndex(store, dataDir, 'other');
    // the publish time of one added document, undisturbed
    let started = performance.now();
    await distill(store, 'other', entities.slice(4, 5));
    await buildIndex(store, dataDir, 'other');
    const undisturbed = performance.now() - started;

    const host = origin.replace(/\./g, '\\.');
    const crawl = { seeds: [`${origin}/`], include: [`^${host}/(a+)+$`, `^${host}/$`], exclude: [], maxDepth: 3, maxPages: 10, allowPrivate: true, allowHosts: [] };
    await store.ensureCollection('trap', { name: 'trap', crawl, defaults: {} });
    const runner = new InProcessRunner(createHandlers({ store, dataDir, buildAfterIngest: false }));
    const crawled = runner.run({ name: 'crawl.fetch', data: { collection: 'trap', url: `${origin}/`, depth: 0, sourceId: 's1' } });
    // Publish the other collection while the crawl handles the page that links to the trap URL.
    while (homeServedAt === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    started = homeServedAt;
    await distill(store, 'other', entities.slice(5, 6));
    await buildIndex(store, dataDir, 'other');
    const disturbed = performance.now() - started;

    const records = await crawled;
    const page = records.find((r) => r.job.name === 'crawl.fetch')?.result as CrawlPageResult;
    expect(page.status).toBe('stored');
    expect(page.skipped).toContainEqual({ url: `${origin}${TRAP}`, reason: 'not-included' });
    expect(disturbed - undisturbed).toBeLessThan(1000);
    expect(await store.countDocuments('trap')).toBe(1);
  });
});
