import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultSharedDataDir } from '../datasets';
import type { LatencySummary } from '../latency';
import { CLI_BIN, SCALE_WORKER, failureOf, requireBuilt, runChild, type ChildRun } from './child';
import { runGatewayPhase, type GatewayFigures } from './gateway';
import { entityLine, loadSentencePool, scalePrompts, writeCorpus, SCALE_PROMPTS, type SentencePool, type SentenceSource } from './corpus';
import type { Fts5Request, Fts5Result, OursRequest, OursResult } from './worker';

export interface ScaleOptions {
  /** Corpus sizes (entities), run in this order. */
  sizes: number[];
  /** Seed of the corpus and the prompts (default 1). */
  seed?: number;
  /** PostgreSQL connection string; each size ingests into a fresh schema of that database, dropped afterwards. */
  databaseUrl: string;
  /** Folder of the shared data; default LEXIGRAPH_SHARED_DATA, else `<repo root>/../shared/data`. */
  sharedDataDir?: string;
  /** Corpora whose sentences are recombined (default scifact, reuters, pg). */
  sources?: SentenceSource[];
  /** Prompts asked of both engines (default 1,000). */
  prompts?: number;
  /** Keep the generated corpora, data directories, FTS5 files and schemas (default false). */
  keepTemp?: boolean;
  /** Where the JSON report is written, after every size (default: not written). */
  reportFile?: string;
  /** How long an add or a delete may take to show in `ask` before it counts as not visible, ms (default 10 minutes). */
  visibleTimeoutMs?: number;
  log: (line: string) => void;
}

/** One child process of the run, as reported. */
export interface ProcessFigures {
  ok: boolean;
  wallMs: number;
  peakRssMB: number | null;
  /** Why it failed (exit code or signal and the telling line of stderr). */
  error?: string;
}

/** Time from the command that changes one document to the first `ask` whose answer shows the change. */
export interface VisibilityFigures {
  ok: boolean;
  /** From the start of the command to the end of the first `ask` showing the change, ms. */
  visibleMs?: number;
  /** The changing command alone (ingest or delete: store, build, publish), ms. */
  commandMs?: number;
  /** `ask` runs until the change showed. */
  polls?: number;
  error?: string;
}

export interface OursFigures {
  /** `lexigraph ingest <corpus> --format jsonl`: store, build and publish, in one process. */
  ingest?: ProcessFigures & { entities?: number; buildMs?: number; publishMs?: number; multiTokens?: number };
  /** Files under the data directory after the publish (the snapshot), bytes. */
  indexBytes?: number;
  /** Tables, indexes and TOAST of the run's schema (documents and published versions), bytes. */
  databaseBytes?: number;
  /** `lexigraph ask` in a new process, from the snapshot. */
  /** The median of COLD_RUNS cold asks (its wall time and peak RSS), and each one's wall time, ms. */
  coldAsk?: ProcessFigures & { runsMs?: number[] };
  /** Loading the index in a process of its own and asking the prompts. */
  query?: (OursResult & { peakRssMB: number | null }) | { error: string };
  add?: VisibilityFigures;
  delete?: VisibilityFigures;
  /** A gateway process serving the index under load, and a one-document add and delete seen through it. */
  gateway?: GatewayFigures;
}

export interface Fts5Figures {
  ok: boolean;
  error?: string;
  result?: Fts5Result;
  peakRssMB?: number | null;
}

export interface ScaleRatios {
  /** Our index bytes over the FTS5 database file. */
  indexBytes?: number;
  /** Our ingest→published wall time over the FTS5 build. */
  ingestVsBuild?: number;
  /** Our build + publish (documents already stored) over the FTS5 build. */
  buildPublishVsBuild?: number;
  /** Our `ask` p50 over the FTS5 top-10 p50. */
  p50?: number;
  /** Our top-10 `search` p50 over the FTS5 top-10 p50. */
  searchP50?: number;
  /** Our RSS after load over our index bytes. */
  rssVsIndex?: number;
}

export interface ScaleSizeReport {
  size: number;
  status: 'ok' | 'failed' | 'skipped';
  /** Why the size was skipped. */
  reason?: string;
  corpus?: { entities: number; bytes: number; sha256: string; generateMs: number };
  ours?: OursFigures;
  fts5?: Fts5Figures;
  ratios?: ScaleRatios;
  /** Temporary folder and schema of the size, when kept. */
  kept?: { dir: string; schema: string };
  table?: string;
}

export interface ScaleReport {
  node: string;
  seed: number;
  prompts: number;
  sources: string[];
  sizes: ScaleSizeReport[];
  totalMs: number;
}

/** The collection every size ingests into. */
export const SCALE_COLLECTION = 'scale';
const MB = 1024 * 1024;
const DEFAULT_VISIBLE_TIMEOUT_MS = 10 * 60_000;
/** Cold asks run one after the other; the median is reported. */
const COLD_RUNS = 3;

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(p);
    else if (entry.isFile()) total += (await fs.stat(p)).size;
  }
  return total;
}

/** The run of median wall time (the later of the two middle ones of an even count), or the first that failed. */
export function medianRun(runs: readonly ChildRun[]): ChildRun {
  if (runs.length === 0) throw new RangeError('no run to take the median of');
  return runs.find((r) => !r.ok) ?? ([...runs].sort((a, b) => a.wallMs - b.wallMs)[runs.length >> 1] as ChildRun);
}

function figures(run: ChildRun): ProcessFigures {
  return { ok: run.ok, wallMs: run.wallMs, peakRssMB: run.peakRssMB, ...(run.ok ? {} : { error: failureOf(run) }) };
}

/** Fields of the ingest's printed lines (see printBuild / printIngest). */
function parseIngest(stdout: string): { entities?: number; buildMs?: number; publishMs?: number; multiTokens?: number } {
  const pub = /published: (\d+) entities, (\d+) multi-tokens.*\(build (\d+) ms, publish (\d+) ms\)/.exec(stdout);
  if (!pub) return {};
  return { entities: Number(pub[1]), multiTokens: Number(pub[2]), buildMs: Number(pub[3]), publishMs: Number(pub[4]) };
}

/** Ids of the results of `ask --json`, or null when the output is not an answer. */
function answerIds(stdout: string): string[] | null {
  const line = stdout.trim().split('\n').pop();
  if (!line) return null;
  try {
    const answer = JSON.parse(line) as { results?: { id: string }[] };
    return Array.isArray(answer.results) ? answer.results.map((r) => r.id) : null;
  } catch {
    return null;
  }
}

/** Opens the db package on demand (the bench's other modes never need it). */
async function withStore<T>(url: string, schema: string, fn: (store: Awaited<ReturnType<typeof import('@lexigraph/db').createStore>>) => Promise<T>): Promise<T> {
  const { createStore } = await import('@lexigraph/db');
  const store = await createStore({ databaseUrl: url, schema, poolSize: 1 });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

function fmtMB(mb: number | null | undefined): string {
  return mb === undefined || mb === null ? '-' : `${mb.toFixed(mb < 10 ? 1 : 0)} MB`;
}

function fmtRatio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(x < 10 ? 2 : 1)}x`;
}

function fmtLatency(l: LatencySummary | undefined): string {
  return l ? `${l.p50Ms.toFixed(2)} / ${l.p99Ms.toFixed(2)} ms` : '-';
}

function fmtVisible(v: VisibilityFigures | undefined): string {
  if (!v) return '-';
  if (!v.ok) return v.error ?? 'failed';
  return `${fmtMs(v.visibleMs)} (command ${fmtMs(v.commandMs)}, ${v.polls} ask)`;
}

function gatewayRows(g: GatewayFigures | undefined): [string, string, string, string][] {
  if (!g) return [];
  if (!g.ok) return [['gateway phase', `failed: ${g.error ?? ''}`, '', '']];
  const secs = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const load = (l: GatewayFigures['idle']) =>
    l ? `${l.p50Ms.toFixed(1)} / ${l.p99Ms.toFixed(1)} ms, ${l.requestsPerSecond.toFixed(0)} req/s, ${l.failed} failed` : '-';
  return [
    ['gateway: start → serving (RSS)', `${secs(g.readyMs)} (${fmtMB(g.rssAfterLoadMB)})`, '', ''],
    ['gateway p50 / p99, idle', load(g.idle), '', ''],
    ['gateway add / delete visible, no load', `${secs(g.addIdleMs)} / ${secs(g.deleteIdleMs)}`, '', ''],
    ['gateway add / delete visible, under load', `${secs(g.addLoadedMs)} / ${secs(g.deleteLoadedMs)}`, '', ''],
    ['gateway p50 / p99 during the swaps', `${load(g.swap)} (p99 ${g.p99Ratio?.toFixed(2) ?? '-'}× idle)`, '', ''],
  ];
}

/** The table of one size: one row per figure, ours beside FTS5, and the ratio where both exist. */
export function renderScaleTable(r: ScaleSizeReport, prompts: number, seed: number): string {
  const head = `== scale: ${r.size.toLocaleString('en-US')} entities`;
  if (r.status === 'skipped') return `${head}: skipped: ${r.reason ?? ''}`;
  const o = r.ours ?? {};
  const f = r.fts5?.result;
  const q = o.query && 'ask' in o.query ? o.query : undefined;
  const qErr = o.query && 'error' in o.query ? o.query.error : undefined;
  const ferr = r.fts5 && !r.fts5.ok ? `error: ${r.fts5.error ?? ''}` : undefined;
  const ingest = o.ingest;
  const rows: [string, string, string, string][] = [
    [
      'ingest → published (wall)',
      ingest ? (ingest.ok ? fmtMs(ingest.wallMs) : `died: ${ingest.error ?? ''}`) : '-',
      ferr ?? fmtMs(f?.buildMs),
      fmtRatio(r.ratios?.ingestVsBuild),
    ],
    [
      '  build + publish (docs stored)',
      ingest?.buildMs !== undefined && ingest.publishMs !== undefined ? `${fmtMs(ingest.buildMs + ingest.publishMs)} (${fmtMs(ingest.buildMs)} + ${fmtMs(ingest.publishMs)})` : '-',
      fmtMs(f?.buildMs),
      fmtRatio(r.ratios?.buildPublishVsBuild),
    ],
    ['peak RSS, build process', fmtMB(ingest?.peakRssMB), fmtMB(r.fts5?.peakRssMB), ''],
    ['index bytes (ours: data dir; fts5: db file)', fmtMB(o.indexBytes === undefined ? undefined : o.indexBytes / MB), fmtMB(f ? f.fileBytes / MB : undefined), fmtRatio(r.ratios?.indexBytes)],
    ['database schema bytes (docs + versions)', fmtMB(o.databaseBytes === undefined ? undefined : o.databaseBytes / MB), '', ''],
    ['RSS after load (fts5: after build)', qErr ? `error: ${qErr}` : fmtMB(q?.rssAfterLoadMB), fmtMB(f?.rssAfterBuildMB), ''],
    ['RSS after the prompts', fmtMB(q?.rssAfterQueriesMB), '', ''],
    ['peak RSS, query process', fmtMB(q?.peakRssMB), '', ''],
    [
      `cold \`lexigraph ask\` (median of ${COLD_RUNS}: wall, peak RSS)`,
      o.coldAsk ? (o.coldAsk.ok ? `${fmtMs(o.coldAsk.wallMs)}, ${fmtMB(o.coldAsk.peakRssMB)}` : `error: ${o.coldAsk.error ?? ''}`) : '-',
      '',
      '',
    ],
    [`query p50 / p99 (ours: ask)`, fmtLatency(q?.ask), fmtLatency(f?.search), fmtRatio(r.ratios?.p50)],
    ['top-10 search p50 / p99', fmtLatency(q?.search), fmtLatency(f?.search), fmtRatio(r.ratios?.searchP50)],
    ['prompts with no result', q ? String(q.noAnswer) : '-', f ? String(f.noAnswer) : '-', ''],
    ['one-document add → visible in ask', fmtVisible(o.add), '', ''],
    ['one-document delete → visible in ask', fmtVisible(o.delete), '', ''],
    ...gatewayRows(o.gateway),
  ];
  const header: [string, string, string, string] = ['', 'lexigraph', 'fts5', 'ours/fts5'];
  const all = [header, ...rows];
  const w = [0, 1, 2, 3].map((i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(w[0] as number) : c.padStart(w[i] as number))).join('  ').trimEnd();
  const c = r.corpus;
  return [
    `${head} (${c ? `${(c.bytes / MB).toFixed(1)} MB of JSON Lines, sha256 ${c.sha256.slice(0, 12)}` : 'no corpus'}; seed ${seed}; ${prompts} prompts)`,
    ...all.map(line),
    'ours: `lexigraph ingest --format jsonl` into PostgreSQL, then `ask` (full answer, default parameters); fts5: porter, bm25(t, 10.0, 1.0) top 10, on-disk file.',
  ].join('\n');
}

function computeRatios(o: OursFigures, f: Fts5Result | undefined): ScaleRatios {
  const r: ScaleRatios = {};
  if (!f) return r;
  if (o.indexBytes !== undefined && f.fileBytes > 0) r.indexBytes = o.indexBytes / f.fileBytes;
  if (o.ingest?.ok && f.buildMs > 0) r.ingestVsBuild = o.ingest.wallMs / f.buildMs;
  if (o.ingest?.buildMs !== undefined && o.ingest.publishMs !== undefined && f.buildMs > 0) {
    r.buildPublishVsBuild = (o.ingest.buildMs + o.ingest.publishMs) / f.buildMs;
  }
  const q = o.query && 'ask' in o.query ? o.query : undefined;
  if (q && f.search.p50Ms > 0) {
    r.p50 = q.ask.p50Ms / f.search.p50Ms;
    r.searchP50 = q.search.p50Ms / f.search.p50Ms;
  }
  if (q && o.indexBytes) r.rssVsIndex = (q.rssAfterLoadMB * MB) / o.indexBytes;
  return r;
}

async function writeReport(report: ScaleReport, file: string | undefined, t0: number): Promise<void> {
  report.totalMs = performance.now() - t0;
  if (file) await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

interface SizeContext {
  size: number;
  seed: number;
  dir: string;
  pool: SentencePool;
  promptsFile: string;
  prompts: string[];
  databaseUrl: string;
  schema: string;
  visibleTimeoutMs: number;
  log: (line: string) => void;
}

/** The `lexigraph` command line of a step, on this size's data directory and schema. */
function cliArgs(ctx: SizeContext, ...args: string[]): string[] {
  return [CLI_BIN, '--data', path.join(ctx.dir, 'data'), '--database-url', withSchema(ctx.databaseUrl, ctx.schema), ...args];
}

function probe(ctx: SizeContext, name: string): { probeFile: string; cwd: string } {
  return { probeFile: path.join(ctx.dir, `${name}.maxrss`), cwd: ctx.dir };
}

async function runFts5(ctx: SizeContext, corpusFile: string): Promise<Fts5Figures> {
  const request: Fts5Request = { corpusFile, dbFile: path.join(ctx.dir, 'fts5.db'), promptsFile: ctx.promptsFile };
  const requestFile = path.join(ctx.dir, 'fts5.request.json');
  const resultFile = path.join(ctx.dir, 'fts5.result.json');
  await fs.writeFile(requestFile, JSON.stringify(request));
  const run = await runChild([SCALE_WORKER, 'fts5', requestFile, resultFile], { ...probe(ctx, 'fts5'), nodeArgs: ['--expose-gc'] });
  if (!run.ok) return { ok: false, error: failureOf(run), peakRssMB: run.peakRssMB };
  const result = JSON.parse(await fs.readFile(resultFile, 'utf8')) as Fts5Result;
  await fs.rm(request.dbFile, { force: true });
  return { ok: true, result, peakRssMB: run.peakRssMB };
}

/** Runs `ask --json <word>` until `shows(ids)` holds or the timeout passes; the clock starts at `t0`. */
async function pollAsk(ctx: SizeContext, word: string, shows: (ids: string[]) => boolean, t0: number): Promise<{ ok: boolean; polls: number; error?: string }> {
  let polls = 0;
  for (;;) {
    polls++;
    const run = await runChild(cliArgs(ctx, 'ask', '-c', SCALE_COLLECTION, '--json', word), probe(ctx, 'poll'));
    const ids = run.ok ? answerIds(run.stdout) : null;
    if (ids && shows(ids)) return { ok: true, polls };
    if (performance.now() - t0 > ctx.visibleTimeoutMs) {
      return { ok: false, polls, error: `not visible after ${fmtMs(ctx.visibleTimeoutMs)}${run.ok ? '' : ` (ask: ${failureOf(run)})`}` };
    }
  }
}

/** Ingests one document holding a word found nowhere else (`lexigraph ingest` of a one-line JSON Lines file). */
async function ingestProbe(ctx: SizeContext, id: string, word: string): Promise<ChildRun> {
  const file = path.join(ctx.dir, 'add.jsonl');
  const [source] = ctx.pool.sources;
  const text = `${source?.sentences.slice(0, 3).join(' ') ?? ''} The probe word ${word} appears in this document only.`;
  await fs.writeFile(file, `${entityLine({ id, title: `Scale probe ${word}`, text, category: [], tags: [], links: [] })}\n`);
  return runChild(cliArgs(ctx, 'ingest', file, '--format', 'jsonl', '--collection', SCALE_COLLECTION, '--no-progress'), probe(ctx, 'add'));
}

function deleteProbe(ctx: SizeContext, id: string): Promise<ChildRun> {
  return runChild(cliArgs(ctx, 'delete', '--collection', SCALE_COLLECTION, '--no-progress', id), probe(ctx, 'delete'));
}

/** Adds one document holding a word found nowhere else, through `lexigraph ingest`, and times until `ask` finds it. */
async function addOne(ctx: SizeContext, id: string, word: string): Promise<VisibilityFigures> {
  const t0 = performance.now();
  const run = await ingestProbe(ctx, id, word);
  if (!run.ok) return { ok: false, commandMs: run.wallMs, error: `ingest ${failureOf(run)}` };
  const seen = await pollAsk(ctx, word, (ids) => ids.includes(id), t0);
  return { ...seen, visibleMs: performance.now() - t0, commandMs: run.wallMs };
}

/** Deletes that document through `lexigraph delete`, and times until `ask` no longer returns it. */
async function deleteOne(ctx: SizeContext, id: string, word: string): Promise<VisibilityFigures> {
  const t0 = performance.now();
  const run = await deleteProbe(ctx, id);
  if (!run.ok) return { ok: false, commandMs: run.wallMs, error: `delete ${failureOf(run)}` };
  const seen = await pollAsk(ctx, word, (ids) => !ids.includes(id), t0);
  return { ...seen, visibleMs: performance.now() - t0, commandMs: run.wallMs };
}

async function runOurs(ctx: SizeContext, corpusFile: string): Promise<OursFigures> {
  const o: OursFigures = {};
  const { log } = ctx;
  const ingest = await runChild(cliArgs(ctx, 'ingest', corpusFile, '--format', 'jsonl', '--collection', SCALE_COLLECTION, '--no-progress'), probe(ctx, 'ingest'));
  o.ingest = { ...figures(ingest), ...parseIngest(ingest.stdout) };
  log(`  lexigraph ingest: ${ingest.ok ? `published in ${fmtMs(ingest.wallMs)}` : `failed: ${o.ingest.error ?? ''}`}, peak RSS ${fmtMB(ingest.peakRssMB)}`);
  o.databaseBytes = await withStore(ctx.databaseUrl, ctx.schema, async (store) => {
    const rows = await store.prisma.$queryRawUnsafe<{ bytes: bigint | number | null }[]>(
      'SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = $2',
      ctx.schema,
      'r',
    );
    return Number(rows[0]?.bytes ?? 0);
  });
  if (!ingest.ok) return o;
  o.indexBytes = await dirBytes(path.join(ctx.dir, 'data'));

  // a cold process COLD_RUNS times, one after the other: the median run (one run on a shared machine moves by a
  // tenth of a second or more)
  const colds: ChildRun[] = [];
  for (let i = 0; i < COLD_RUNS; i++) colds.push(await runChild(cliArgs(ctx, 'ask', '-c', SCALE_COLLECTION, ctx.prompts[0] ?? 'index'), probe(ctx, 'ask')));
  const cold = medianRun(colds);
  o.coldAsk = { ...figures(cold), runsMs: colds.map((c) => c.wallMs) };
  log(`  lexigraph cold ask: ${cold.ok ? `${fmtMs(cold.wallMs)} (median of ${colds.map((c) => fmtMs(c.wallMs)).join(', ')})` : `failed: ${o.coldAsk.error ?? ''}`}`);

  const request: OursRequest = { dataDir: path.join(ctx.dir, 'data'), collection: SCALE_COLLECTION, promptsFile: ctx.promptsFile };
  const requestFile = path.join(ctx.dir, 'ours.request.json');
  const resultFile = path.join(ctx.dir, 'ours.result.json');
  await fs.writeFile(requestFile, JSON.stringify(request));
  const query = await runChild([SCALE_WORKER, 'ours', requestFile, resultFile], { ...probe(ctx, 'query'), nodeArgs: ['--expose-gc'] });
  o.query = query.ok
    ? { ...(JSON.parse(await fs.readFile(resultFile, 'utf8')) as OursResult), peakRssMB: query.peakRssMB }
    : { error: failureOf(query) };
  log(`  lexigraph prompts: ${'ask' in o.query ? `ask p50 ${fmtLatency(o.query.ask)}` : `failed: ${o.query.error}`}`);

  const word = `lexiscaleprobe${ctx.seed}x${ctx.size}`;
  const id = `scale-probe-${ctx.seed}`;
  o.add = await addOne(ctx, id, word);
  log(`  lexigraph add one document: ${fmtVisible(o.add)}`);
  o.delete = o.add.ok ? await deleteOne(ctx, id, word) : { ok: false, error: 'n/a: the add did not show' };
  log(`  lexigraph delete one document: ${fmtVisible(o.delete)}`);
  o.gateway = await runGatewayPhase({
    databaseUrl: withSchema(ctx.databaseUrl, ctx.schema),
    dataDir: path.join(ctx.dir, 'data'),
    collection: SCALE_COLLECTION,
    prompts: ctx.prompts,
    addDocument: (docId, probeWord) => ingestProbe(ctx, docId, probeWord),
    deleteDocument: (docId) => deleteProbe(ctx, docId),
    visibleTimeoutMs: ctx.visibleTimeoutMs,
    log,
  });
  return o;
}

/**
 * The scale bench: for each size in order, generates a deterministic corpus (seeded) from the sentences of the
 * shipped corpora, streamed to a JSON Lines file; builds SQLite FTS5 on it in a child process; ingests it into
 * PostgreSQL through `lexigraph ingest` in a child process with Node's default heap; then measures the snapshot's
 * bytes, a cold `lexigraph ask`, the RSS of a process that loaded the index and the p50/p99 of the same prompts
 * as FTS5, and the time until a one-document add and a one-document delete show in `ask`. Prints one table per
 * size; a size after one whose ingest failed is skipped. Needs the compiled CLI (npm run build).
 */
export async function runScaleBench(opts: ScaleOptions): Promise<ScaleReport> {
  requireBuilt();
  const t0 = performance.now();
  const seed = opts.seed ?? 1;
  const bad = opts.sizes.filter((n) => !Number.isInteger(n) || n < 1);
  if (bad.length > 0 || opts.sizes.length === 0) throw new Error(`scale sizes must be positive integers (got ${opts.sizes.join(',')})`);
  const { log } = opts;
  const promptCount = opts.prompts ?? SCALE_PROMPTS;
  const tl = performance.now();
  const pool = await loadSentencePool(opts.sharedDataDir ?? defaultSharedDataDir(), opts.sources);
  log(
    `== scale: ${pool.sources.map((s) => `${s.sentences.length.toLocaleString('en-US')} ${s.name} sentences`).join(', ')}, ` +
      `${pool.claims.length} SciFact claims (${fmtMs(performance.now() - tl)})`,
  );
  const root = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-scale-'));
  const prompts = scalePrompts(pool, seed, promptCount);
  const promptsFile = path.join(root, 'prompts.txt');
  await fs.writeFile(promptsFile, `${prompts.join('\n')}\n`);
  const report: ScaleReport = { node: process.version, seed, prompts: prompts.length, sources: pool.sources.map((s) => s.name), sizes: [], totalMs: 0 };
  let failedBefore: string | undefined;
  try {
    for (const size of opts.sizes) {
      if (failedBefore) {
        const skipped: ScaleSizeReport = { size, status: 'skipped', reason: failedBefore };
        skipped.table = renderScaleTable(skipped, prompts.length, seed);
        report.sizes.push(skipped);
        log(skipped.table);
        continue;
      }
      const dir = path.join(root, `n${size}`);
      await fs.mkdir(dir, { recursive: true });
      const schema = `lexigraph_scale_${size}_${seed}_${process.pid}`;
      const ctx: SizeContext = {
        size,
        seed,
        dir,
        pool,
        promptsFile,
        prompts,
        databaseUrl: opts.databaseUrl,
        schema,
        visibleTimeoutMs: opts.visibleTimeoutMs ?? DEFAULT_VISIBLE_TIMEOUT_MS,
        log,
      };
      const r: ScaleSizeReport = { size, status: 'ok' };
      try {
        const tg = performance.now();
        const corpusFile = path.join(dir, 'corpus.jsonl');
        const written = await writeCorpus(pool, size, seed, corpusFile);
        r.corpus = { entities: written.entities, bytes: written.bytes, sha256: written.sha256, generateMs: performance.now() - tg };
        log(`== scale ${size}: corpus of ${(written.bytes / MB).toFixed(1)} MB written in ${fmtMs(r.corpus.generateMs)}`);
        r.fts5 = await runFts5(ctx, corpusFile);
        log(`  fts5: ${r.fts5.ok ? `built in ${fmtMs(r.fts5.result?.buildMs)}, ${fmtMB((r.fts5.result?.fileBytes ?? 0) / MB)}` : `failed: ${r.fts5.error ?? ''}`}`);
        // A fresh schema, migrated here so the ingest's wall time is the product's work only.
        await withStore(opts.databaseUrl, schema, async () => undefined);
        r.ours = await runOurs(ctx, corpusFile);
        r.ratios = computeRatios(r.ours, r.fts5.result);
        if (!r.ours.ingest?.ok) {
          r.status = 'failed';
          failedBefore = `the ingest of ${size.toLocaleString('en-US')} entities already failed (${r.ours.ingest?.error ?? 'unknown'})`;
        }
      } catch (err) {
        r.status = 'failed';
        r.reason = err instanceof Error ? err.message : String(err);
        failedBefore = `size ${size.toLocaleString('en-US')} failed: ${r.reason}`;
        log(`== scale ${size}: failed: ${r.reason}`);
      } finally {
        if (opts.keepTemp) {
          r.kept = { dir, schema };
        } else {
          await withStore(opts.databaseUrl, schema, (store) => store.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
          await fs.rm(dir, { recursive: true, force: true });
        }
      }
      r.table = renderScaleTable(r, prompts.length, seed);
      report.sizes.push(r);
      log(r.table);
      // Written after every size: a run stopped during a large size keeps the figures of the smaller ones.
      await writeReport(report, opts.reportFile, t0);
    }
  } finally {
    if (!opts.keepTemp) await fs.rm(root, { recursive: true, force: true });
    else log(`kept: ${root} (corpora, data directories, prompts) and the schemas named in the report`);
  }
  await writeReport(report, opts.reportFile, t0);
  if (opts.reportFile) log(`report: ${opts.reportFile}`);
  return report;
}
