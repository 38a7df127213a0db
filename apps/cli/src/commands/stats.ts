import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { loadIndex, readManifest } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { println } from '../io';

/** Figures of the xLLM reference implementation on its enterprise corpus, shown beside ours for xllm collections. */
export const XLLM_REFERENCE = { multiTokens: 12_575, pairs: 223_154 } as const;

/**
 * >>> TO BE FILLED BY THE LEAD <<<
 * Why our figures differ from the reference's (printed under the comparison by `stats` on an xllm collection).
 * Leave it empty to print nothing.
 */
export const XLLM_DIFFERENCE_REASONS = '';

export interface StatsOptions {
  collection: string;
  json?: boolean;
}

/** `stats`: table sizes of the published index, its version and size; for xllm collections, the reference's too. */
export async function statsCommand(ctx: CliContext, opts: StatsOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  const { index, version } = await loadIndex({ dataDir: ctx.dataDir, collection, openStore: () => ctx.storeFor(collection) });
  const manifest = await readManifest(ctx.dataDir, collection);
  const stats = index.stats();
  // Read by name: figures the engine does not report (yet) print as "-" instead of failing.
  const fig = (key: string): unknown => (stats as unknown as Record<string, unknown>)[key];
  const store = await ctx.storeFor(collection);
  const config = await store.getCollection(collection);
  const isXllm = config?.crawl.format === 'xllm';
  const out = {
    collection,
    indexVersion: version,
    indexBytes: manifest?.bytes ?? index.serialize().length,
    publishedAt: manifest?.publishedAt,
    ...stats,
    ...(isXllm ? { reference: XLLM_REFERENCE } : {}),
  };
  const { stdout } = ctx.io;
  if (opts.json) {
    println(stdout, JSON.stringify(out));
    return 0;
  }
  const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : String(v ?? '-'));
  println(stdout, `collection ${collection}, index v${version} (${n(out.indexBytes)} bytes${out.publishedAt ? `, published ${out.publishedAt}` : ''})`);
  const rows: [string, unknown, unknown?][] = [
    ['entities', fig('entities')],
    ['multi-tokens', fig('multiTokens'), isXllm ? XLLM_REFERENCE.multiTokens : undefined],
    ['single tokens', fig('singleTokens')],
    ['pairs', fig('pairs'), isXllm ? XLLM_REFERENCE.pairs : undefined],
    ['x-embedding entries', fig('xEmbeddingEntries')],
    ['categories', fig('categories')],
    ['links', fig('links')],
    ['postings', fig('postings')],
  ];
  if (isXllm) println(stdout, `  ${''.padEnd(20)} ${'ours'.padStart(12)} ${'xLLM reference'.padStart(16)}`);
  for (const [label, ours, ref] of rows) {
    println(stdout, `  ${label.padEnd(20)} ${n(ours).padStart(12)}${ref !== undefined ? ` ${n(ref).padStart(16)}` : ''}`);
  }
  if (isXllm && XLLM_DIFFERENCE_REASONS) {
    println(stdout, '');
    println(stdout, XLLM_DIFFERENCE_REASONS);
  }
  return 0;
}
