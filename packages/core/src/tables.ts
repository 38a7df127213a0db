import type { Associations } from './associations';
import type { EntityGraph } from './graph';
import { cmpStr, MIN_DF_DISTILLED, type Lexicon } from './lexicon';
import type { PairTable } from './pairs';
import { FIELD_COUNT, type BuildOptions, type PmiVariant } from './params';
import { FIELD_CAP, type Postings } from './postings';

export interface IndexStats {
  entities: number;
  /** distinct multi-tokens (1..maxWords words) with a non-zero count */
  multiTokens: number;
  /** of which single words */
  singleTokens: number;
  /** multi-tokens of 2+ words held by at least MIN_DF_DISTILLED entities */
  distilledMultiTokens: number;
  /** distinct co-occurring token pairs */
  pairs: number;
  /** total pair occurrences */
  pairOccurrences: number;
  postings: number;
  categories: number;
  links: number;
  resolvedLinks: number;
  buildOptions: BuildOptions;
}

export interface ExportedTables {
  lexicon: Array<{ token: string; display: string; count: number; df: number }>;
  xembeddings: Array<{ token: string; related: string; pmi: number; nab: number }>;
  categories: Array<{ token: string; category: string; count: number }>;
}

export interface ExportOptions {
  /** x-embeddings per token, at most (default 10; 0: none) */
  maxRelatedPerToken?: number;
  /** PMI variant of the x-embeddings (default 'xllm') */
  pmi?: PmiVariant;
  /** least pair count of an x-embedding (default 1) */
  minJoint?: number;
  /** list every multi-token, not only the distilled ones (df ≥ MIN_DF_DISTILLED) */
  allTerms?: boolean;
}

/** The tables an index is read from by the stats and the export. */
export interface TableSources {
  options: BuildOptions;
  graph: EntityGraph;
  lex: Lexicon;
  post: Postings;
  pairs: PairTable;
  assoc: Associations;
}

/** Counts of every table of an index. */
export function indexStats(ix: TableSources): IndexStats {
  const lex = ix.lex;
  let postings = 0;
  for (let t = 0; t < lex.size; t++) {
    const df = lex.df.get(t);
    postings += df;
  }
  let distilled = 0;
  for (let t = 0; t < lex.size; t++) {
    if ((lex.words.data[t] as number) > 1 && lex.df.get(t) >= MIN_DF_DISTILLED) distilled++;
  }
  const { links, resolved } = ix.graph.linkCounts();
  return {
    entities: ix.graph.live,
    multiTokens: lex.liveTerms,
    singleTokens: lex.liveSingles,
    distilledMultiTokens: distilled,
    pairs: ix.pairs.count,
    pairOccurrences: ix.pairs.occurrences,
    postings,
    categories: ix.graph.categoryTree().size,
    links,
    resolvedLinks: resolved,
    buildOptions: { ...ix.options },
  };
}

/**
 * The distilled tables in a plain, canonical form (sorted), for SQL export and for comparing indexes:
 * the lexicon (single words and multi-tokens held by ≥ 2 entities), the x-embeddings (top associations of each
 * single word) and multi-token → category counts.
 */
export function exportTables(ix: TableSources, opts: ExportOptions = {}): ExportedTables {
  const lex = ix.lex;
  const maxRel = opts.maxRelatedPerToken ?? 10;
  const lexicon: ExportedTables['lexicon'] = [];
  const xembeddings: ExportedTables['xembeddings'] = [];
  const categories: ExportedTables['categories'] = [];
  const order = Array.from({ length: lex.size }, (_x, t) => t)
    .filter((t) => {
      const df = lex.df.get(t);
      if (df <= 0) return false;
      return opts.allTerms || lex.words.data[t] === 1 || df >= MIN_DF_DISTILLED;
    })
    .map((t) => ({ key: lex.termKey(t), t }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { key, t } of order) {
    lexicon.push({ token: key, display: lex.display(key), count: lex.termCount(t), df: lex.df.get(t) });
    if (maxRel > 0) {
      for (const a of ix.assoc.associations(t, opts.pmi ?? 'xllm', opts.minJoint ?? 1, maxRel)) {
        xembeddings.push({ token: key, related: lex.termKey(a.termId), pmi: a.pmi, nab: a.nab });
      }
    }
  }
  categoryRows(ix, order, categories);
  return { lexicon, xembeddings, categories };
}

/**
 * Term → category counts for the terms of `order` (rows in `order`, then by path): one pass over the token
 * streams of the entities with a category, grouped by path, instead of one phrase match per multi-token.
 */
function categoryRows(ix: TableSources, order: ReadonlyArray<{ key: string; t: number }>, rows: ExportedTables['categories']): void {
  const lex = ix.lex;
  const rank = new Int32Array(lex.size).fill(-1);
  order.forEach((o, i) => (rank[o.t] = i));
  const byPath = new Map<string, number[]>();
  const entities = ix.graph.entities;
  for (let slot = 0; slot < entities.length; slot++) {
    const category = entities.field(slot, 'category');
    if (!category || !category.length) continue;
    const path = category.join(' > ');
    const l = byPath.get(path);
    if (l) l.push(slot);
    else byPath.set(path, [slot]);
  }
  const paths = [...byPath.keys()].sort(cmpStr);
  const acc = new Int32Array(lex.size);
  const rowTerm: number[] = [];
  const rowPath: number[] = [];
  const rowCount: number[] = [];
  paths.forEach((path, pi) => {
    const touched: number[] = [];
    for (const slot of byPath.get(path) as number[]) {
      const bag = lex.bagOf(ix.post.streams.get(slot) as Int32Array);
      bag.ids.forEach((t, i) => {
        let occ = 0;
        for (let f = 0; f < FIELD_COUNT; f++) {
          const v = bag.tfs[i * FIELD_COUNT + f] as number;
          bag.tfs[i * FIELD_COUNT + f] = 0;
          occ += v > FIELD_CAP[f]! ? FIELD_CAP[f]! : v;
        }
        if ((rank[t] as number) < 0) return;
        if (acc[t] === 0) touched.push(t);
        acc[t] = (acc[t] as number) + occ;
      });
    }
    for (const t of touched) {
      rowTerm.push(rank[t] as number);
      rowPath.push(pi);
      rowCount.push(acc[t] as number);
      acc[t] = 0;
    }
  });
  // stable counting sort by the term's place in `order` (paths stay in order within a term)
  const start = new Int32Array(order.length + 1);
  for (const r of rowTerm) start[r + 1] = (start[r + 1] as number) + 1;
  for (let i = 0; i < order.length; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
  const placed = new Array<number>(rowTerm.length);
  rowTerm.forEach((r, i) => {
    placed[start[r] as number] = i;
    start[r] = (start[r] as number) + 1;
  });
  for (const i of placed) {
    rows.push({ token: (order[rowTerm[i] as number] as { key: string }).key, category: paths[rowPath[i] as number] as string, count: rowCount[i] as number });
  }
}
