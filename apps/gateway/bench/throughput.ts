/**
 * Gateway throughput beside a bare NestJS endpoint and a NestJS app over SQLite FTS5, in one run on loopback.
 *
 *   npm run bench:gateway [-- --duration 10 --connections 16 --prompts 200 --warmup 2 --zipf-warmup 40000 --rounds 2]
 *   npm run bench:gateway -- --auth 1     the gateway without authentication, with an API key and with a tenant token,
 *                                         every answer computed and with the default cache (Zipf traffic): the ratios
 *   npm run bench:gateway -- --auth 2     the same, with a second gateway without authentication beside them: its
 *                                         ratio to the first is what two identical servers differ by in this run
 *
 * Builds the index of the vendored PostgreSQL 15 manual into a fresh schema of DATABASE_URL (default: the local
 * `postgres` database; the schema is dropped at the end), then starts, one after the other, each server in a child
 * process of its own: a bare NestJS app on the same adapter whose one POST route returns a constant; the FTS5 peer
 * (bench/fts5-peer.ts: the same pages, porter, bm25() top 10 with snippet()); the gateway (fastify, the real app
 * with metrics and error filter, no Redis events) with its answer cache off (every request runs the engine); and the
 * gateway with its cache at the default sizes (in-process LRU, the shared layer in REDIS_URL, warming at start),
 * under Zipf traffic: prompts drawn from all 2,829 prompts of the manual's back-of-book index with probability ∝
 * 1/rank (rank by a seeded shuffle), as asked or (half the time) as one of three paraphrases (bench/paraphrase.ts:
 * word order, case, stopwords, punctuation). Bare, FTS5 and the computing gateway get `--prompts` prompts (a seeded
 * sample) in turn, after `--warmup` seconds. A cached gateway is measured once its warming at start has finished
 * (`untilWarmed`) and after `--zipf-warmup` requests of warm-up from the same stream: a count, so the cache state
 * measured is the same on a quiet or a loaded machine. The shared cache (under a key prefix of the run's own) is emptied
 * before each cached run.
 *
 * Then a publish: a gateway polling every 100 ms serves version 1 under Zipf traffic with paraphrases for
 * `--zipf-warmup` requests, one page changes and is published as version 2, and once the gateway serves it, 10 s of
 * the same traffic measure the hit rate right after a publish (the warming of version 2 runs meanwhile).
 *
 * All connections of a run share one stream of bodies (autocannon in this process, for the same bounded duration
 * and connection count). Prints requests/s, p50, p99, each server's CPU time per request (what a request costs it,
 * whatever else runs on the machine), the hit rate per cache layer (read from the gateway's /metrics) and the ratios
 * the throughput issue sets goals for, measured in alternating rounds (default 2). Not a test: nothing is asserted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { readTarBrotli, seededRandom, shuffled } from '@lexigraph/cli';
import { readFolder } from '@lexigraph/crawler';
import { Authenticator, KeyAdmin, signTenantToken } from '@lexigraph/auth';
import { createStore } from '@lexigraph/db';
import { buildIndex, distill, documentHash, fromDbStore } from '@lexigraph/pipeline';
import { startFts5Peer } from './fts5-peer';
import { paraphrases } from './paraphrase';

const COLLECTION = 'pg15-docs';

/** The vendored manual, found by walking up from this file (the compiled copy lives deeper than the source). */
function vendorDir(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'vendor', 'pg15-docs');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`vendor/pg15-docs not found above ${__dirname}`);
}
const VENDOR = vendorDir();

interface Options {
  duration: number;
  connections: number;
  prompts: number;
  warmup: number;
  /** Requests of warm-up before a Zipf run is measured (a count, so the state measured is the same at any speed). */
  zipfWarmup: number;
  rounds: number;
  /** 1: measure the cost of keys and tenant tokens instead (see benchAuth); 2: with a control gateway too. */
  auth: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { duration: 10, connections: 16, prompts: 200, warmup: 2, zipfWarmup: 40_000, rounds: 2, auth: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in opts) || !Number.isFinite(value) || value <= 0) throw new Error(`bad option ${argv[i]} ${argv[i + 1] ?? ''}: expected --duration|--connections|--prompts|--warmup|--zipf-warmup|--rounds|--auth N`);
    opts[key] = value;
  }
  opts.duration = Math.min(opts.duration, 60);
  opts.rounds = Math.min(Math.round(opts.rounds), 5);
  return opts;
}

// ---- child: one server ------------------------------------------------------------------------------------

async function serve(kind: string): Promise<void> {
  const { Controller, HttpCode, Module, Post } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  let url: string;
  let close: () => Promise<void>;
  if (kind === 'fts5') {
    const peer = await startFts5Peer(await readFolder(process.env.BENCH_SITE as string, 'html'), COLLECTION);
    url = peer.url;
    close = peer.close;
  } else if (kind === 'gateway') {
    const { startGateway, loadConfig } = await import('../src/main');
    const config = { ...loadConfig(process.env), host: '127.0.0.1', port: 0 };
    const started = await startGateway({ config, events: false, logger: 'error' });
    url = `${started.url}/v1/collections/${COLLECTION}/query`;
    close = () => started.app.close();
  } else {
    const ANSWER = { ok: true, answer: 'constant' };
    @Controller()
    class ConstantController {
      @Post('constant')
      @HttpCode(200)
      constant() {
        return ANSWER;
      }
    }
    @Module({ controllers: [ConstantController] })
    class BareModule {}
    const app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    url = `http://127.0.0.1:${address.port}/constant`;
    close = () => app.close();
  }
  process.send?.({ url });
  process.on('message', (msg) => {
    if (msg === 'stop') void close().then(() => process.exit(0));
    // CPU time of this server so far (user + system, µs): the parent divides it by the requests it measured
    if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
}

// ---- parent: build, drive, report ---------------------------------------------------------------------------

async function buildCorpus(databaseUrl: string, schema: string, dataDir: string): Promise<{ entities: number; version: number; ms: number }> {
  const t0 = performance.now();
  const files = readTarBrotli(await fs.readFile(path.join(VENDOR, 'pg15-docs.tar.br')));
  const site = path.join(dataDir, 'site');
  for (const f of files) {
    if (!f.path.endsWith('.html') || f.path.endsWith('bookindex.html')) continue;
    const target = path.join(site, f.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, f.data);
  }
  const entities = await readFolder(site, 'html');
  const store = fromDbStore(await createStore({ databaseUrl, schema }));
  try {
    await distill(store, COLLECTION, entities);
    const report = await buildIndex(store, dataDir, COLLECTION);
    return { entities: report.entities, version: report.version, ms: performance.now() - t0 };
  } finally {
    await store.close();
  }
}

function startChild(kind: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--serve', kind], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (msg: { url: string }) => resolve({ child, url: msg.url }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with code ${code} before listening`)));
  });
}

/** CPU time (user + system, µs) the server in `child` has used so far. */
function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const listen = (msg: { cpu?: NodeJS.CpuUsage }) => {
      if (!msg.cpu) return;
      child.off('message', listen);
      resolve(msg.cpu.user + msg.cpu.system);
    };
    child.on('message', listen);
    child.send('cpu');
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** The server's CPU time (user + system) per measured request, µs: its cost, whatever else runs on the machine. */
  cpuPerRequest?: number;
  /** Cache counters over the measured requests (gateways with the cache on). */
  cache?: CacheShare;
}

/** Shares of the measured requests answered by each cache layer. */
interface CacheShare {
  /** Answered from a cache layer (either), of all requests. */
  hits: number;
  /** In-process layer: hits of its lookups; shared layer: hits of its lookups (the local misses). */
  local: number;
  shared: number;
}

/** Sum of the samples of a counter in a Prometheus text exposition whose labels hold every `label="value"` given. */
function counterTotal(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (Object.entries(labels).some(([k, v]) => !rest.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

interface Counters {
  hits: number;
  asked: number;
  localHits: number;
  localLookups: number;
  sharedHits: number;
  sharedLookups: number;
}

/**
 * The gateway's /metrics text. With authentication on it needs a key with the `admin` scope (the master key will
 * do); without one the answer is a 401 body, in which no counter is ever found.
 */
async function metricsText(queryUrl: string, credential?: string): Promise<string> {
  const res = await fetch(new URL('/metrics', queryUrl), credential ? { headers: { authorization: `Bearer ${credential}` } } : {});
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

/** Cache hits by layer and answers so far, from the gateway's /metrics. */
async function cacheCounters(queryUrl: string): Promise<Counters> {
  const text = await metricsText(queryUrl);
  const lookups = 'lexigraph_gateway_answer_cache_lookups_total';
  return {
    hits: counterTotal(text, 'lexigraph_gateway_answer_cache_hits_total'),
    asked: counterTotal(text, 'lexigraph_gateway_answers_total') + counterTotal(text, 'lexigraph_gateway_no_answers_total'),
    localHits: counterTotal(text, lookups, { layer: 'local', result: 'hit' }),
    localLookups: counterTotal(text, lookups, { layer: 'local' }),
    sharedHits: counterTotal(text, lookups, { layer: 'shared', result: 'hit' }),
    sharedLookups: counterTotal(text, lookups, { layer: 'shared' }),
  };
}

function shareBetween(before: Counters, after: Counters): CacheShare {
  const d = (k: keyof Counters) => after[k] - before[k];
  return {
    hits: d('hits') / Math.max(1, d('asked')),
    local: d('localHits') / Math.max(1, d('localLookups')),
    shared: d('sharedHits') / Math.max(1, d('sharedLookups')),
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/** The bodies in turn, forever. */
function inTurn(bodies: readonly string[]): () => string {
  let i = 0;
  return () => bodies[i++ % bodies.length] as string;
}

/**
 * Prompts drawn with probability ∝ 1 / rank^s, ranks by a seeded shuffle: the heavy head and long tail of a query
 * log. With `variants`, each draw is the prompt as listed half the time, else one of its variants (paraphrases).
 */
function zipf(prompts: readonly string[], s: number, seed: number, variants?: ReadonlyMap<string, readonly string[]>): () => string {
  const random = seededRandom(seed);
  const ranked = shuffled(prompts, random);
  const cumulative = new Float64Array(ranked.length);
  let sum = 0;
  ranked.forEach((_, i) => {
    sum += 1 / Math.pow(i + 1, s);
    cumulative[i] = sum;
  });
  const body = (prompt: string) => JSON.stringify({ prompt });
  const bodies = new Map(ranked.map((p) => [p, [body(p), ...(variants?.get(p) ?? []).map(body)]]));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = ranked.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    const forms = bodies.get(ranked[lo] as string) as string[];
    if (forms.length === 1 || random() < 0.5) return forms[0] as string;
    return forms[1 + Math.floor(random() * (forms.length - 1))] as string;
  };
}

/** Drives `url` for `seconds`, or for `{ requests }` requests. */
async function drive(name: string, url: string, next: () => string, opts: Options, length: number | { requests: number }, credential?: string): Promise<Row> {
  // One request whose body is set per request from a stream shared by all connections.
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) };
  const result = await autocannon({
    url,
    connections: opts.connections,
    ...(typeof length === 'number' ? { duration: length } : { amount: length.requests }),
    requests: [{ method: 'POST', headers, setupRequest: (req) => ({ ...req, body: next() }) }],
  });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Deletes the shared answer cache's entries and warming claims (every key under the bench's own prefix). */
async function clearSharedCache(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until the gateway's warming at start has run and finished (lexigraph_gateway_answer_cache_warming).
 * `credential`: a key that may read /metrics (scope `admin`) when the gateway runs with authentication.
 */
async function untilWarmed(queryUrl: string, credential?: string): Promise<void> {
  const end = Date.now() + 180_000;
  while (Date.now() < end) {
    const text = await metricsText(queryUrl, credential);
    if (counterTotal(text, 'lexigraph_gateway_answer_cache_warmed_total') > 0 && counterTotal(text, 'lexigraph_gateway_answer_cache_warming') === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the gateway did not finish warming within 180 s');
}

/** Changes one page and publishes the change (a new index version); resolves to the version number. */
async function publishChange(databaseUrl: string, schema: string, dataDir: string): Promise<number> {
  const entities = await readFolder(path.join(dataDir, 'site'), 'html');
  const page = entities.find((e) => e.id.includes('routine-vacuuming')) ?? (entities[0] as (typeof entities)[number]);
  const changed = { ...page, text: `${page.text}\nA maintenance window keeps VACUUM FREEZE away from peak hours.` };
  const store = fromDbStore(await createStore({ databaseUrl, schema }));
  try {
    await store.upsertDocuments(COLLECTION, [{ entity: changed, hash: documentHash(changed) }]);
    return (await buildIndex(store, dataDir, COLLECTION)).version;
  } finally {
    await store.close();
  }
}

/** Polls the gateway's collection list until it serves `version`. */
async function untilServed(queryUrl: string, version: number): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const listed = (await (await fetch(new URL('/v1/collections', queryUrl))).json()) as { collections: Array<{ collection: string; version: number }> };
    if (listed.collections.some((c) => c.collection === COLLECTION && c.version >= version)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the gateway did not serve version ${version} within 60 s`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const baseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const schema = `gwbench_${randomBytes(4).toString('hex')}`;
  // the shared cache's keys of this run only: other runs on the same Redis keep theirs
  const sharedPrefix = `lexigraph:bench:${randomBytes(4).toString('hex')}:`;
  const u = new URL(baseUrl);
  u.searchParams.set('schema', schema);
  const dataDir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-gwbench-'));
  const qrels = (await fs.readFile(path.join(VENDOR, 'pg15.qrels.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const allPrompts = qrels.map((line) => (JSON.parse(line) as { query: string }).query);
  const sampled = shuffled(allPrompts, seededRandom(42)).slice(0, opts.prompts);
  const bodies = sampled.map((prompt) => JSON.stringify({ prompt }));
  const paraphraseRandom = seededRandom(7);
  const variants = new Map(allPrompts.map((p) => [p, paraphrases(p, 3, paraphraseRandom)]));
  let children: ChildProcess[] = [];
  const run = async <T>(kind: string, env: NodeJS.ProcessEnv, body: (url: string, cpu: () => Promise<number>) => Promise<T>): Promise<T> => {
    const { child, url } = await startChild(kind, env);
    children.push(child);
    try {
      return await body(url, () => childCpu(child));
    } finally {
      await stopChild(child);
      children = children.filter((c) => c !== child);
    }
  };
  try {
    const built = await buildCorpus(baseUrl, schema, dataDir);
    console.log(`index of ${COLLECTION}: ${built.entities} entities, version ${built.version}, built in ${(built.ms / 1000).toFixed(1)} s`);
    console.log(
      `autocannon: ${opts.connections} connections, ${opts.duration} s per server after a warm-up (${opts.warmup} s; Zipf: ${opts.zipfWarmup} requests); ${bodies.length} prompts in turn, or Zipf (s = 1) over all ${allPrompts.length}, half of the draws paraphrased`,
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: u.toString(),
      REDIS_URL: redisUrl,
      GATEWAY_PORT: '0',
      GATEWAY_POLL_MS: '0',
      NODE_ENV: 'production',
      BENCH_SITE: path.join(dataDir, 'site'),
      LEXIGRAPH_AUTH: 'off',
      GATEWAY_SHARED_CACHE_PREFIX: sharedPrefix,
    };
    if (opts.auth) {
      await benchAuth(opts, env, u.toString(), bodies, allPrompts);
      return;
    }
    const computedEnv = { GATEWAY_CACHE_SIZE: '0', GATEWAY_SHARED_CACHE: 'off', GATEWAY_WARM_COUNT: '0' };
    // [kind, name, environment, traffic]
    const servers: ReadonlyArray<readonly [string, string, Record<string, string>, 'turn' | 'zipf' | 'zipf+paraphrase']> = [
      ['bare', 'bare NestJS (fastify), constant JSON', {}, 'turn'],
      ['fts5', 'NestJS (fastify) + SQLite FTS5, top 10', {}, 'turn'],
      ['gateway', 'gateway, every answer computed', computedEnv, 'turn'],
      ['gateway', 'gateway, default cache, Zipf', {}, 'zipf'],
      ['gateway', 'gateway, default cache, Zipf + paraphrases', {}, 'zipf+paraphrase'],
    ];
    // Each round measures every server once, in alternating order, so a ratio compares runs close in time (other
    // load on the machine drifts); the summary gives each round's ratio and their mean.
    const rounds: Row[][] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [...servers] : [...servers].reverse();
      const rows = new Map<string, Row>();
      for (const [kind, name, extra, traffic] of order) {
        const cached = kind === 'gateway' && extra.GATEWAY_CACHE_SIZE !== '0';
        if (cached) await clearSharedCache(redisUrl, sharedPrefix);
        const row = await run(kind, { ...env, ...extra }, async (url, cpu) => {
          const next = traffic === 'turn' ? inTurn(bodies) : zipf(allPrompts, 1, 1000 + round, traffic === 'zipf' ? undefined : variants);
          if (traffic === 'turn') {
            // Every server sees each body once before the warm-up.
            for (const body of bodies) await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          }
          // Zipf traffic: measured once the warming at start is done (else it competes with the measured requests),
          // after --zipf-warmup requests from the same stream: the state of a gateway that served that many queries
          // of this version, whatever the machine's speed.
          if (cached) await untilWarmed(url);
          await drive(name, url, next, opts, traffic === 'turn' ? opts.warmup : { requests: opts.zipfWarmup });
          const before = cached ? await cacheCounters(url) : undefined;
          const cpu0 = await cpu();
          const measured = await drive(name, url, next, opts, opts.duration);
          measured.cpuPerRequest = ((await cpu()) - cpu0) / Math.max(1, measured.requests);
          if (before) measured.cache = shareBetween(before, await cacheCounters(url));
          return measured;
        });
        rows.set(name, row);
      }
      rounds.push(servers.map(([, name]) => rows.get(name) as Row));
    }

    // Right after a publish: version 1 under traffic, then version 2 published; 10 s from the moment it is served.
    await clearSharedCache(redisUrl, sharedPrefix);
    const publish = await run('gateway', { ...env, GATEWAY_POLL_MS: '100' }, async (url) => {
      const next = zipf(allPrompts, 1, 999, variants);
      await drive('before the publish', url, next, opts, { requests: opts.zipfWarmup });
      const version = await publishChange(baseUrl, schema, dataDir);
      await untilServed(url, version);
      const before = await cacheCounters(url);
      const row = await drive('first 10 s after a publish', url, next, opts, 10);
      row.cache = shareBetween(before, await cacheCounters(url));
      return { version, row };
    });

    const pad = (x: string, n: number) => x.padEnd(n);
    const cacheText = (c?: CacheShare) => (c ? `${pct(c.hits)} (local ${pct(c.local)}, shared ${pct(c.shared)})` : '-');
    console.log('');
    console.log(`| round | ${pad('server', 44)} | req/s    | p50 ms | p99 ms | requests | errors | non-2xx | server CPU µs/req | cache hits (per layer) |`);
    console.log(`|-------|${'-'.repeat(46)}|----------|--------|--------|----------|--------|---------|-------------------|------------------------|`);
    const line = (round: string, r: Row) =>
      console.log(
        `| ${pad(round, 5)} | ${pad(r.name, 44)} | ${pad(r.rps.toFixed(0), 8)} | ${pad(r.p50.toFixed(1), 6)} | ${pad(r.p99.toFixed(1), 6)} | ${pad(String(r.requests), 8)} | ${pad(String(r.errors), 6)} | ${pad(String(r.non2xx), 7)} | ${pad(r.cpuPerRequest === undefined ? '-' : r.cpuPerRequest.toFixed(0), 17)} | ${cacheText(r.cache)} |`,
      );
    rounds.forEach((rows, i) => rows.forEach((r) => line(String(i + 1), r)));
    line('-', publish.row);
    console.log('');
    const col = (name: string) => servers.findIndex(([, n]) => n === name);
    const ratio = (num: string, den: string) => {
      const rs = rounds.map((rows) => (rows[col(num)] as Row).rps / (rows[col(den)] as Row).rps);
      return { mean: rs.reduce((x, y) => x + y, 0) / rs.length, text: rs.map((r) => r.toFixed(2)).join(', ') };
    };
    const cpuOf = (name: string) => rounds.map((rows) => ((rows[col(name)] as Row).cpuPerRequest ?? 0).toFixed(0)).join(', ');
    const hitsOf = (name: string) => rounds.map((rows) => cacheText((rows[col(name)] as Row).cache)).join('; ');
    for (const [num, den, goal] of [
      ['gateway, every answer computed', 'NestJS (fastify) + SQLite FTS5, top 10', 1.0],
      ['gateway, every answer computed', 'bare NestJS (fastify), constant JSON', 0],
      ['gateway, default cache, Zipf', 'bare NestJS (fastify), constant JSON', 0],
      ['gateway, default cache, Zipf + paraphrases', 'bare NestJS (fastify), constant JSON', 0.6],
    ] as const) {
      const r = ratio(num, den);
      const hits = num.includes('cache') ? `, cache hits ${hitsOf(num)}` : '';
      console.log(`${num} vs ${den}: ${r.mean.toFixed(2)} x (rounds: ${r.text}${goal ? `; goal >= ${goal.toFixed(1)}` : ''})${hits}; server CPU µs/req ${cpuOf(num)} vs ${cpuOf(den)}`);
    }
    console.log(
      `first 10 s after publishing version ${publish.version}: cache hits ${cacheText(publish.row.cache)} of ${publish.row.requests} requests (goal >= 70 %), ${publish.row.rps.toFixed(0)} req/s, p99 ${publish.row.p99.toFixed(1)} ms`,
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await clearSharedCache(redisUrl, sharedPrefix);
    const store = await createStore({ databaseUrl: baseUrl, schema });
    await store.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The cost of authentication: first the check alone, in this process (the gateway's Authenticator, warmed: what
 * each request pays), then the gateway without it, with an API key (`query` scope, the collection) and with a
 * tenant token signed by that key (no ACL groups: the manual's pages have no `acl`, so the answers are the same),
 * every answer computed (prompts in turn) and with the default cache under Zipf traffic, the three side by side.
 * Under Zipf traffic, as for the other cached rows, the three are driven once each has finished its warming at start
 * (read from /metrics with the master key: with authentication on, /metrics needs the `admin` scope).
 */
async function benchAuth(opts: Options, env: NodeJS.ProcessEnv, databaseUrl: string, bodies: string[], allPrompts: string[]): Promise<void> {
  const master = randomBytes(32).toString('base64url');
  const store = await createStore({ databaseUrl });
  let apiKey: string;
  let token: string;
  try {
    apiKey = (await new KeyAdmin(store).create({ name: 'bench', scopes: ['query'], collections: [COLLECTION] }, 'master')).key;
    token = await signTenantToken({ apiKey, collections: [COLLECTION], expiresInSeconds: 3600 });
    // What the check itself costs, in this process: the gateway's Authenticator over the same key store, warmed.
    const auth = new Authenticator({ mode: 'on', masterKey: master, keys: (id) => store.keys.get(id) });
    for (const [name, credential] of [['API key', apiKey], ['tenant token', token]] as const) {
      const header = `Bearer ${credential}`;
      for (let i = 0; i < 10_000; i++) await auth.authenticate(header);
      const n = 100_000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await auth.authenticate(header);
      console.log(`authentication of one request, ${name}: ${((1000 * (performance.now() - t0)) / n).toFixed(1)} us (in-process, ${n} checks)`);
    }
  } finally {
    await store.close();
  }
  const on = { LEXIGRAPH_AUTH: 'on', LEXIGRAPH_MASTER_KEY: master };
  const modes: ReadonlyArray<readonly [string, Record<string, string>, string | undefined]> = [
    ['no authentication', {}, undefined],
    ['API key', on, apiKey],
    ['tenant token', on, token],
    // the control: a second gateway without authentication, so the ratios read against what chance alone gives
    ...(opts.auth >= 2 ? [['no authentication, again', {}, undefined] as const] : []),
  ];
  const traffics = [
    ['every answer computed', { GATEWAY_CACHE_SIZE: '0', GATEWAY_SHARED_CACHE: 'off', GATEWAY_WARM_COUNT: '0' }, 'turn'],
    ['default cache, Zipf', {}, 'zipf'],
  ] as const;
  // The three gateways run side by side, each driven by its own connections over the same seconds, so whatever else
  // the machine does weighs on all three alike (measured one after another, the same server swings by a quarter from
  // window to window here). Each has its own shared-cache prefix; what a request costs each server is its CPU time
  // over the requests it answered, and its req/s is over the same window.
  const rps = new Map<string, number[]>();
  const cpuPer = new Map<string, number[]>();
  const third = { ...opts, connections: Math.max(1, Math.round(opts.connections / modes.length)) };
  for (let round = 0; round < opts.rounds; round++) {
    for (const [traffic, trafficEnv, kind] of traffics) {
      const started: Array<{ mode: string; credential: string | undefined; url: string; cpu: () => Promise<number>; stop: () => Promise<void> }> = [];
      try {
        // Started one after the other, first a different one each round: none is always the one that had the
        // machine to itself while the others loaded their index.
        for (let j = 0; j < modes.length; j++) {
          const [mode, modeEnv, credential] = modes[(j + round) % modes.length] as (typeof modes)[number];
          const prefix = `${env.GATEWAY_SHARED_CACHE_PREFIX as string}auth-${modes.findIndex((m) => m[0] === mode)}:`;
          await clearSharedCache(env.REDIS_URL as string, prefix);
          const { child, url } = await startChild('gateway', { ...env, ...trafficEnv, ...modeEnv, GATEWAY_SHARED_CACHE_PREFIX: prefix });
          started.push({ mode, credential, url, cpu: () => childCpu(child), stop: () => stopChild(child) });
        }
        started.sort((a, b) => modes.findIndex((m) => m[0] === a.mode) - modes.findIndex((m) => m[0] === b.mode));
        // As for the other Zipf rows: measured once the warming at start is done, else it competes with the
        // measured requests (how long it runs varies from gateway to gateway). /metrics needs the admin scope.
        if (kind === 'zipf') await Promise.all(started.map((g) => untilWarmed(g.url, master)));
        const streams = started.map(() => (kind === 'turn' ? inTurn(bodies) : zipf(allPrompts, 1, 2000 + round)));
        await Promise.all(
          started.map((g, i) => drive(g.mode, g.url, streams[i] as () => string, third, kind === 'turn' ? opts.warmup : { requests: opts.zipfWarmup }, g.credential)),
        );
        const cpu0 = await Promise.all(started.map((g) => g.cpu()));
        const rows = await Promise.all(started.map((g, i) => drive(g.mode, g.url, streams[i] as () => string, third, opts.duration, g.credential)));
        const cpu1 = await Promise.all(started.map((g) => g.cpu()));
        started.forEach((g, i) => {
          const row = rows[i] as Row;
          if (row.non2xx > 0 || row.errors > 0) throw new Error(`${traffic}, ${g.mode}: ${row.non2xx} non-2xx answers, ${row.errors} errors`);
          const cpuPerRequest = ((cpu1[i] as number) - (cpu0[i] as number)) / Math.max(1, row.requests);
          const k = `${traffic}\u0000${g.mode}`;
          rps.set(k, [...(rps.get(k) ?? []), row.rps]);
          cpuPer.set(k, [...(cpuPer.get(k) ?? []), cpuPerRequest]);
          console.log(
            `round ${round + 1} | ${traffic.padEnd(22)} | ${g.mode.padEnd(24)} | ${row.rps.toFixed(0).padStart(6)} req/s | p50 ${row.p50.toFixed(1)} ms | p99 ${row.p99.toFixed(1)} ms | server CPU ${cpuPerRequest.toFixed(0)} µs/req`,
          );
        });
      } finally {
        await Promise.all(started.map((g) => g.stop()));
      }
    }
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (const [traffic] of traffics) {
    const k0 = `${traffic}\u0000no authentication`;
    for (const [mode] of modes.slice(1)) {
      const k = `${traffic}\u0000${mode}`;
      // per round, side by side: the ratio of the same seconds; then their mean
      const ratios = (rps.get(k) ?? []).map((x, i) => x / ((rps.get(k0) ?? [])[i] ?? Infinity));
      const cpuRatios = (cpuPer.get(k0) ?? []).map((x, i) => x / ((cpuPer.get(k) ?? [])[i] ?? Infinity));
      console.log(
        `${traffic}: ${mode} vs no authentication: ${(sum(ratios) / ratios.length).toFixed(3)} x req/s (rounds ${ratios.map((r) => r.toFixed(3)).join(', ')}); ${(sum(cpuRatios) / cpuRatios.length).toFixed(3)} x by server CPU per request (rounds ${cpuRatios.map((r) => r.toFixed(3)).join(', ')})${mode.startsWith('no authentication') ? ' (control)' : ' (goal >= 0.95)'}`,
      );
    }
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3] ?? 'bare').catch((err: Error) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exit(1);
  });
}
