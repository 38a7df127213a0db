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
  // off by default (it costs the PostgreSQL docs), the one lever that bridges vocabulary mismatch (SciFact)
  { name: 'softMatch', kind: 'num', values: [0, 0.1, 0.2, 0.3, 0.5], min: 0, max: 10 },
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
  { name: 'phraseWordWeight', kind: 'num', values: [0.25, 0.5, 0.75, 1], min: 0, max: 1 },
  { name: 'identifierWeight', kind: 'num', values: [1, 1.5, 2, 3], min: 0, max: 10 },
  { name: 'maxTokenWords', kind: 'int', values: [1, 2, 3, 4], min: 1, max: 4 },
  { name: 'minDf', kind: 'int', values: [2, 3, 4], min: 2, max: 1_000_000 },
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
  /**
   * The winner must beat the start by at least this many standard errors of the per-query differences (a paired t
   * statistic over the dev queries): of the settings the ascent went through, the best one that does is returned, else
   * the start. A gain carried by a handful of queries is noise and does not hold on unseen queries, and the ascent
   * compares a hundred settings or more, so two standard errors happen by chance. Default 3; 0 returns the best
   * setting found whatever its margin.
   */
  minT?: number;
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
  /**
   * The winner (every searched parameter) and its dev score (>= startScore): the best setting of the ascent that beats
   * the start by `minT` standard errors, else the start itself.
   */
  best: Partial<QueryParams>;
  bestScore: number;
  /** The best dev score the ascent reached, significant or not. */
  ascentBestScore: number;
  /** Paired t statistic of the winner over the start on dev (0 when the start is kept). */
  t: number;
  /** False when no setting beat the start by `minT` standard errors (the start is returned). */
  significant: boolean;
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
 * current value and its neighbours in the grid, so later rounds search finer where the optimum is, and one step
 * beyond the grid when the current value is at one of its ends (within the parameter's range).
 */
function candidates(d: Dimension, grid: Value[], current: Value, refine: boolean): Value[] {
  if (d.kind === 'bool' || d.kind === 'enum' || !refine) return grid;
  const sorted = [...new Set([...(grid as number[]), current as number])].sort((a, b) => a - b);
  const i = sorted.indexOf(current as number);
  const out = new Set<number>(sorted);
  const cur = current as number;
  const add = (x: number): void => {
    const v = d.kind === 'int' ? Math.round(x) : round3(x);
    if ((d.min === undefined || v >= d.min) && (d.max === undefined || v <= d.max)) out.add(v);
  };
  for (const j of [i - 1, i + 1]) {
    const n = sorted[j];
    if (n !== undefined) add((cur + n) / 2);
  }
  // At an end of the grid the optimum may lie beyond it: step outwards by the last gap.
  if (i === sorted.length - 1 && i > 0) add(cur + (cur - (sorted[i - 1] as number)));
  if (i === 0 && sorted.length > 1) add(cur - ((sorted[1] as number) - cur));
  return [...out].sort((a, b) => a - b);
}

/**
 * Coordinate ascent on the dev queries: starting from the defaults, each round visits every parameter in turn,
 * evaluates every candidate value with the others fixed, and keeps the best one when it beats the current score by
 * more than `minGain`. Grids are refined around the current values from round 2 on. Stops when a round changes
 * nothing, after `maxRounds`, or when `budget` evaluations are spent. The winner is the best setting of the ascent
 * that beats the start by `minT` standard errors of the per-query differences, else the start. The metric is the
 * evaluation metric itself: no proxy loss. The result is never worse on dev than the start.
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
  const minT = Math.max(0, opts.minT ?? 3);
  const dev = opts.dev.filter((q) => q.relevant.some((r) => (q.grades?.[r] ?? 1) > 0));
  interface Score {
    /** The metric over all dev queries. */
    mean: number;
    /** The metric of each judged dev query, in `dev` order. */
    perQuery: Float64Array;
  }
  const cache = new Map<string, Score>();
  let evaluations = 0;
  const score = (p: Partial<QueryParams>): Score | undefined => {
    const key = keyOf(p, space);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    if (evaluations >= budget) return undefined;
    evaluations++;
    const perQuery = new Float64Array(dev.length);
    let sum = 0;
    dev.forEach((q, i) => {
      const v = metricValue(evaluate([q], (x) => opts.search(x.query, { ...p, k: depth })), opts.metric);
      perQuery[i] = v;
      sum += v;
    });
    const s: Score = { mean: dev.length > 0 ? sum / dev.length : 0, perQuery };
    cache.set(key, s);
    return s;
  };
  /** Paired t statistic of a over b on the dev queries (Infinity when every query gains the same). */
  const tStat = (a: Score, b: Score): number => {
    const n = a.perQuery.length;
    const gain = a.mean - b.mean;
    if (n < 2) return gain > 0 ? Number.POSITIVE_INFINITY : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = (a.perQuery[i] as number) - (b.perQuery[i] as number) - gain;
      ss += d * d;
    }
    const se = Math.sqrt(ss / (n - 1) / n);
    return se === 0 ? (gain > 0 ? Number.POSITIVE_INFINITY : 0) : gain / se;
  };

  const startScore = score(start) as Score;
  let best = { ...start };
  let bestScore = startScore;
  // Every setting the ascent moved to, in order: the winner is chosen among them once the search is over.
  const path: Array<{ params: Partial<QueryParams>; score: Score }> = [];
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
      let dimBest: { value: Value; score: Score } | undefined;
      for (const v of values) {
        if (v === current) continue;
        const s = score({ ...best, [d.name]: v });
        if (s === undefined) {
          stop = 'budget';
          break;
        }
        if (s.mean > bestScore.mean + minGain && (!dimBest || s.mean > dimBest.score.mean)) dimBest = { value: v, score: s };
      }
      if (dimBest) {
        best = { ...best, [d.name]: dimBest.value };
        bestScore = dimBest.score;
        path.push({ params: best, score: bestScore });
        changed.push(d.name);
      }
      if (stop === 'budget') {
        opts.onRound?.({ round, score: bestScore.mean, evaluations, changed });
        break outer;
      }
    }
    opts.onRound?.({ round, score: bestScore.mean, evaluations, changed });
    // A round that changed nothing on the coarse grid still gets one refined round before the search gives up.
    if (changed.length === 0 && round > 1) {
      stop = 'converged';
      break;
    }
  }
  // The path only climbs, so the last significant setting is the best significant one.
  const significant = [...path].reverse().find((step) => tStat(step.score, startScore) >= minT);
  const winner = significant ?? { params: start, score: startScore };
  return {
    metric: opts.metric,
    start,
    startScore: startScore.mean,
    best: winner.params,
    bestScore: winner.score.mean,
    ascentBestScore: bestScore.mean,
    t: significant ? tStat(significant.score, startScore) : 0,
    significant: significant !== undefined,
    evaluations,
    rounds,
    stop,
  };
}
