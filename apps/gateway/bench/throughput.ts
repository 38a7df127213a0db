/**
 * Gateway throughput next to a bare NestJS endpoint, in one run on loopback.
 *
 *   npm run bench:gateway [-- --duration 10 --connections 16 --prompts 200 --warmup 2 --rounds 2]
 *
 * Builds the index of the vendored PostgreSQL 15 manual into a fresh schema of DATABASE_URL (default: the local
 * `postgres` database; the schema is dropped at the end), then starts, one after the other, each server in a child
 * process of its own: the gateway (fastify, the real app with metrics and error filter, no Redis events) and a bare
 * NestJS app on the same adapter whose one POST route returns a constant. The gateway runs twice: with its answer
 * cache off (every request runs the engine), on with `--prompts` prompts in turn (every one cached after the first
 * pass), and on with Zipf traffic: prompts drawn from all 2,829 prompts of the manual's back-of-book index with
 * probability ∝ 1/rank (rank by a seeded shuffle), so the default cache of 1,000 answers holds only part of what is
 * asked, as on a real server. All connections of a run share one stream of bodies (autocannon in this process, for
 * the same bounded duration and connection count). Prints requests/s, p50, p99, the answer cache's hit rate (read
 * from the gateway's /metrics) and each gateway's ratio to the bare endpoint, measured in alternating rounds
 * (default 2). Not a test: nothing is asserted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { readTarBrotli, seededRandom, shuffled } from '@lexigraph/cli';
import { readFolder } from '@lexigraph/crawler';
import { createStore } from '@lexigraph/db';
import { buildIndex, distill, fromDbStore } from '@lexigraph/pipeline';

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
  rounds: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { duration: 10, connections: 16, prompts: 200, warmup: 2, rounds: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in opts) || !Number.isFinite(value) || value <= 0) throw new Error(`bad option ${argv[i]} ${argv[i + 1] ?? ''}: expected --duration|--connections|--prompts|--warmup|--rounds N`);
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
  if (kind === 'gateway') {
    const { startGateway, loadConfig } = await import('../src/main');
    const config = { ...loadConfig(process.env), host: '127.0.0.1', port: 0, pollMs: 0 };
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
  /** Share of the measured requests answered from the answer cache (gateways with the cache on). */
  hitRate?: number;
}

/** Sum of the samples of a counter in a Prometheus text exposition. */
function counterTotal(metrics: string, name: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

/** Cache hits and answers so far, from the gateway's /metrics. */
async function cacheCounters(queryUrl: string): Promise<{ hits: number; asked: number }> {
  const text = await (await fetch(new URL('/metrics', queryUrl))).text();
  return {
    hits: counterTotal(text, 'lexigraph_gateway_answer_cache_hits_total'),
    asked: counterTotal(text, 'lexigraph_gateway_answers_total') + counterTotal(text, 'lexigraph_gateway_no_answers_total'),
  };
}

/** The bodies in turn, forever. */
function inTurn(bodies: readonly string[]): () => string {
  let i = 0;
  return () => bodies[i++ % bodies.length] as string;
}

/** Bodies drawn with probability ∝ 1 / rank^s, ranks by a seeded shuffle: the heavy head and long tail of a query log. */
function zipf(bodies: readonly string[], s: number, seed: number): () => string {
  const random = seededRandom(seed);
  const ranked = shuffled(bodies, random);
  const cumulative = new Float64Array(ranked.length);
  let sum = 0;
  ranked.forEach((_, i) => {
    sum += 1 / Math.pow(i + 1, s);
    cumulative[i] = sum;
  });
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = ranked.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return ranked[lo] as string;
  };
}

async function drive(name: string, url: string, next: () => string, opts: Options, seconds: number): Promise<Row> {
  // One request whose body is set per request from a stream shared by all connections.
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: next() }) }],
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const baseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
  const schema = `gwbench_${randomBytes(4).toString('hex')}`;
  const u = new URL(baseUrl);
  u.searchParams.set('schema', schema);
  const dataDir = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-gwbench-'));
  const qrels = (await fs.readFile(path.join(VENDOR, 'pg15.qrels.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const allBodies = qrels.map((line) => JSON.stringify({ prompt: (JSON.parse(line) as { query: string }).query }));
  const bodies = allBodies.slice(0, opts.prompts);
  let children: ChildProcess[] = [];
  try {
    const built = await buildCorpus(baseUrl, schema, dataDir);
    console.log(`index of ${COLLECTION}: ${built.entities} entities, version ${built.version}, built in ${(built.ms / 1000).toFixed(1)} s`);
    console.log(
      `autocannon: ${opts.connections} connections, ${opts.duration} s per server after ${opts.warmup} s of warm-up; ${bodies.length} prompts in turn, or Zipf (s = 1) over all ${allBodies.length}`,
    );
    const env = { ...process.env, DATABASE_URL: u.toString(), GATEWAY_PORT: '0', NODE_ENV: 'production' };
    // [kind, name, answer cache size, traffic]
    const servers = [
      ['bare', 'bare NestJS (fastify), constant JSON', '0', 'turn'],
      ['gateway', 'gateway, every answer computed', '0', 'turn'],
      ['gateway', `gateway, cache on, ${bodies.length} prompts in turn`, '1000', 'turn'],
      ['gateway', 'gateway, cache on, Zipf traffic', '1000', 'zipf'],
    ] as const;
    // Each round measures every server once, in alternating order, so a ratio compares runs close in time (other
    // load on the machine drifts); the summary gives each round's ratio and their mean.
    const rounds: Row[][] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [...servers] : [...servers].reverse();
      const rows = new Map<string, Row>();
      for (const [kind, name, cacheSize, traffic] of order) {
        const { child, url } = await startChild(kind, { ...env, GATEWAY_CACHE_SIZE: cacheSize });
        children.push(child);
        const next = traffic === 'zipf' ? zipf(allBodies, 1, 1000 + round) : inTurn(bodies);
        if (traffic === 'turn') {
          // Every server sees each body once before the warm-up, so the cached gateway is measured warm.
          for (const body of bodies) await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        }
        // Zipf traffic warms only through the warm-up run, from the same stream: a server that has been running.
        await drive(name, url, next, opts, opts.warmup);
        const before = kind === 'gateway' && cacheSize !== '0' ? await cacheCounters(url) : undefined;
        const row = await drive(name, url, next, opts, opts.duration);
        if (before) {
          const after = await cacheCounters(url);
          row.hitRate = (after.hits - before.hits) / Math.max(1, after.asked - before.asked);
        }
        rows.set(name, row);
        await stopChild(child);
        children = children.filter((c) => c !== child);
      }
      rounds.push(servers.map(([, name]) => rows.get(name) as Row));
    }
    const pad = (s: string, n: number) => s.padEnd(n);
    console.log('');
    console.log(`| round | ${pad('server', 38)} | req/s    | p50 ms | p99 ms | requests | errors | non-2xx | cache hits |`);
    console.log(`|-------|${'-'.repeat(40)}|----------|--------|--------|----------|--------|---------|------------|`);
    rounds.forEach((rows, i) => {
      for (const r of rows) {
        const hits = r.hitRate === undefined ? '-' : `${(r.hitRate * 100).toFixed(1)} %`;
        console.log(
          `| ${pad(String(i + 1), 5)} | ${pad(r.name, 38)} | ${pad(r.rps.toFixed(0), 8)} | ${pad(r.p50.toFixed(1), 6)} | ${pad(r.p99.toFixed(1), 6)} | ${pad(String(r.requests), 8)} | ${pad(String(r.errors), 6)} | ${pad(String(r.non2xx), 7)} | ${pad(hits, 10)} |`,
        );
      }
    });
    console.log('');
    for (let g = 1; g < servers.length; g++) {
      const ratios = rounds.map((rows) => (rows[g] as Row).rps / (rows[0] as Row).rps);
      const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
      const p99 = Math.max(...rounds.map((rows) => (rows[g] as Row).p99));
      const hits = rounds.map((rows) => (rows[g] as Row).hitRate).filter((h): h is number => h !== undefined);
      const hitText = hits.length ? `, cache hits ${hits.map((h) => `${(h * 100).toFixed(1)} %`).join(', ')}` : '';
      console.log(
        `${servers[g]?.[1]}: ${mean.toFixed(2)} x the bare endpoint's requests/s (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; goal >= 0.5), worst p99 ${p99.toFixed(1)} ms (goal < 25 ms)${hitText}`,
      );
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    const store = await createStore({ databaseUrl: baseUrl, schema });
    await store.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
    await fs.rm(dataDir, { recursive: true, force: true });
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
