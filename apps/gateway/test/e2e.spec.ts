import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { createIngestApp } from '@lexigraph/ingest';
import { startIndexer, type RunningIndexer } from '@lexigraph/indexer';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { startGateway } from '../src/main';
import { BASE_URL, DOCS, REDIS_URL, ZEPPELIN, getJson, post, until, type Json } from './fixtures';

jest.setTimeout(180_000);

const DB_NAME = `lexigraph_gw_e2e_${process.pid}`;
const QUEUE = { redisUrl: REDIS_URL, prefix: `lxtest-gw-e2e-${process.pid}-${Date.now().toString(36)}`, buildDebounceMs: 300, backoffMs: 200 };

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The test manual as a small web site on 127.0.0.1: a home page linking every page. */
function pages(): Record<string, string> {
  const out: Record<string, string> = {};
  const links = DOCS.map((d) => `<li><a href="/${d.id}.html">${d.title}</a></li>`).join('');
  out['/'] = `<html><head><title>Test Manual</title></head><body><h1>Test Manual</h1><ul>${links}</ul></body></html>`;
  for (const d of DOCS) {
    out[`/${d.id}.html`] = `<html><head><title>${d.title}</title></head><body><h1>${d.title}</h1><p>${d.text}</p><a href="/">Home</a></body></html>`;
  }
  return out;
}

describe('e2e: ingest API -> indexer -> gateway on PostgreSQL, Redis and HTTP', () => {
  let site: Server;
  let siteUrl: string;
  let dataDir: string;
  let ingest: INestApplication;
  let ingestUrl: string;
  let indexer: RunningIndexer;
  let gateway: NestFastifyApplication;
  let gatewayUrl: string;

  beforeAll(async () => {
    const content = pages();
    site = createServer((req, res) => {
      const body = content[new URL(req.url ?? '/', 'http://x').pathname];
      if (body === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;

    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB_NAME}`);
    const u = new URL(BASE_URL);
    u.pathname = `/${DB_NAME}`;
    u.search = '';
    const databaseUrl = u.toString();
    dataDir = await mkdtemp(path.join(tmpdir(), 'lexigraph-gw-e2e-'));

    ingest = await createIngestApp({ allowPrivateSources: true, databaseUrl, queue: QUEUE, auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] } });
    await ingest.listen(0, '127.0.0.1');
    ingestUrl = (await ingest.getUrl()).replace('[::1]', '127.0.0.1');
    indexer = await startIndexer({ databaseUrl, dataDir, concurrency: 2, queue: QUEUE, log: false });
    // Polling off: the new version must arrive through the index.published event.
    ({ app: gateway, url: gatewayUrl } = await startGateway({
      config: { databaseUrl, redisUrl: REDIS_URL, host: '127.0.0.1', port: 0, pollMs: 0, cacheSize: 100, auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] }, rateLimit: { limit: 0, windowMs: 60_000 } },
      logger: 'error',
      defaultMetrics: false,
    }));
  });

  afterAll(async () => {
    await gateway?.close();
    await indexer?.close();
    await ingest?.close();
    const queues = new JobQueues(queueConfig(QUEUE));
    await queues.obliterate();
    await queues.close();
    await new Promise((resolve) => site?.close(resolve));
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('crawls a site posted to the ingest API and answers from the published version with sources', async () => {
    expect((await post(`${ingestUrl}/v1/collections`, { name: 'manual' })).status).toBe(201);
    const before = await post(`${gatewayUrl}/v1/collections/manual/query`, { prompt: 'partial index' });
    expect(before.status).toBe(409); // the collection exists, nothing is published yet
    expect(before.body.code).toBe('NO_INDEX');

    const source = await post(`${ingestUrl}/v1/collections/manual/sources`, { seeds: [siteUrl], allowPrivate: true, maxDepth: 3 });
    expect(source.status).toBe(202);

    const progress = await until('the crawl to be published', async () => {
      const p = (await (await fetch(`${ingestUrl}/v1/collections/manual/progress`)).json()) as Json;
      return p.published && p.idle && p.run?.state === 'done' ? p : undefined;
    });
    expect(progress.run.failed).toBe(0);
    const version: number = progress.published.version;

    const answer = await until('the gateway to serve the published version', async () => {
      const res = await post(`${gatewayUrl}/v1/collections/manual/query`, { prompt: 'create a partial index', params: { k: 3 } });
      return res.status === 200 && res.body.indexVersion === version ? res.body : undefined;
    });
    expect(answer.results[0]).toMatchObject({ title: 'Partial Indexes', url: `${siteUrl}indexes.html` });
    const ids = new Set(answer.results.map((r: Json) => r.id));
    expect(answer.summary.length).toBeGreaterThan(0);
    for (const s of answer.summary) expect(ids.has(s.sourceId)).toBe(true);

    const wal = await post(`${gatewayUrl}/v1/collections/manual/query`, { prompt: 'max_wal_size checkpoints' });
    expect(wal.body.results[0].url).toBe(`${siteUrl}wal.html`);
    const list = await getJson(`${gatewayUrl}/v1/collections`);
    expect(list.collections).toEqual([expect.objectContaining({ collection: 'manual', version, entities: DOCS.length + 1 })]);
  });

  it('keeps answering from a complete version while an upload is indexed and published', async () => {
    const ask = () => post(`${gatewayUrl}/v1/collections/manual/query`, { prompt: 'zeppelin storage tiers', params: { k: 10 } });
    const before: number = (await ask()).body.indexVersion;
    const seen: Array<{ version: number; ids: string[] }> = [];
    const failures: unknown[] = [];
    let stop = false;
    const firing = (async () => {
      while (!stop) {
        const res = await ask();
        if (res.status !== 200) failures.push(res);
        else seen.push({ version: res.body.indexVersion, ids: res.body.results.map((r: Json) => r.id) });
      }
    })();
    try {
      const upload = await post(`${ingestUrl}/v1/collections/manual/documents`, [ZEPPELIN]);
      expect(upload.status).toBe(202);
      await until('the upload to be served', async () => (seen.some((s) => s.version > before) ? true : undefined));
      const after = seen.length;
      await until('more answers from the new version', async () => (seen.length > after + 10 ? true : undefined));
    } finally {
      stop = true;
      await firing;
    }
    expect(failures).toEqual([]);
    const versions = seen.map((s) => s.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    for (const s of seen) {
      if (s.version === before) expect(s.ids).not.toContain('zeppelin');
      else expect(s.ids[0]).toBe('zeppelin');
    }
  });
});
