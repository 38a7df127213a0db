import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { createIngestApp } from '@lexigraph/ingest';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { startGateway } from '../src/main';
import { BASE_URL, DOCS, REDIS_URL, testDb, type TestDb } from './fixtures';

// Arbitrary JSON and arbitrary strings posted to every route of ingest and gateway: never a 5xx, never a hang.
const PER_REQUEST_MS = 10_000;
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
jest.setTimeout(600_000);

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path, with `{c}` and `{id}` filled by arbitrary path segments (or the loaded collection). */
  path: string;
}

const INGEST_ROUTES: Route[] = [
  { method: 'POST', path: '/v1/collections' },
  { method: 'GET', path: '/v1/collections/{c}' },
  { method: 'POST', path: '/v1/collections/{c}/sources' },
  { method: 'POST', path: '/v1/collections/{c}/documents' },
  { method: 'DELETE', path: '/v1/collections/{c}/documents/{id}' },
  { method: 'DELETE', path: '/v1/collections/{c}' },
  { method: 'GET', path: '/v1/collections/{c}/progress' },
  { method: 'GET', path: '/v1/jobs/{id}' },
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/metrics' },
];
const GATEWAY_ROUTES: Route[] = [
  { method: 'POST', path: '/v1/collections/{c}/query' },
  { method: 'GET', path: '/v1/collections' },
  { method: 'GET', path: '/v1/collections/{c}/params' },
  { method: 'GET', path: '/v1/collections/{c}/profiles' },
  { method: 'PUT', path: '/v1/collections/{c}/profiles/{id}' },
  { method: 'GET', path: '/web/{id}' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/metrics' },
];

/** A body: any JSON value, a query-shaped object with arbitrary fields, or any string (malformed JSON, text). */
const body = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ prompt: fc.oneof(fc.string(), fc.jsonValue()), params: fc.dictionary(fc.string(), fc.jsonValue()), profile: fc.oneof(fc.string(), fc.jsonValue()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ name: fc.string(), defaults: fc.dictionary(fc.constantFrom('k', 'expand', 'pmi', '__proto__', 'constructor', 'toString'), fc.jsonValue()), crawl: fc.dictionary(fc.string(), fc.jsonValue()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ seeds: fc.array(fc.oneof(fc.webUrl(), fc.string())), include: fc.array(fc.string()), exclude: fc.array(fc.string()), allowHosts: fc.array(fc.string()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.array(fc.dictionary(fc.constantFrom('id', 'title', 'text', 'category', 'tags', 'links', 'meta', 'acl', 'url'), fc.jsonValue())).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary' }),
);
const segment = fc.oneof(fc.constant('manual'), fc.string({ minLength: 1, unit: 'grapheme' }), fc.constantFrom('__proto__', 'constructor', 'toString', '..', '%', 'a'.repeat(300)));
const contentType = fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/octet-stream', '');

async function send(base: string, route: Route, c: string, id: string, payload: string, type: string): Promise<number> {
  const path = route.path.replace('{c}', encodeURIComponent(c)).replace('{id}', encodeURIComponent(id));
  const init: RequestInit = { method: route.method, signal: AbortSignal.timeout(PER_REQUEST_MS) };
  if (route.method !== 'GET') {
    init.body = payload;
    if (type) init.headers = { 'content-type': type };
  }
  const res = await fetch(base + path, init);
  await res.arrayBuffer();
  return res.status;
}

describe('arbitrary input to every route: never a 5xx, never a hang', () => {
  let db: TestDb;
  let gateway: NestFastifyApplication;
  let gatewayUrl: string;
  let ingest: INestApplication;
  let ingestUrl: string;
  const prefix = `fuzz-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    db = await testDb('fuzz');
    await db.publish('manual', DOCS);
    ({ app: gateway, url: gatewayUrl } = await startGateway({ config: db.config({ dataDir: db.dataDir }), logger: 'error', defaultMetrics: false }));
    ingest = await createIngestApp({ databaseUrl: BASE_URL, schema: db.schema, queue: { redisUrl: REDIS_URL, prefix }, logLevel: 'silent', defaultMetrics: false, auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] } });
    await ingest.listen(0, '127.0.0.1');
    ingestUrl = (await ingest.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    const queues = new JobQueues(queueConfig({ redisUrl: REDIS_URL, prefix }));
    await queues.obliterate();
    await queues.close();
    await ingest?.close();
    await gateway?.close();
    await db?.drop();
  });

  const cases = [
    ...INGEST_ROUTES.map((r) => ['ingest', r] as const),
    ...GATEWAY_ROUTES.map((r) => ['gateway', r] as const),
  ];
  it.each(cases)('%s %j', async (service, route) => {
    const base = service === 'ingest' ? ingestUrl : gatewayUrl;
    await fc.assert(
      fc.asyncProperty(segment, segment, body, contentType, async (c, id, payload, type) => {
        const status = await send(base, route, c, id, payload, type);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: route.method === 'GET' ? 10 : RUNS, interruptAfterTimeLimit: 120_000 },
    );
  });
});
