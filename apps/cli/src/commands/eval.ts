import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { evaluate } from '@lexigraph/core';
import { loadIndex } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { readQrelsArg } from '../qrels';
import { println } from '../io';
import { resolveParams } from '../params';

export interface EvalOptions {
  collection: string;
  /** Required unless `taxonomy` is set. */
  qrels?: string;
  json?: boolean;
  param: string[];
  profile?: string;
  /** Taxonomy recovery instead of relevance (see taxonomy/command.ts), with its options. */
  taxonomy?: boolean;
  reuters?: string;
  k?: string;
  depth?: string;
  seed?: string;
  progress?: boolean;
}

/** Results retrieved per query for the deep metrics (Recall@100, MAP). */
const DEPTH = 100;

/** `eval`: asks every qrels query for its top 100 and prints nDCG@10, P@1, Recall@10, Recall@100, MRR@10 and MAP. */
export async function evalCommand(ctx: CliContext, opts: EvalOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  const params = await resolveParams(ctx.dataDir, opts.param, opts.profile, collection);
  if (opts.taxonomy) return (await import('../taxonomy/command')).taxonomyEval(ctx, opts, params);
  if (opts.qrels === undefined) throw usage('--qrels <file> is required (or --taxonomy for taxonomy recovery)');
  const { qrels } = await readQrelsArg(ctx.io.cwd, opts.qrels);
  const { index, version } = await loadIndex({ dataDir: ctx.dataDir, collection, openStore: () => ctx.storeFor(collection) });
  const t0 = performance.now();
  const result = evaluate(qrels, (q) =>
    index.search(q.query, { ...params, k: DEPTH }).map(({ id }) => ({ id, url: index.get(id)?.url })),
  );
  const ms = performance.now() - t0;
  const metrics = {
    collection,
    indexVersion: version,
    queries: result.queries,
    ndcg10: result.ndcg10,
    p1: result.p1,
    recall10: result.recall10,
    recall100: result.recall100,
    mrr10: result.mrr10,
    map: result.map,
    msPerQuery: qrels.length ? ms / qrels.length : 0,
  };
  const { stdout } = ctx.io;
  if (opts.json) {
    println(stdout, JSON.stringify(metrics));
    return 0;
  }
  println(stdout, `collection ${collection} (index v${version}), ${result.queries} judged queries`);
  println(stdout, `  nDCG@10    ${result.ndcg10.toFixed(4)}`);
  println(stdout, `  P@1        ${result.p1.toFixed(4)}`);
  println(stdout, `  Recall@10  ${result.recall10.toFixed(4)}`);
  println(stdout, `  Recall@100 ${result.recall100.toFixed(4)}`);
  println(stdout, `  MRR@10     ${result.mrr10.toFixed(4)}`);
  println(stdout, `  MAP        ${result.map.toFixed(4)}`);
  println(stdout, `  ${metrics.msPerQuery.toFixed(3)} ms per query`);
  return 0;
}
