import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { summarize, type LatencySummary } from '../latency';
import { CLI_ROOT, type ChildRun } from './child';

/** The compiled gateway the scale bench starts (a sibling app of the CLI in the repository). */
export const GATEWAY_MAIN = path.resolve(CLI_ROOT, '..', 'gateway', 'dist', 'main.js');

/** How often the bench's gateway checks the store for a newer version (the CLI publishes without a Redis event). */
export const BENCH_POLL_MS = 250;
/** Closed-loop clients of the load, and how long the idle measurement runs. */
export const LOAD_CLIENTS = 4;
const IDLE_MS = 10_000;
/** Load kept running before the change starts and after it shows. */
const LOAD_MARGIN_MS = 1_000;
const READY_TIMEOUT_MS = 10 * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Latency and outcome of a stretch of load against the gateway. */
export interface LoadFigures extends LatencySummary {
  requests: number;
  failed: number;
  requestsPerSecond: number;
}

/** The gateway phase of one size: a real gateway process serving the published index, under a closed-loop load. */
export interface GatewayFigures {
  ok: boolean;
  error?: string;
  /** From spawn to serving the collection, ms. */
  readyMs?: number;
  /** RSS of the gateway once it serves the collection, MB. */
  rssAfterLoadMB?: number;
  /** Load with no change going on. */
  idle?: LoadFigures;
  /** A one-document add and delete (lexigraph ingest / delete) until the gateway's answer shows each, no load. */
  addIdleMs?: number;
  deleteIdleMs?: number;
  /** The same under the load; `swap` is the load's latency from the start of the add until the delete showed. */
  addLoadedMs?: number;
  deleteLoadedMs?: number;
  swap?: LoadFigures;
  /** swap p99 / idle p99 (goal ≤ 2). */
  p99Ratio?: number;
}

export interface GatewayPhaseContext {
  /** DATABASE_URL of the size's schema, and its data directory (the gateway reads snapshot files from it). */
  databaseUrl: string;
  dataDir: string;
  collection: string;
  prompts: string[];
  /** Writes the probe entity holding `word` to a JSON Lines file and ingests it (lexigraph ingest). */
  addDocument: (id: string, word: string) => Promise<ChildRun>;
  /** Deletes it (lexigraph delete). */
  deleteDocument: (id: string) => Promise<ChildRun>;
  visibleTimeoutMs: number;
  log: (line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function rssMB(pid: number): Promise<number | undefined> {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Result ids of a query, or null when the request failed. */
async function queryIds(base: string, collection: string, prompt: string): Promise<string[] | null> {
  try {
    const res = await fetch(`${base}/v1/collections/${encodeURIComponent(collection)}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt, params: { k: 10 } }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return null;
    }
    const body = (await res.json()) as { results?: Array<{ id: string }> };
    return Array.isArray(body.results) ? body.results.map((r) => r.id) : null;
  } catch {
    return null;
  }
}

/** One request timed, with the time it ended at (to cut windows out of a run). */
interface Sample {
  endMs: number;
  ms: number;
  ok: boolean;
}

/** A closed-loop load: LOAD_CLIENTS clients each send the next prompt as soon as the previous answer arrived. */
class Load {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly done: Promise<void[]>;
  constructor(base: string, collection: string, prompts: string[]) {
    let next = 0;
    const client = async (): Promise<void> => {
      while (this.running) {
        const prompt = prompts[next++ % prompts.length] as string;
        const t0 = performance.now();
        const ids = await queryIds(base, collection, prompt);
        const end = performance.now();
        this.samples.push({ endMs: end, ms: end - t0, ok: ids !== null });
      }
    };
    this.done = Promise.all(Array.from({ length: LOAD_CLIENTS }, client));
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
  figures(fromMs: number, toMs: number): LoadFigures {
    const inWindow = this.samples.filter((s) => s.endMs >= fromMs && s.endMs <= toMs);
    const ok = inWindow.filter((s) => s.ok);
    const seconds = Math.max(1e-3, (toMs - fromMs) / 1000);
    return { ...summarize(ok.map((s) => s.ms)), requests: inWindow.length, failed: inWindow.length - ok.length, requestsPerSecond: inWindow.length / seconds };
  }
}

/** Polls the gateway with `word` until `shows(ids)` holds; ms from `t0`, or null after the timeout. */
async function pollGateway(base: string, ctx: GatewayPhaseContext, word: string, shows: (ids: string[]) => boolean, t0: number): Promise<number | null> {
  for (;;) {
    const ids = await queryIds(base, ctx.collection, word);
    if (ids && shows(ids)) return performance.now() - t0;
    if (performance.now() - t0 > ctx.visibleTimeoutMs) return null;
    await sleep(20);
  }
}

/** Adds then deletes one probe document; times until the gateway shows each. */
async function addAndDelete(base: string, ctx: GatewayPhaseContext, id: string, word: string): Promise<{ addMs: number; deleteMs: number }> {
  let t0 = performance.now();
  const add = await ctx.addDocument(id, word);
  if (!add.ok) throw new Error(`the probe add failed (exit ${add.code})`);
  const addMs = await pollGateway(base, ctx, word, (ids) => ids.includes(id), t0);
  if (addMs === null) throw new Error(`the added document did not show in the gateway within ${ctx.visibleTimeoutMs} ms`);
  t0 = performance.now();
  const del = await ctx.deleteDocument(id);
  if (!del.ok) throw new Error(`the probe delete failed (exit ${del.code})`);
  const deleteMs = await pollGateway(base, ctx, word, (ids) => !ids.includes(id), t0);
  if (deleteMs === null) throw new Error(`the deleted document still showed in the gateway after ${ctx.visibleTimeoutMs} ms`);
  return { addMs, deleteMs };
}

async function waitServing(base: string, collection: string, child: ChildProcess): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (code ${child.exitCode}) before serving "${collection}"`);
    try {
      const res = await fetch(`${base}/v1/collections`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) {
        const body = (await res.json()) as { collections?: Array<{ collection: string }> };
        if (body.collections?.some((c) => c.collection === collection)) return;
      } else await res.arrayBuffer();
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > READY_TIMEOUT_MS) throw new Error(`the gateway did not serve "${collection}" within ${READY_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

/**
 * Starts the compiled gateway on the size's schema and data directory (polling the store every BENCH_POLL_MS, its
 * answer cache off so every answer is computed), measures a closed-loop load with nothing changing, then a
 * one-document add and delete with no load and again under the load: how long until the gateway's answer shows
 * each, and the load's latency and failures while the new versions are swapped in.
 */
export async function runGatewayPhase(ctx: GatewayPhaseContext): Promise<GatewayFigures> {
  if (!existsSync(GATEWAY_MAIN)) return { ok: false, error: `build the gateway first (npm run build); missing ${GATEWAY_MAIN}` };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: ctx.databaseUrl,
    LEXIGRAPH_DATA: ctx.dataDir,
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_POLL_MS: String(BENCH_POLL_MS),
    // no answer cache at all: neither layer, and so no warming after each publish (it would compete with the load)
    GATEWAY_CACHE_SIZE: '0',
    GATEWAY_SHARED_CACHE: 'off',
    LEXIGRAPH_AUTH: 'off',
    LOG_LEVEL: 'warn',
  };
  delete env.NODE_OPTIONS;
  const t0 = performance.now();
  const child = spawn(process.execPath, [GATEWAY_MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4096);
  });
  const out: GatewayFigures = { ok: false };
  try {
    await waitServing(base, ctx.collection, child);
    out.readyMs = performance.now() - t0;
    out.rssAfterLoadMB = child.pid === undefined ? undefined : await rssMB(child.pid);
    ctx.log(`  gateway: serving after ${(out.readyMs / 1000).toFixed(1)} s, RSS ${out.rssAfterLoadMB?.toFixed(0) ?? '?'} MB`);

    const idle = new Load(base, ctx.collection, ctx.prompts);
    const idleFrom = performance.now() + LOAD_MARGIN_MS;
    await sleep(LOAD_MARGIN_MS + IDLE_MS);
    out.idle = idle.figures(idleFrom, performance.now());
    await idle.stop();
    ctx.log(`  gateway idle: p50 ${out.idle.p50Ms.toFixed(1)} ms, p99 ${out.idle.p99Ms.toFixed(1)} ms, ${out.idle.requestsPerSecond.toFixed(0)} req/s, ${out.idle.failed} failed`);

    const quiet = await addAndDelete(base, ctx, 'scale-gw-probe-idle', 'lexigatewayprobeidle');
    out.addIdleMs = quiet.addMs;
    out.deleteIdleMs = quiet.deleteMs;
    ctx.log(`  gateway, no load: add visible ${(quiet.addMs / 1000).toFixed(2)} s, delete visible ${(quiet.deleteMs / 1000).toFixed(2)} s`);

    const load = new Load(base, ctx.collection, ctx.prompts);
    await sleep(LOAD_MARGIN_MS);
    const from = performance.now();
    const loaded = await addAndDelete(base, ctx, 'scale-gw-probe-load', 'lexigatewayprobeload');
    const to = performance.now();
    await sleep(LOAD_MARGIN_MS);
    await load.stop();
    out.addLoadedMs = loaded.addMs;
    out.deleteLoadedMs = loaded.deleteMs;
    out.swap = load.figures(from, to);
    out.p99Ratio = out.idle.p99Ms > 0 ? out.swap.p99Ms / out.idle.p99Ms : undefined;
    ctx.log(
      `  gateway under load: add visible ${(loaded.addMs / 1000).toFixed(2)} s, delete visible ${(loaded.deleteMs / 1000).toFixed(2)} s, ` +
        `p99 ${out.swap.p99Ms.toFixed(1)} ms (${out.p99Ratio?.toFixed(2) ?? '?'}× idle), ${out.swap.failed} of ${out.swap.requests} failed`,
    );
    out.ok = true;
  } catch (err) {
    out.error = `${err instanceof Error ? err.message : String(err)}${stderr ? ` (gateway stderr: ${stderr.trim().split('\n').pop() ?? ''})` : ''}`;
    ctx.log(`  gateway phase failed: ${out.error}`);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
  return out;
}
