import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { IndexRegistry } from '../src/index-registry';
import { startGateway } from '../src/main';
import type { GatewayConfig } from '../src/config';
import { DOCS, REDIS_URL, ZEPPELIN, counter, ensureBuilt, freePort, getJson, post, testDb, until, type Json, type TestDb } from './fixtures';

const LOOKUPS = 'lexigraph_gateway_answer_cache_lookups_total';
const timeless = ({ timings: _t, ...rest }: Json) => rest;

/** Prompts over the manual's words, with paraphrases: word order, case, stopwords and punctuation (seeded). */
function prompts(n: number, seed: number): string[] {
  let s = seed;
  const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const vocabulary = [...new Set(DOCS.flatMap((d) => `${d.title} ${d.text}`.toLowerCase().match(/[a-z_]+/g) ?? []))];
  const base: string[][] = [];
  for (let i = 0; i < n / 4; i++) base.push(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(vocabulary)));
  base.push(['quokka', 'zebra'], ['the', 'of']);
  const out: string[] = [];
  while (out.length < n) {
    const words = [...pick(base)];
    if (random() < 0.5) words.reverse();
    if (random() < 0.3) words.unshift(pick(['how to', 'what is the', 'the']));
    let text = words.map((w) => (random() < 0.3 ? w.toUpperCase() : w)).join(random() < 0.2 ? ', ' : ' ');
    if (random() < 0.3) text += pick(['?', '!', ' ?']);
    out.push(text);
  }
  return out;
}

describe('answer cache: standardized prompts, shared by replicas', () => {
  let db: TestDb;
  const apps: NestFastifyApplication[] = [];
  let a: string;
  let b: string;
  let computed: string;

  const start = async (overrides: Partial<GatewayConfig>) => {
    const started = await startGateway({ config: db.config(overrides), events: false, logger: 'error', defaultMetrics: false });
    apps.push(started.app);
    return started.url;
  };
  // keys of this suite only in the shared Redis
  const sharedPrefix = `lexigraph:test:${randomBytes(6).toString('hex')}:`;
  const cached = { cacheSize: 500, answerCache: { localBytes: 8 << 20, shared: true, sharedTtlSeconds: 600, sharedMaxEntryBytes: 1 << 20, sharedPrefix, warmCount: 0 } };

  beforeAll(async () => {
    db = await testDb('cache');
    await db.publish('manual', DOCS);
    // two replicas sharing Redis, and one that computes every answer (the reference)
    a = await start(cached);
    b = await start(cached);
    computed = await start({ cacheSize: 0, answerCache: { ...cached.answerCache, shared: false } });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
    // the suite's keys out of the shared Redis
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${sharedPrefix}*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
  });

  it('answers a prompt asked of one replica from the shared cache on the other, paraphrased', async () => {
    const first = await post(`${a}/v1/collections/manual/query`, { prompt: 'partial index predicate' });
    expect(first.status).toBe(200);
    expect(await counter(a, LOOKUPS, { layer: 'shared', result: 'miss' })).toBe(1);
    const before = await counter(b, LOOKUPS, { layer: 'shared', result: 'hit' });
    const other = await post(`${b}/v1/collections/manual/query`, { prompt: 'Predicate of the PARTIAL index?' });
    expect(await counter(b, LOOKUPS, { layer: 'shared', result: 'hit' })).toBe(before + 1);
    expect(other.body.prompt).toBe('Predicate of the PARTIAL index?');
    expect(timeless({ ...other.body, prompt: '' })).toEqual(timeless({ ...first.body, prompt: '' }));
    // now held in B's own layer too
    await post(`${b}/v1/collections/manual/query`, { prompt: 'partial INDEX predicate' });
    expect(await counter(b, LOOKUPS, { layer: 'local', result: 'hit' })).toBe(1);
  });

  it('shares answers with a gateway running in another process, both ways', async () => {
    // the built gateway as a process of its own, on the same database and Redis key prefix
    const appDir = path.join(__dirname, '..');
    ensureBuilt(appDir);
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_POLL_MS: '0',
      GATEWAY_CACHE_SIZE: '500',
      GATEWAY_WARM_COUNT: '0',
      GATEWAY_SHARED_CACHE_PREFIX: sharedPrefix,
      LEXIGRAPH_AUTH: 'off',
      LOG_LEVEL: 'error',
    };
    let logs = '';
    const child: ChildProcess = spawn(process.execPath, [path.join(appDir, 'dist', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const other = `http://127.0.0.1:${port}`;
      await until(`the gateway process to listen (log: ${logs})`, async () => ((await fetch(`${other}/health`).catch(() => null))?.ok ? true : undefined), 60_000);
      // computed by the other process, a hit in Redis for replica A
      const there = await post(`${other}/v1/collections/manual/query`, { prompt: 'write-ahead log checkpoints' });
      expect(there.status).toBe(200);
      const aHits = await counter(a, LOOKUPS, { layer: 'shared', result: 'hit' });
      const here = await post(`${a}/v1/collections/manual/query`, { prompt: 'Checkpoints of the WRITE-AHEAD log?' });
      expect(await counter(a, LOOKUPS, { layer: 'shared', result: 'hit' })).toBe(aHits + 1);
      expect(timeless({ ...here.body, prompt: '' })).toEqual(timeless({ ...there.body, prompt: '' }));
      // computed by replica A, a hit in Redis for the other process
      const first = await post(`${a}/v1/collections/manual/query`, { prompt: 'jsonb containment GIN' });
      const otherHits = await counter(other, LOOKUPS, { layer: 'shared', result: 'hit' });
      const second = await post(`${other}/v1/collections/manual/query`, { prompt: 'GIN containment, JSONB' });
      expect(await counter(other, LOOKUPS, { layer: 'shared', result: 'hit' })).toBe(otherHits + 1);
      expect(second.body.prompt).toBe('GIN containment, JSONB');
      expect(timeless({ ...second.body, prompt: '' })).toEqual(timeless({ ...first.body, prompt: '' }));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 180_000);

  it('gives cached and computed answers that are identical (timings aside) on 1,000 prompts', async () => {
    const hitsBefore = await counter(a, 'lexigraph_gateway_answer_cache_hits_total');
    const list = prompts(1000, 7);
    const check = async (i: number) => {
      const body = { prompt: list[i], ...(i % 5 === 0 ? { params: { k: 3 } } : {}), ...(i % 7 === 0 ? { profile: 'precise' } : {}) };
      // alternate replicas, so entries written by one are read by the other
      const viaCache = await post(`${i % 2 ? a : b}/v1/collections/manual/query`, body);
      const reference = await post(`${computed}/v1/collections/manual/query`, body);
      expect(viaCache.status).toBe(200);
      expect(timeless(viaCache.body)).toEqual(timeless(reference.body));
    };
    for (let i = 0; i < list.length; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => check(i + j)));
    const hits = (await counter(a, 'lexigraph_gateway_answer_cache_hits_total')) + (await counter(b, 'lexigraph_gateway_answer_cache_hits_total'));
    // most of them came from the cache (paraphrases of 250 prompts), so the comparison is of cached answers
    expect(hits - hitsBefore).toBeGreaterThan(500);
  }, 240_000);

  it('never serves an entry of the previous version once a new one is served', async () => {
    const prompt = { prompt: 'vacuum storage' };
    const old = await post(`${a}/v1/collections/manual/query`, prompt);
    await post(`${b}/v1/collections/manual/query`, prompt);
    expect(old.body.indexVersion).toBe(1);
    expect(old.body.results.map((r: Json) => r.id)).not.toContain('zeppelin');
    await db.publish('manual', [ZEPPELIN]);
    // replica A swaps while queries keep coming; every answer is of the version it names
    const registry = apps[0]!.get(IndexRegistry);
    const swapping = registry.refresh('manual');
    const during: Json[] = [];
    while (registry.get('manual')?.version !== 2) {
      during.push((await post(`${a}/v1/collections/manual/query`, prompt)).body);
      await new Promise((r) => setImmediate(r));
    }
    await swapping;
    for (const app of apps.slice(1)) await app.get(IndexRegistry).refresh('manual');
    const reference = await post(`${computed}/v1/collections/manual/query`, prompt);
    expect(reference.body.indexVersion).toBe(2);
    expect(reference.body.results.map((r: Json) => r.id)).toContain('zeppelin');
    for (const url of [a, b]) {
      const now = await post(`${url}/v1/collections/manual/query`, prompt);
      expect(timeless(now.body)).toEqual(timeless(reference.body));
    }
    for (const body of during) expect(timeless(body)).toEqual(timeless(body.indexVersion === 1 ? old.body : reference.body));
  });

  it('warms the likely prompts of a version it starts serving, once across replicas', async () => {
    const warmConfig = { ...cached, answerCache: { ...cached.answerCache, warmCount: 50 } };
    const w1 = await start(warmConfig);
    const warmed = await until('warming', async () => {
      const n = await counter(w1, 'lexigraph_gateway_answer_cache_warmed_total', { result: 'computed' });
      return n > 0 ? n : undefined;
    });
    expect(warmed).toBeLessThanOrEqual(50);
    // a title is a likely prompt: answered from this replica's own layer at once
    const hit = await post(`${w1}/v1/collections/manual/query`, { prompt: 'Partial Indexes' });
    expect(hit.status).toBe(200);
    expect(await counter(w1, LOOKUPS, { layer: 'local', result: 'hit' })).toBe(1);
    // a second replica of the same version does not warm it again, and finds the answers in Redis
    const w2 = await start(warmConfig);
    await new Promise((r) => setTimeout(r, 300));
    expect(await counter(w2, 'lexigraph_gateway_answer_cache_warmed_total')).toBe(0);
    await post(`${w2}/v1/collections/manual/query`, { prompt: 'partial indexes' });
    expect(await counter(w2, LOOKUPS, { layer: 'shared', result: 'hit' })).toBe(1);
    const listed = await getJson(`${w2}/v1/collections`);
    expect(listed.collections[0].version).toBe(2);
  });

  it('answers the hot queries of the previous version first after a publish, so they are hits at once', async () => {
    // one replica with its own layer only (no claim to share) and room to warm two answers: the hot set fills it
    const h = await start({ cacheSize: 100, answerCache: { ...cached.answerCache, shared: false, warmCount: 2 } });
    const warmedDone = (at: number) =>
      until('the warming', async () =>
        (await counter(h, 'lexigraph_gateway_answer_cache_warmed_total', { result: 'computed' })) >= at && (await counter(h, 'lexigraph_gateway_answer_cache_warming')) === 0 ? true : undefined,
      );
    await warmedDone(1);
    const warmedAtStart = await counter(h, 'lexigraph_gateway_answer_cache_warmed_total', { result: 'computed' });
    for (let i = 0; i < 3; i++) await post(`${h}/v1/collections/manual/query`, { prompt: 'replication slot standby' });
    for (let i = 0; i < 2; i++) await post(`${h}/v1/collections/manual/query`, { prompt: 'deadlocks aborted', params: { k: 2 } });
    const version = await db.publish('manual', [
      { id: 'brin', url: 'https://docs.example.test/brin.html', title: 'BRIN Indexes', text: 'A block range index summarizes ranges of table blocks.', category: ['SQL', 'Indexes'], tags: [], links: [] },
    ]);
    for (const app of apps) await app.get(IndexRegistry).refresh('manual');
    await warmedDone(warmedAtStart + 2);
    const hitsBefore = await counter(h, LOOKUPS, { layer: 'local', result: 'hit' });
    const slot = await post(`${h}/v1/collections/manual/query`, { prompt: 'Standby, replication SLOT?' });
    const locks = await post(`${h}/v1/collections/manual/query`, { prompt: 'deadlocks aborted', params: { k: 2 } });
    expect(await counter(h, LOOKUPS, { layer: 'local', result: 'hit' })).toBe(hitsBefore + 2);
    // and they are the new version's answers
    for (const [res, body] of [
      [slot, { prompt: 'Standby, replication SLOT?' }],
      [locks, { prompt: 'deadlocks aborted', params: { k: 2 } }],
    ] as const) {
      expect(res.body.indexVersion).toBe(version);
      expect(timeless(res.body)).toEqual(timeless((await post(`${computed}/v1/collections/manual/query`, body)).body));
    }
  });
});
