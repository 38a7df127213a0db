import { DEFAULT_PARAMS, evaluate, type Metrics, type Qrel, type QueryParams, type RankedItem } from '@lexigraph/core';

/** Metrics `tune` can maximize. */
export const TUNE_METRICS = ['ndcg@10', 'mrr@10', 'recall@100'] as const;
export type TuneMetric = (typeof TUNE_METRICS)[number];

export function isTuneMetric(x: string): x is TuneMetric {
  return (TUNE_METRICS as readonly string[]).includes(x);
}

/** The value of `metric` in a metrics record. */
export function metricValue(m: Metrics, metric: TuneMetric): number {
  switch (metric) {
    case 'ndcg@10':
      return m.ndcg10;
    case 'mrr@10':
      return m.mrr10;
    case 'recall@100':
      return m.recall100;
  }
}

/** Results a metric needs per query: 10 for the shallow metrics, 100 for Recall@100. */
export function depthFor(metric: TuneMetric): number {
  return metric === 'recall@100' ? 100 : 10;
}

type Value = number | boolean | string;

/** One searched parameter: its starting grid and, for numbers, the range refinement stays in. */
export interface Dimension {
  name: keyof QueryParams;
  kind: 'num' | 'int' | 'bool' | 'enum';
  values: readonly Value[];
  min?: number;
  max?: number;
  /** The parameter only matters when this holds (e.g. expansion weights only with expansion on). */
  when?: (p: Partial<QueryParams>) => boolean;
}

const withExpansion = (p: Partial<QueryParams>): boolean => p.expand === true;

/**
 * The frontend parameters `tune` searches, most influential first, each with a coarse grid (the current default is
 * always added to it). Answer-shape parameters (k, snippets, summary) and filters (ignore, category) do not change the
 * ranking and are left alone.
 */
export const SEARCH_SPACE: readonly Dimension[] = [
  { name: 'wTitle', kind: 'num', values: [1, 2, 3, 5, 8], min: 0, max: 100 },
  { name: 'wHeading', kind: 'num', values: [0.5, 1, 2, 4, 6, 8], min: 0, max: 100 },
  { name: 'wBody', kind: 'num', values: [0.5, 1, 1.5, 2, 3], min: 0, max: 100 },
  { name: 'k1', kind: 'num', values: [0.5, 0.8, 1.2, 1.6, 2.2], min: 0, max: 10 },
  { name: 'bBody', kind: 'num', values: [0.1, 0.25, 0.4, 0.6, 0.8, 0.95], min: 0, max: 1 },
  { name: 'bShort', kind: 'num', values: [0, 0.15, 0.3, 0.5, 0.75], min: 0, max: 1 },
  { name: 'wAnchor', kind: 'num', values: [0, 1, 3, 5, 8], min: 0, max: 100 },
  { name: 'wCategory', kind: 'num', values: [0, 0.5, 1, 2, 4], min: 0, max: 100 },
  { name: 'wTags', kind: 'num', values: [0, 1, 2, 4], min: 0, max: 100 },
  { name: 'multiTokenWeight', kind: 'num', values: [0, 0.1, 0.25, 0.5, 1, 2], min: 0, max: 10 },
  { name: 'maxTokenWords', kind: 'int', values: [1, 2, 3, 4], min: 1, max: 4 },
  { name: 'minDf', kind: 'int', values: [1, 2, 3], min: 1, max: 1_000_000 },
  { name: 'maxDfRatio', kind: 'num', values: [0.05, 0.1, 0.25, 0.5, 1], min: 0, max: 1 },
  { name: 'expand', kind: 'bool', values: [false, true] },
  { name: 'expandWeight', kind: 'num', values: [0.05, 0.1, 0.2, 0.4], min: 0, max: 10, when: withExpansion },
  { name: 'expandPerToken', kind: 'int', values: [1, 3, 5, 8], min: 0, max: 50, when: withExpansion },
  { name: 'pmi', kind: 'enum', values: ['xllm', 'log', 'npmi'], when: withExpansion },
];

/** Ranks one query with the given parameters (`k` included): the tuned engine seen from outside. */
export type Searcher = (query: string, params: Partial<QueryParams>) => RankedItem[];

export interface TuneOptions {
  /** Judged queries to maximize the metric on. */
  dev: readonly Qrel[];
  search: Searcher;
  metric: TuneMetric;
  /** Maximum number of evaluations of the dev set (each asks every dev query once), the defaults' included. */
  budget: number;
  /** Coordinate-ascent rounds at most (a round that improves nothing ends the search earlier). Default 4. */
  maxRounds?: number;
  /** A change is kept only when it raises the dev metric by more than this. Default 1e-4. */
  minGain?: number;
  /** Parameters to search; default {@link SEARCH_SPACE}. */
  space?: readonly Dimension[];
  /** Starting values; default the engine's defaults. */
  start?: Partial<QueryParams>;
  /** Called after each round with the best dev score so far. */
  onRound?: (r: { round: number; score: number; evaluations: number; changed: string[] }) => void;
}

export interface TuneResult {
  metric: TuneMetric;
  /** The starting values of the searched parameters and their dev score. */
  start: Partial<QueryParams>;
  startScore: number;
  /** The best values found (every searched parameter) and their dev score (>= startScore). */
  best: Partial<QueryParams>;
  bestScore: number;
  /** Dev evaluations run (cached repeats not counted). */
  evaluations: number;
  rounds: number;
  /** Why the search stopped. */
  stop: 'converged' | 'budget' | 'rounds';
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function keyOf(p: Partial<QueryParams>, space: readonly Dimension[]): string {
  return space.map((d) => String(p[d.name])).join('|');
}

/**
 * Candidate values of a dimension around `current`: the grid, plus (from round 2 on) the midpoints between the
 * current value and its neighbours in the grid, so later rounds search finer where the optimum is.
 */
function candidates(d: Dimension, grid: Value[], current: Value, refine: boolean): Value[] {
  if (d.kind === 'bool' || d.kind === 'enum' || !refine) return grid;
  const sorted = [...new Set([...(grid as number[]), current as number])].sort((a, b) => a - b);
  const i = sorted.indexOf(current as number);
  const out = new Set<number>(sorted);
  for (const j of [i - 1, i + 1]) {
    const n = sorted[j];
    if (n === undefined) continue;
    let mid = round3(((current as number) + n) / 2);
    if (d.kind === 'int') mid = Math.round(mid);
    if ((d.min === undefined || mid >= d.min) && (d.max === undefined || mid <= d.max)) out.add(mid);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Coordinate ascent on the dev queries: starting from the defaults, each round visits every parameter in turn,
 * evaluates every candidate value with the others fixed, and keeps the best one when it beats the current score by
 * more than `minGain`. Grids are refined around the current values from round 2 on. Stops when a round changes
 * nothing, after `maxRounds`, or when `budget` evaluations are spent. The metric is the evaluation metric itself:
 * no proxy loss. The result is never worse on dev than the start.
 */
export function tuneParams(opts: TuneOptions): TuneResult {
  const space = opts.space ?? SEARCH_SPACE;
  const minGain = opts.minGain ?? 1e-4;
  const maxRounds = Math.max(1, opts.maxRounds ?? 4);
  const depth = depthFor(opts.metric);
  const budget = Math.max(1, Math.floor(opts.budget));
  const start: Partial<QueryParams> = {};
  for (const d of space) (start as Record<string, unknown>)[d.name] = opts.start?.[d.name] ?? DEFAULT_PARAMS[d.name];
  const grids = new Map<Dimension, Value[]>(
    space.map((d) => {
      const base = d.kind === 'num' || d.kind === 'int' ? [...new Set([...(d.values as number[]), start[d.name] as number])].sort((a, b) => a - b) : [...d.values];
      return [d, base];
    }),
  );
  const cache = new Map<string, number>();
  let evaluations = 0;
  const score = (p: Partial<QueryParams>): number | undefined => {
    const key = keyOf(p, space);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    if (evaluations >= budget) return undefined;
    evaluations++;
    const m = evaluate([...opts.dev], (q) => opts.search(q.query, { ...p, k: depth }));
    const s = metricValue(m, opts.metric);
    cache.set(key, s);
    return s;
  };

  const startScore = score(start) as number;
  let best = { ...start };
  let bestScore = startScore;
  let rounds = 0;
  let stop: TuneResult['stop'] = 'rounds';
  outer: for (let round = 1; round <= maxRounds; round++) {
    rounds = round;
    const changed: string[] = [];
    for (const d of space) {
      if (d.when && !d.when(best)) continue;
      const current = best[d.name] as Value;
      const values = candidates(d, grids.get(d) as Value[], current, round > 1);
      grids.set(d, values);
      let dimBest: { value: Value; score: number } | undefined;
      for (const v of values) {
        if (v === current) continue;
        const s = score({ ...best, [d.name]: v });
        if (s === undefined) {
          stop = 'budget';
          break;
        }
        if (!dimBest || s > dimBest.score) dimBest = { value: v, score: s };
      }
      if (dimBest && dimBest.score > bestScore + minGain) {
        best = { ...best, [d.name]: dimBest.value };
        bestScore = dimBest.score;
        changed.push(d.name);
      }
      if (stop === 'budget') {
        opts.onRound?.({ round, score: bestScore, evaluations, changed });
        break outer;
      }
    }
    opts.onRound?.({ round, score: bestScore, evaluations, changed });
    // A round that changed nothing on the coarse grid still gets one refined round before the search gives up.
    if (changed.length === 0 && round > 1) {
      stop = 'converged';
      break;
    }
  }
  return { metric: opts.metric, start, startScore, best, bestScore, evaluations, rounds, stop };
}
