import { fork } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluate, LexIndex, type Metrics, type Qrel, type RankedItem } from '@lexigraph/core';
import { measureAnswers, outOfDomainSets, type AnswerQuality, type PromptSet } from './answers';
import { DATASET_NAMES, defaultSharedDataDir, isSkipped, loadDataset, type BenchDataset, type SkippedDataset } from './datasets';
import { measureEngine, type EngineMeasurement, type LatencySummary } from './measure';
import { ENGINE_NAMES, isEngineName, type EngineName } from './peers';

export interface BenchOptions {
  /** Dataset names (`pg`, `scifact`, `xllm`) or folders holding corpus.jsonl + qrels.jsonl. */
  datasets: string[];
  /** Folder of the shared data; default LEXIGRAPH_SHARED_DATA, else `<repo root>/../shared/data`. */
  sharedDataDir?: string;
  /** Engines to run, default all: lexigraph, fts5, wink-bm25, minisearch. */
  engines?: string[];
  /** Use only the first N judged queries of each dataset (default: all). */
  queriesLimit?: number;
  /**
   * Builds from scratch per engine; the median is reported (at least 1). Default: 3, except wink-bm25 (1: its
   * build is slow and is not one of the ratios), to keep pg + scifact within about 3 minutes on 2 cores.
   */
  builds?: number;
  /** Print the whole report as JSON after the tables. */
  json?: boolean;
  /**
   * Also measure our answers (answered and declined shares, summary, related and suggestion figures; see
   * answers.ts) on an index built in this process. Default true when our engine runs.
   */
  answers?: boolean;
  log: (line: string) => void;
}

export interface EngineResult {
  engine: EngineName;
  /** Set when the engine failed on this dataset; the other fields are then absent. */
  error?: string;
  metrics?: Metrics;
  /** Median build time, ms. */
  buildMs?: number;
  buildRunsMs?: number[];
  /** Latency of the reported query call: ours = `ask` (full answer, default params), peers = top-10 search. */
  latency?: LatencySummary;
  /** Latency of a top-10 `search` for every engine. */
  searchLatency?: LatencySummary;
  memory?: EngineMeasurement['memory'];
  /** Where the first judged entity (the one holding the expected answer) came in each query's ranking. */
  answerRank?: AnswerRankSummary;
}

/**
 * Rank of the first result matching a judged entity, per scored query (null: not in the top 100), and its summary.
 * On the xLLM prompts this is the rank of the entity that holds the expected answer.
 */
export interface AnswerRankSummary {
  /** Scored queries (those with at least one judged entity). */
  prompts: number;
  /** Median rank (the lower middle for an even count); null when more than half the queries miss the top 100. */
  medianRank: number | null;
  /** Queries whose first judged entity is at rank 1, and within the top 10. */
  hits1: number;
  hits10: number;
  ranks: Array<number | null>;
}

/** The quality metrics compared in the collection-wide table. */
export const QUALITY_METRICS = ['ndcg10', 'p1', 'recall10', 'recall100', 'mrr10'] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];
const METRIC_LABEL: Record<QualityMetric, string> = { ndcg10: 'nDCG@10', p1: 'P@1', recall10: 'R@10', recall100: 'R@100', mrr10: 'MRR@10' };

export interface DatasetRatios {
  /** Our nDCG@10 over the best peer's, and that peer. */
  ndcgVsBestPeer?: { peer: string; ratio: number };
  /** Per quality metric: ours over the best peer on that metric, and that peer. */
  vsBestPeer?: Partial<Record<QualityMetric, { peer: string; ratio: number }>>;
  /** Our reported p50 latency over each peer's p50. */
  p50VsPeer: Record<string, number>;
  /** Our median build time over MiniSearch's. */
  buildVsMiniSearch?: number;
}

export interface DatasetReport {
  dataset: string;
  note: string;
  entities: number;
  queries: number;
  engines: EngineResult[];
  ratios: DatasetRatios;
  /** The printed table. */
  table: string;
}

export interface BenchReport {
  /** 'child' when every engine ran in its own forked process; 'in-process' under a TypeScript runner. */
  mode: 'child' | 'in-process';
  node: string;
  datasets: DatasetReport[];
  /** Our answers per collection (see answers.ts). */
  answers: AnswerQuality[];
  skipped: SkippedDataset[];
  /** One table of quality figures over every collection of the run (engines, metrics, ratios, answer ranks). */
  qualityTable: string;
  totalMs: number;
}

const OURS: EngineName = 'lexigraph';
const DEFAULT_BUILDS = 3;

/** The compiled worker next to this file, or null when running from TypeScript sources (jest). */
function workerFile(): string | null {
  if (!__filename.endsWith('.js')) return null;
  const f = path.join(__dirname, 'worker.js');
  return existsSync(f) ? f : null;
}

function measureInChild(worker: string, engine: EngineName, dataFile: string, builds: number): Promise<EngineMeasurement> {
  return new Promise((resolve, reject) => {
    const child = fork(worker, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (raw: unknown) => {
      settled = true;
      const msg = raw as { ok: boolean; result?: EngineMeasurement; error?: string };
      if (msg.ok && msg.result) resolve(msg.result);
      else reject(new Error(msg.error ?? 'bench worker failed without a message'));
    });
    child.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`bench worker for ${engine} exited (code ${code}, signal ${signal}) before answering`));
      settled = true;
    });
    child.send({ engine, dataFile, builds });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

function computeRatios(results: EngineResult[]): DatasetRatios {
  const ours = results.find((r) => r.engine === OURS && !r.error);
  const peers = results.filter((r) => r.engine !== OURS && !r.error);
  const ratios: DatasetRatios = { p50VsPeer: {} };
  if (!ours?.metrics || !ours.latency) return ratios;
  const best = peers.reduce<EngineResult | undefined>(
    (b, r) => ((r.metrics?.ndcg10 ?? -1) > (b?.metrics?.ndcg10 ?? -1) ? r : b),
    undefined,
  );
  if (best?.metrics && best.metrics.ndcg10 > 0) {
    ratios.ndcgVsBestPeer = { peer: best.engine, ratio: ours.metrics.ndcg10 / best.metrics.ndcg10 };
  }
  ratios.vsBestPeer = {};
  for (const metric of QUALITY_METRICS) {
    const top = peers.reduce<EngineResult | undefined>(
      (b, r) => ((r.metrics?.[metric] ?? -1) > (b?.metrics?.[metric] ?? -1) ? r : b),
      undefined,
    );
    const value = top?.metrics?.[metric];
    if (top && value !== undefined && value > 0) ratios.vsBestPeer[metric] = { peer: top.engine, ratio: ours.metrics[metric] / value };
  }
  for (const p of peers) {
    if (p.latency && p.latency.p50Ms > 0) ratios.p50VsPeer[p.engine] = ours.latency.p50Ms / p.latency.p50Ms;
  }
  const mini = peers.find((p) => p.engine === 'minisearch');
  if (mini?.buildMs && ours.buildMs !== undefined) ratios.buildVsMiniSearch = ours.buildMs / mini.buildMs;
  return ratios;
}

/** Median (lower middle), hits@1 and hits@10 of first-relevant ranks; null ranks sort last. */
export function summarizeRanks(ranks: Array<number | null>): AnswerRankSummary {
  const sorted = ranks.map((r) => r ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const mid = sorted.length === 0 ? undefined : sorted[Math.ceil(sorted.length / 2) - 1];
  return {
    prompts: ranks.length,
    medianRank: mid === undefined || !Number.isFinite(mid) ? null : mid,
    hits1: ranks.filter((r) => r === 1).length,
    hits10: ranks.filter((r) => r !== null && r <= 10).length,
    ranks,
  };
}

/**
 * The quality table of a whole run: for every collection, one row per engine (nDCG@10, P@1, R@10, R@100, MRR@10, and the
 * rank of the first judged entity: median, hits@1, hits@10), then a row of ours over the best peer on each metric.
 * Datasets marked `answerRanks` (xLLM) also list that rank per prompt for every engine.
 */
export function renderQualityTable(datasets: readonly DatasetReport[], answerRankSets: ReadonlySet<string> = new Set()): string {
  const head = ['collection', 'engine', ...QUALITY_METRICS.map((m) => METRIC_LABEL[m]), 'med rank', 'hits@1', 'hits@10'];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const d of datasets) {
    d.engines.forEach((r, i) => {
      const name = i === 0 ? d.dataset : '';
      if (r.error || !r.metrics) {
        rows.push([name, r.engine, 'error', ...QUALITY_METRICS.slice(1).map(() => ''), '', '', '']);
        return;
      }
      const a = r.answerRank;
      rows.push([
        name,
        r.engine,
        ...QUALITY_METRICS.map((m) => fmt(r.metrics?.[m], 3)),
        a ? (a.medianRank === null ? '>100' : String(a.medianRank)) : '-',
        a ? `${a.hits1}/${a.prompts}` : '-',
        a ? `${a.hits10}/${a.prompts}` : '-',
      ]);
    });
    const vs = d.ratios.vsBestPeer;
    if (vs && Object.keys(vs).length > 0) {
      rows.push(['', 'ours/best peer', ...QUALITY_METRICS.map((m) => (vs[m] ? `${vs[m].ratio.toFixed(3)}x` : '-')), '', '', '']);
      const peers = QUALITY_METRICS.map((m) => (vs[m] ? `${METRIC_LABEL[m]} ${vs[m].peer}` : '')).filter(Boolean);
      notes.push(`${d.dataset}: best peer per metric: ${peers.join(', ')}`);
    }
    if (answerRankSets.has(d.dataset)) {
      for (const r of d.engines) {
        if (!r.answerRank) continue;
        notes.push(`${d.dataset} rank of the answer entity per prompt, ${r.engine}: ${r.answerRank.ranks.map((x) => (x === null ? '-' : String(x))).join(' ')}`);
      }
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd();
  return [
    `== quality, every collection of this run: ours vs the BM25 peers (top 100 per query)`,
    line(head),
    ...rows.map(line),
    ...notes,
    'med rank / hits@k: rank of the first judged entity (on xllm: the entity holding the expected answer); - = not in the top 100.',
  ].join('\n');
}

/** One row per engine, ours first, then the ratios. */
export function renderTable(d: Omit<DatasetReport, 'table'>, mode: BenchReport['mode']): string {
  const head = ['engine', 'nDCG@10', 'P@1', 'R@10', 'R@100', 'MRR@10', 'MAP', 'build ms', 'p50 ms', 'p99 ms', 'srch p50', 'peak+ MB', 'rss+ MB', 'heap MB'];
  const rows: string[][] = d.engines.map((r) =>
    r.error
      ? [r.engine, `error: ${r.error.split('\n')[0] ?? ''}`]
      : [
          r.engine,
          fmt(r.metrics?.ndcg10, 3),
          fmt(r.metrics?.p1, 3),
          fmt(r.metrics?.recall10, 3),
          fmt(r.metrics?.recall100, 3),
          fmt(r.metrics?.mrr10, 3),
          fmt(r.metrics?.map, 3),
          fmt(r.buildMs, 0),
          fmt(r.latency?.p50Ms, 3),
          fmt(r.latency?.p99Ms, 3),
          fmt(r.searchLatency?.p50Ms, 3),
          fmt(r.memory?.maxRssDeltaMB, 1),
          fmt(r.memory?.rssDeltaMB, 1),
          fmt(r.memory?.heapUsedMB, 1),
        ],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length === head.length).map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.length === head.length
      ? cells.map((c, i) => (i === 0 ? c.padEnd(widths[0] as number) : c.padStart(widths[i] as number))).join('  ')
      : `${(cells[0] ?? '').padEnd(widths[0] as number)}  ${cells.slice(1).join(' ')}`;
  const scored = d.engines.find((e) => e.metrics)?.metrics?.queries ?? 0;
  const out = [
    `== ${d.dataset}: ${d.entities} entities, ${d.queries} queries (${scored} with a relevant entity); memory ${mode === 'child' ? 'measured in one forked process per engine' : 'in-process (indicative only)'}`,
    `   ${d.note}`,
    line(head),
    ...rows.map(line),
  ];
  const r = d.ratios;
  const parts: string[] = [];
  if (r.ndcgVsBestPeer) parts.push(`nDCG@10 ours/best peer (${r.ndcgVsBestPeer.peer}) = ${r.ndcgVsBestPeer.ratio.toFixed(3)}`);
  const p50 = Object.entries(r.p50VsPeer).map(([peer, x]) => `${peer} ${x.toFixed(2)}`);
  if (p50.length > 0) parts.push(`p50 ours(ask)/peer: ${p50.join(', ')}`);
  if (r.buildVsMiniSearch !== undefined) parts.push(`build ours/minisearch = ${r.buildVsMiniSearch.toFixed(2)}`);
  out.push(parts.length > 0 ? `ratios: ${parts.join('; ')}` : 'ratios: - (ours or peers missing)');
  out.push('p50/p99: ours = ask() with default params (full answer); peers = top-10 search. srch p50 = top-10 search for all.');
  out.push('peak+ = growth of maxRSS over the first build; rss+ = growth of current RSS; heap = JS heap kept by the index.');
  const native = d.engines.filter((e) => e.memory?.nativeMB !== undefined);
  if (native.length > 0) {
    out.push(`outside the JS heap: ${native.map((e) => `${e.engine} ${fmt(e.memory?.nativeMB, 1)} MB`).join(', ')}`);
  }
  return out.join('\n');
}

async function benchDataset(
  ds: BenchDataset,
  engines: EngineName[],
  builds: (engine: EngineName) => number,
  queriesLimit: number | undefined,
  mode: BenchReport['mode'],
  worker: string | null,
  log: (line: string) => void,
): Promise<DatasetReport> {
  const qrels: Qrel[] = queriesLimit !== undefined ? ds.qrels.slice(0, Math.max(0, queriesLimit)) : ds.qrels;
  const queries = qrels.map((q) => q.query);
  const byId = new Map<string, RankedItem>();
  for (const e of ds.entities) if (!byId.has(e.id)) byId.set(e.id, e.url === undefined ? { id: e.id } : { id: e.id, url: e.url });
  let tmp: string | undefined;
  let dataFile = '';
  if (worker) {
    tmp = await fs.mkdtemp(path.join(tmpdir(), 'lexigraph-bench-'));
    dataFile = path.join(tmp, 'data.json');
    await fs.writeFile(dataFile, JSON.stringify({ entities: ds.entities, queries }));
  }
  const results: EngineResult[] = [];
  try {
    for (const engine of engines) {
      const t0 = performance.now();
      try {
        const m = worker
          ? await measureInChild(worker, engine, dataFile, builds(engine))
          : await measureEngine({ engine, entities: ds.entities, queries, builds: builds(engine), mode: 'in-process' });
        const rankingOf = new Map<Qrel, RankedItem[]>();
        qrels.forEach((q, i) => rankingOf.set(q, (m.rankings[i] ?? []).map((id) => byId.get(id) ?? { id })));
        const { perQuery, ...metrics } = evaluate(qrels, (q) => rankingOf.get(q) ?? []);
        results.push({
          engine,
          metrics,
          answerRank: summarizeRanks(perQuery.map((q) => q.firstRelevantRank)),
          buildMs: median(m.buildMs),
          buildRunsMs: m.buildMs,
          latency: m.latency,
          searchLatency: m.searchLatency,
          memory: m.memory,
        });
        log(`  ${ds.name}/${engine}: nDCG@10 ${metrics.ndcg10.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        results.push({ engine, error: msg });
        log(`  ${ds.name}/${engine}: failed: ${msg.split('\n')[0] ?? ''}`);
      }
    }
  } finally {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
  const partial = { dataset: ds.name, note: ds.note, entities: ds.entities.length, queries: qrels.length, engines: results, ratios: computeRatios(results) };
  return { ...partial, table: renderTable(partial, mode) };
}

/**
 * Runs the benchmark: for each dataset, every engine is built (median of `builds` builds), asked each judged query
 * for its top 100 (quality: nDCG@10, P@1, R@10, R@100, MRR@10, MAP), then timed on one more pass (p50/p99), and its
 * memory read. Compiled, each engine runs in its own forked process; from TypeScript sources (jest) in this process.
 * Prints one table per dataset through `log`, and the whole report as JSON at the end when `json` is set.
 * Unknown engine names throw; missing datasets are skipped with a message.
 */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const t0 = performance.now();
  const engines = opts.engines ?? [...ENGINE_NAMES];
  const bad = engines.filter((e) => !isEngineName(e));
  if (bad.length > 0) throw new Error(`unknown engine(s) ${bad.join(', ')}: use ${ENGINE_NAMES.join(', ')}`);
  const builds = (engine: EngineName): number =>
    Math.max(1, Math.floor(opts.builds ?? (engine === 'wink-bm25' ? 1 : DEFAULT_BUILDS)));
  const worker = workerFile();
  const mode: BenchReport['mode'] = worker ? 'child' : 'in-process';
  // Resolved only when a named dataset needs it, so folder datasets work outside the repository too.
  let dataDir = opts.sharedDataDir;
  const report: BenchReport = { mode, node: process.version, datasets: [], answers: [], skipped: [], qualityTable: '', totalMs: 0 };
  const measure = (opts.answers ?? true) && engines.includes(OURS);
  let outOfDomain: Record<string, PromptSet[]> | undefined;
  const answerRankSets = new Set<string>();
  for (const name of opts.datasets) {
    const needsShared = (DATASET_NAMES as readonly string[]).includes(name);
    if (needsShared && dataDir === undefined) dataDir = defaultSharedDataDir();
    const loaded = await loadDataset(name, dataDir ?? '');
    if (isSkipped(loaded)) {
      report.skipped.push(loaded);
      opts.log(`== ${loaded.name}: skipped: ${loaded.reason}`);
      continue;
    }
    opts.log(`== ${loaded.name}: loaded ${loaded.entities.length} entities, ${loaded.qrels.length} judged queries`);
    if (loaded.answerRanks) answerRankSets.add(loaded.name);
    const d = await benchDataset(loaded, engines as EngineName[], builds, opts.queriesLimit, mode, worker, opts.log);
    report.datasets.push(d);
    opts.log(d.table);
    if (measure) {
      outOfDomain ??= await outOfDomainSets(dataDir ?? defaultSharedDataDir());
      const quality = measureAnswers(loaded, LexIndex.build(loaded.entities), outOfDomain[loaded.name] ?? [], opts.queriesLimit);
      report.answers.push(quality);
      opts.log(quality.table);
    }
  }
  if (report.datasets.length > 0) {
    report.qualityTable = renderQualityTable(report.datasets, answerRankSets);
    opts.log('');
    opts.log(report.qualityTable);
  }
  report.totalMs = performance.now() - t0;
  if (opts.json) opts.log(JSON.stringify(report, null, 2));
  return report;
}
