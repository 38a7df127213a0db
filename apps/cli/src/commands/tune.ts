import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { evaluate, type LexIndex, type Metrics, type Qrel, type QueryParams } from '@lexigraph/core';
import { loadIndex } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { readQrelsArg } from '../qrels';
import { println } from '../io';
import { saveProfile } from '../params';
import { splitQrels } from '../tune/split';
import { isTuneMetric, metricValue, tuneParams, TUNE_METRICS, type Searcher, type TuneMetric } from '../tune/search';

export interface TuneOptions {
  collection: string;
  qrels: string;
  metric: string;
  seed: string;
  devFraction: string;
  budget: string;
  minT: string;
  saveProfile?: string;
  json?: boolean;
}

/** Depth of the reported metrics (Recall@100 needs the top 100). */
const REPORT_DEPTH = 100;

function intOption(raw: string, name: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw usage(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function searcherOf(index: LexIndex): Searcher {
  return (query, params) => index.search(query, params).map(({ id }) => ({ id, url: index.get(id)?.url }));
}

function metricsOf(qrels: readonly Qrel[], search: Searcher, params: Partial<QueryParams>): Metrics {
  const { perQuery: _perQuery, ...m } = evaluate([...qrels], (q) => search(q.query, { ...params, k: REPORT_DEPTH }));
  return m;
}

/** Profile values as the command line writes them (`key=value` strings). */
function asStrings(p: Partial<QueryParams>): Record<string, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
}

const HEADS = ['nDCG@10', 'R@10', 'R@100', 'MRR@10'];

function cells(m: Metrics): string {
  return [m.ndcg10, m.recall10, m.recall100, m.mrr10].map((x) => x.toFixed(4).padStart(7)).join('  ');
}

function row(label: string, dev: Metrics, held: Metrics): string {
  return `${label.padEnd(9)}  ${cells(dev)}  |  ${cells(held)}`;
}

/**
 * `tune`: splits the judged queries of `--qrels` by a seeded shuffle into dev and held-out, searches the frontend
 * parameters that maximize `--metric` on dev (coordinate ascent, at most `--budget` evaluations, on the published
 * index in this process: parameters are query-time, nothing is rebuilt), prints the defaults' and the winner's
 * figures on both parts, and with `--save-profile NAME` saves the winning values as a profile of the collection
 * (`ask --profile NAME`, `eval --profile NAME`).
 */
export async function tuneCommand(ctx: CliContext, opts: TuneOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  const metric = opts.metric.toLowerCase();
  if (!isTuneMetric(metric)) throw usage(`--metric must be one of ${TUNE_METRICS.join(', ')}, got "${opts.metric}"`);
  const seed = intOption(opts.seed, '--seed', 0);
  const budget = intOption(opts.budget, '--budget', 1);
  const minT = Number(opts.minT);
  if (!(minT >= 0)) throw usage(`--min-t must be a number >= 0, got "${opts.minT}"`);
  const devFraction = Number(opts.devFraction);
  if (!(devFraction > 0 && devFraction < 1)) throw usage(`--dev-fraction must be between 0 and 1 (exclusive), got "${opts.devFraction}"`);
  if (opts.saveProfile !== undefined && !/^[A-Za-z0-9][\w.-]{0,63}$/.test(opts.saveProfile)) {
    throw usage(`--save-profile "${opts.saveProfile}": use letters, digits, '.', '_' or '-' (at most 64)`);
  }
  const { qrels } = await readQrelsArg(ctx.io.cwd, opts.qrels);
  const split = splitQrels(qrels, seed, devFraction);
  if (split.dev.length === 0 || split.heldOut.length === 0) {
    throw usage(`${opts.qrels} needs at least 2 judged queries to split into dev and held-out (it has ${split.dev.length + split.heldOut.length})`);
  }
  const { index, version } = await loadIndex({ dataDir: ctx.dataDir, collection, openStore: () => ctx.storeFor(collection) });
  const search = searcherOf(index);
  const out = ctx.io.stdout;
  const log = (line: string): void => {
    if (!opts.json) println(out, line);
  };
  log(
    `tune ${collection} (index v${version}): ${split.dev.length} dev / ${split.heldOut.length} held-out judged queries (seed ${seed}, dev fraction ${devFraction}${split.unjudged ? `, ${split.unjudged} unjudged left out` : ''})`,
  );
  log(`maximizing ${metric} on dev, at most ${budget} evaluations`);
  const t0 = performance.now();
  const result = tuneParams({
    dev: split.dev,
    search,
    metric: metric as TuneMetric,
    budget,
    minT,
    onRound: (r) =>
      log(`  round ${r.round}: dev ${metric} ${r.score.toFixed(4)} after ${r.evaluations} evaluations${r.changed.length ? ` (changed ${r.changed.join(', ')})` : ' (no change)'}`),
  });
  const seconds = (performance.now() - t0) / 1000;
  const figures = {
    defaults: { dev: metricsOf(split.dev, search, result.start), heldOut: metricsOf(split.heldOut, search, result.start) },
    tuned: { dev: metricsOf(split.dev, search, result.best), heldOut: metricsOf(split.heldOut, search, result.best) },
  };
  const changes = Object.keys(result.best)
    .filter((k) => result.best[k as keyof QueryParams] !== result.start[k as keyof QueryParams])
    .map((k) => ({ param: k, from: result.start[k as keyof QueryParams], to: result.best[k as keyof QueryParams] }));
  let savedTo: string | undefined;
  if (opts.saveProfile) savedTo = await saveProfile(ctx.dataDir, collection, opts.saveProfile, asStrings(result.best));
  const gain = metricValue(figures.tuned.heldOut, metric as TuneMetric) - metricValue(figures.defaults.heldOut, metric as TuneMetric);
  if (opts.json) {
    println(
      out,
      JSON.stringify({
        collection,
        indexVersion: version,
        metric,
        seed,
        devFraction,
        devQueries: split.dev.length,
        heldOutQueries: split.heldOut.length,
        evaluations: result.evaluations,
        rounds: result.rounds,
        stop: result.stop,
        minT,
        significant: result.significant,
        t: result.t,
        ascentBestDev: result.ascentBestScore,
        seconds,
        defaults: { params: result.start, ...figures.defaults },
        tuned: { params: result.best, ...figures.tuned },
        changes,
        heldOutGain: gain,
        ...(opts.saveProfile ? { profile: opts.saveProfile } : {}),
      }),
    );
    return 0;
  }
  log(`search stopped (${result.stop}) after ${result.rounds} round(s), ${result.evaluations} evaluations, ${seconds.toFixed(1)} s`);
  const devGain = (x: number): string => {
    const g = x - result.startScore;
    return `${g >= 0 ? '+' : ''}${g.toFixed(4)}`;
  };
  if (result.significant) {
    log(`winner: dev ${metric} ${devGain(result.bestScore)} over the defaults, t = ${Number.isFinite(result.t) ? result.t.toFixed(2) : 'inf'} (at least ${minT} standard errors)`);
  } else {
    log(
      `no setting beat the defaults by ${minT} standard errors on dev (best found ${devGain(result.ascentBestScore)}): the defaults are kept`,
    );
  }
  log('');
  const heads = HEADS.map((h) => h.padStart(7)).join('  ');
  const devHead = `dev (${split.dev.length} queries)`;
  log(`${''.padEnd(9)}  ${devHead.padEnd(heads.length)}  |  held-out (${split.heldOut.length} queries)`);
  log(`${'params'.padEnd(9)}  ${heads}  |  ${heads}`);
  log(row('defaults', figures.defaults.dev, figures.defaults.heldOut));
  log(row('tuned', figures.tuned.dev, figures.tuned.heldOut));
  log(`held-out ${metric}: ${gain >= 0 ? '+' : ''}${gain.toFixed(4)} over the defaults`);
  log(changes.length ? `changed: ${changes.map((c) => `${c.param} ${String(c.from)} -> ${String(c.to)}`).join(', ')}` : 'changed: nothing (the defaults are kept)');
  if (opts.saveProfile && savedTo) {
    log(`saved profile "${opts.saveProfile}" of collection ${collection} in ${savedTo}`);
    log(`  use it with: lexigraph ask --collection ${collection} --profile ${opts.saveProfile} "..."`);
  }
  return 0;
}
