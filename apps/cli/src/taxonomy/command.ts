import path from 'node:path';
import { parseOrThrow, CollectionName } from '@lexigraph/contracts';
import type { Entity, LabelPath, QueryParams } from '@lexigraph/core';
import { loadIndex } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { println } from '../io';
import { createProgress, type Progress } from '../progress';
import { loadReuters, treeLabels } from './datasets';
import { formatTaxonomyReport } from './report';
import { DEFAULT_RUN, runLeaveOneOut, runTrainTest, type DatasetReport, type TaxonomyRunOptions } from './run';

export interface TaxonomyEvalOptions {
  collection: string;
  json?: boolean;
  /** Reuters-21578 archive (.tar.xz) or folder: run the ModApte train/test protocol on it. */
  reuters?: string;
  /** Fixed kNN neighbours for both systems (default: chosen on the dev documents). */
  k?: string;
  /** Levels of a collection's category path used as its label (default 2: part and chapter of a book). */
  depth?: string;
  /** Seed of the dev split (default 1). */
  seed?: string;
  progress?: boolean;
}

function positiveInt(value: string | undefined, name: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usage(`${name} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * `eval --taxonomy`: hides each entity's category, predicts it from its text with the collection's tables, and
 * scores it against a kNN vote over SQLite FTS5 BM25 in the same run. With `--reuters`, the Reuters-21578 ModApte
 * split (topics, multi-label); otherwise the stored collection `--collection`, leave-one-out, with the category
 * path cut to `--depth` levels (single label).
 */
export async function taxonomyEval(ctx: CliContext, opts: TaxonomyEvalOptions, params: Partial<QueryParams>): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  const run: Omit<TaxonomyRunOptions, 'maxLabels'> = {
    ...DEFAULT_RUN,
    k: positiveInt(opts.k, '--k', undefined),
    seed: positiveInt(opts.seed, '--seed', DEFAULT_RUN.seed) as number,
    params,
  };
  const depth = positiveInt(opts.depth, '--depth', 2) as number;
  const { stderr, stdout } = ctx.io;
  const bars = new Map<string, Progress>();
  run.onProgress = (what, done, total) => {
    if (opts.progress === false || opts.json) return;
    let bar = bars.get(what);
    if (!bar) {
      bar = createProgress(stderr, what);
      bars.set(what, bar);
    }
    bar.update(done, total);
    if (done >= total) bar.stop();
  };
  let report: DatasetReport;
  if (opts.reuters !== undefined) {
    const source = path.resolve(ctx.io.cwd, opts.reuters);
    let data;
    try {
      data = await loadReuters(source);
    } catch (err) {
      throw usage(`cannot read --reuters ${opts.reuters}: ${(err as Error).message}`);
    }
    if (!data.train.length || !data.test.length) throw usage(`${opts.reuters}: the ModApte split is empty (train ${data.train.length}, test ${data.test.length})`);
    const topics = (e: Entity): LabelPath[] => e.category.map((c) => [c]);
    report = runTrainTest(collection, data.train, data.test, topics, { ...run, maxLabels: 3 });
    report.protocol = `Reuters-21578 ModApte (${data.all} stories in ${data.files} files), topics; ${report.protocol}`;
  } else {
    const { index, version } = await loadIndex({ dataDir: ctx.dataDir, collection, openStore: () => ctx.storeFor(collection) });
    const entities: Entity[] = [];
    for (let s = 0; entities.length < index.size; s++) {
      const e = index.slotEntity(s);
      if (e) entities.push(e);
    }
    const labels = treeLabels(entities, depth);
    if (labels.size < 2) throw usage(`collection "${collection}" has fewer than two entities with a category: nothing to recover`);
    report = runLeaveOneOut(collection, index, (e) => {
      const l = labels.get(e.id);
      return l ? [l] : [];
    }, { ...run, maxLabels: 1 });
    report.protocol = `index v${version}, category path cut to ${depth} level(s); ${report.protocol}`;
  }
  if (opts.json) {
    println(stdout, JSON.stringify({ taxonomy: report }));
    return 0;
  }
  for (const line of formatTaxonomyReport(report)) println(stdout, line);
  return 0;
}
