import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { loadIndex, readManifest } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { println } from '../io';

/** Figures of the xLLM reference implementation on its enterprise corpus, shown beside ours for xllm collections. */
export const XLLM_REFERENCE = { multiTokens: 12_575, pairs: 223_154 } as const;

/**
 * Why our figures differ from the reference's (printed under the comparison by `stats` on an xllm collection).
 * Measured on repository.txt: 311 entities after de-duplication, 13,240 multi-tokens, 10,020 distinct pairs.
 */
export const XLLM_DIFFERENCE_REASONS = [
  'Why the figures differ from the xLLM reference (313 unique records as in xLLM; we also drop 1 exact and 1 near duplicate):',
  '- multi-tokens: close (13,240 vs 12,575). We fold inflections with a Porter stemmer (xLLM only merges some',
  '  plurals), keep identifiers whole, split sentences at all terminal punctuation, and let the first kept word of a',
  '  sentence start a multi-token (xLLM never does: a flaw). Each moves the count a little, in both directions.',
  '- pairs: far fewer (10,020 vs 223,154). We pair single words within one sentence, 1..3 positions apart, and',
  '  count a pair once however many multi-tokens contain it. xLLM pairs every multi-token of up to 3 words with',
  '  every other within distance 3, across sentence boundaries (its positions restart per sentence but pairs are',
  '  formed over the whole entity), so each co-occurrence is counted many times over overlapping multi-tokens.',
].join('\n');

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
    ['distilled (df >= 2)', fig('distilledMultiTokens')],
    ['pair occurrences', fig('pairOccurrences')],
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
