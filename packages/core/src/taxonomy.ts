/**
 * Taxonomy recovery: predict the category of a text from a collection's tables, with no training.
 *
 * Two kinds of evidence, both read from a LexIndex built over the labelled entities:
 *   1. the multi-token → category table: every multi-token of the text votes for the categories of the entities
 *      that hold it, weighted by its tf·idf in the text and by how strongly it points at each category
 *      (`assoc`: the smoothed share P(c | token), or its lift over the prior, log P(c | token) / P(c), kept ≥ 0);
 *   2. a k-nearest-neighbour vote over the engine's own BM25F ranking of the text's significant terms.
 * Each evidence is scaled to a maximum of 1 and mixed by `tableWeight`. A label set is chosen from the mixed scores
 * by a ratio to the best (multi-label collections), or the best alone (`maxLabels` 1).
 *
 * Labels are category paths (string arrays from the root); a collection with flat, multi-label categories gives
 * each entity several one-element paths. Pure: no I/O.
 */
import { F_BODY, F_HEADING, F_TITLE } from './analyze';
import type { Entity } from './entity';
import type { LexIndex, QueryTerm } from './lexindex';
import { resolveParams, type QueryParams } from './params';
import { MT_SEP } from './tokenizer';

export type LabelPath = readonly string[];

/** Separator of a label path in its string key. */
export const LABEL_SEP = ' > ';

export type AssocKind = 'prob' | 'lift';

export interface TaxonomyOptions {
  /** How a multi-token points at a category: 'prob' = smoothed P(c|t), 'lift' = max(0, log(P(c|t)/P(c))). Default 'lift'. */
  assoc: AssocKind;
  /** Additive smoothing (pseudo-documents spread by the prior) of P(c|t). Default 1. */
  smoothing: number;
  /** Weight of a 2..4-word multi-token relative to a single word (same role as the query parameter). Default 0.5. */
  multiTokenWeight: number;
  /** Multi-tokens held by more than this fraction of the entities carry no evidence. Default 0.25. */
  maxDfRatio: number;
  /** Extra weight of a term occurrence in the title (and headings) over the body. Default 2. */
  titleBoost: number;
  /** Neighbours of the kNN vote over the engine's ranking (0: no kNN). Default 20. */
  k: number;
  /** Significant terms (highest tf·idf) of the text sent to the ranking. Default 40. */
  queryTerms: number;
  /**
   * Query weight of those terms: (1 + log tf) when false, (1 + log tf)·idf when true (the ranking applies idf once
   * more). Default false (better on Reuters TRAIN's held-out part; the PostgreSQL pages prefer true).
   */
  queryIdf: boolean;
  /** Share of the table evidence in the mix (1: table only, 0: kNN only). Default 0.5. */
  tableWeight: number;
  /** Labels scoring at least this share of the best are predicted too (multi-label). Default 0.5. */
  ratio: number;
  /** At most this many labels are predicted. Default 3. */
  maxLabels: number;
}

export const DEFAULT_TAXONOMY: Readonly<TaxonomyOptions> = Object.freeze({
  assoc: 'lift',
  smoothing: 1,
  multiTokenWeight: 0.5,
  maxDfRatio: 0.25,
  titleBoost: 2,
  k: 20,
  queryTerms: 40,
  queryIdf: false,
  tableWeight: 0.5,
  ratio: 0.5,
  maxLabels: 3,
});

/** A term of a document known to the index: (1 + log tf)·(multi-token weight), and that times idf. */
export interface DocumentTerm {
  termId: number;
  words: number;
  df: number;
  tfWeight: number;
  weight: number;
}

interface TermLabels {
  labels: Map<string, number>;
  held: number;
}

/** A text whose category is hidden: its own fields only (no category, tags or inbound anchors). */
export interface TaxonomyDocument {
  title: string;
  text: string;
  headings?: readonly string[];
}

/** One scored label; `key` is the path joined with LABEL_SEP. */
export interface LabelScore {
  key: string;
  score: number;
}

export interface Neighbour {
  labels: readonly string[];
  score: number;
}

/** The evidence for one document before mixing: both table variants and the neighbours' labels. */
export interface TaxonomyEvidence {
  prob: Map<string, number>;
  lift: Map<string, number>;
  /** Neighbours best first (label keys and ranking score), for the query weighting of the option `queryIdf`. */
  neighbours: Neighbour[];
  /** With `evidence(doc, k, true)`: the neighbours for the other query weighting as well. */
  other?: Neighbour[];
}

/**
 * Classifier over a LexIndex whose entities carry labels (`labelsOf`). The index may change between calls (an
 * entity removed for leave-one-out and added back): counts are read from the live postings on every call unless
 * `frozen` is set, which caches per-term label counts for an index that no longer changes.
 */
export class TaxonomyClassifier {
  readonly options: TaxonomyOptions;
  private readonly params: QueryParams;
  private readonly labelCache = new WeakMap<Entity, readonly string[]>();
  private termCache: Map<number, TermLabels> | null;
  private totals: { n: number; byLabel: Map<string, number> } | null = null;

  constructor(
    readonly index: LexIndex,
    private readonly labelsOf: (e: Entity) => readonly LabelPath[],
    opts: Partial<TaxonomyOptions> = {},
    params: Partial<QueryParams> = {},
    private readonly frozen = false,
  ) {
    this.options = { ...DEFAULT_TAXONOMY, ...opts };
    this.params = resolveParams({ ...params, expand: false, sections: false });
    this.termCache = frozen ? new Map() : null;
  }

  /** Label keys of an entity (cached per entity object). */
  labelKeys(e: Entity): readonly string[] {
    let keys = this.labelCache.get(e);
    if (!keys) {
      keys = [...new Set(this.labelsOf(e).filter((p) => p.length > 0).map((p) => p.join(LABEL_SEP)))];
      this.labelCache.set(e, keys);
    }
    return keys;
  }

  /** Labelled entities and the number holding each label. */
  private labelTotals(): { n: number; byLabel: Map<string, number> } {
    if (this.frozen && this.totals) return this.totals;
    const byLabel = new Map<string, number>();
    let n = 0;
    for (let s = 0, seen = 0; seen < this.index.size; s++) {
      const e = this.index.slotEntity(s);
      if (!e) continue;
      seen++;
      const keys = this.labelKeys(e);
      if (!keys.length) continue;
      n++;
      for (const k of keys) byLabel.set(k, (byLabel.get(k) ?? 0) + 1);
    }
    this.totals = { n, byLabel };
    return this.totals;
  }

  /** Labelled entities holding term `t`, per label (the multi-token → category table, in entity counts). */
  private termLabels(t: number): TermLabels {
    const cached = this.termCache?.get(t);
    if (cached) return cached;
    const labels = new Map<string, number>();
    let held = 0;
    const post = this.index.postingsOf(t);
    for (let i = 0; i < post.length; i += 3) {
      const e = this.index.slotEntity(post[i] as number);
      if (!e) continue;
      const keys = this.labelKeys(e);
      if (keys.length) held++;
      for (const k of keys) labels.set(k, (labels.get(k) ?? 0) + 1);
    }
    const out = { labels, held };
    this.termCache?.set(t, out);
    return out;
  }

  /**
   * The document's terms known to the index, with their weights (1 + log tf)·idf·(multi-token weight), where the
   * title and headings count `titleBoost` times. Terms over `maxDfRatio` and multi-tokens under the index's minimum
   * document frequency are left out.
   */
  documentTerms(doc: TaxonomyDocument): DocumentTerm[] {
    const idx = this.index;
    const o = this.options;
    const tf = new Map<number, number>();
    const words = new Map<number, number>();
    const maxW = idx.options.maxWords;
    const texts: Array<[number, string]> = [[F_TITLE, doc.title]];
    for (const h of doc.headings ?? []) texts.push([F_HEADING, h]);
    texts.push([F_BODY, doc.text]);
    for (const [field, text] of texts) {
      if (!text) continue;
      const w = field === F_BODY ? 1 : o.titleBoost;
      for (const s of idx.analyzer.sentences(text)) {
        const keys = s.keys;
        for (let i = 0; i < keys.length; i++) {
          let key = keys[i] as string;
          for (let n = 1; n <= maxW && i + n <= keys.length; n++) {
            if (n > 1) key += MT_SEP + (keys[i + n - 1] as string);
            const t = idx.termIdOf(key);
            if (t === undefined) break; // no longer multi-token can exist either
            tf.set(t, (tf.get(t) ?? 0) + w);
            words.set(t, n);
          }
        }
      }
    }
    const { n } = this.labelTotals();
    const N = Math.max(1, idx.size);
    const out: DocumentTerm[] = [];
    for (const [t, f] of tf) {
      const df = idx.termDf(t);
      const nw = words.get(t) as number;
      if (df / N > o.maxDfRatio) continue;
      if (nw > 1 && df < this.params.minDf) continue;
      const idf = Math.log((Math.max(n, N) + 1) / (df + 0.5));
      const tfw = (1 + Math.log(f)) * (nw > 1 ? o.multiTokenWeight : 1);
      out.push({ termId: t, words: nw, df, tfWeight: tfw, weight: tfw * idf });
    }
    return out;
  }

  /**
   * Both table scores and the `kMax` nearest neighbours of a document (`kMax` defaults to the option `k`); with
   * `bothWeightings`, also the neighbours under the other `queryIdf` setting (in `other`), to choose between them.
   */
  evidence(doc: TaxonomyDocument, kMax = this.options.k, bothWeightings = false): TaxonomyEvidence {
    const o = this.options;
    const terms = this.documentTerms(doc);
    const { n, byLabel } = this.labelTotals();
    const prob = new Map<string, number>();
    const lift = new Map<string, number>();
    const a = o.smoothing;
    let base = 0;
    for (const q of terms) {
      // dfl: labelled entities holding the term
      const { labels, held: dfl } = this.termLabels(q.termId);
      if (dfl === 0) continue;
      base += (q.weight * a) / (dfl + a);
      for (const [c, ntc] of labels) {
        const prior = (byLabel.get(c) ?? 0) / Math.max(1, n);
        const p = (ntc + a * prior) / (dfl + a);
        prob.set(c, (prob.get(c) ?? 0) + (q.weight * ntc) / (dfl + a));
        const l = Math.log(p / prior);
        if (l > 0) lift.set(c, (lift.get(c) ?? 0) + q.weight * l);
      }
    }
    // the prior part of the smoothed P(c|t), for labels seen in some term (others only have the prior)
    for (const [c, v] of prob) prob.set(c, v + ((byLabel.get(c) ?? 0) / Math.max(1, n)) * base);
    const ev: TaxonomyEvidence = { prob, lift, neighbours: [] };
    if (kMax > 0 && terms.length) {
      const top = [...terms].sort((x, y) => y.weight - x.weight || x.termId - y.termId).slice(0, o.queryTerms);
      ev.neighbours = this.neighbours(top, o.queryIdf, kMax);
      if (bothWeightings) ev.other = this.neighbours(top, !o.queryIdf, kMax);
    }
    return ev;
  }

  private neighbours(top: readonly DocumentTerm[], idf: boolean, k: number): Neighbour[] {
    const query: QueryTerm[] = top.map((q) => ({
      termId: q.termId,
      key: '',
      weight: idf ? q.weight : q.tfWeight,
      words: q.words,
      expansion: false,
    }));
    const r = this.index.rank(query, this.params, k);
    const out: Neighbour[] = [];
    r.slots.forEach((s, i) => {
      const e = this.index.slotEntity(s);
      if (e) out.push({ labels: this.labelKeys(e), score: r.scores[i] as number });
    });
    return out;
  }

  /** Mixed label scores of a document, best first (best = 1). */
  scores(doc: TaxonomyDocument): LabelScore[] {
    return mixEvidence(this.evidence(doc), this.options);
  }

  /** The predicted label set of a document, best first (empty when nothing in the text is known). */
  predict(doc: TaxonomyDocument): string[] {
    return selectLabels(this.scores(doc), this.options);
  }
}

/** Votes of the `k` first neighbours, weighted by their ranking score. */
export function knnVotes(neighbours: readonly Neighbour[], k: number): Map<string, number> {
  const votes = new Map<string, number>();
  for (const nb of neighbours.slice(0, k)) for (const c of nb.labels) votes.set(c, (votes.get(c) ?? 0) + nb.score);
  return votes;
}

/** Scales a score map so its maximum is 1. */
export function scaled(m: ReadonlyMap<string, number>): Map<string, number> {
  let max = 0;
  for (const v of m.values()) max = Math.max(max, v);
  const out = new Map<string, number>();
  if (max > 0) for (const [c, v] of m) out.set(c, v / max);
  return out;
}

/** Mixes the table scores (variant `assoc`) and the kNN votes (first `k`), each scaled to a maximum of 1. */
export function mixEvidence(ev: TaxonomyEvidence, o: Pick<TaxonomyOptions, 'assoc' | 'k' | 'tableWeight'>): LabelScore[] {
  const table = scaled(o.assoc === 'prob' ? ev.prob : ev.lift);
  const knn = scaled(knnVotes(ev.neighbours, o.k));
  const w = o.k > 0 ? o.tableWeight : 1;
  const mixed = new Map<string, number>();
  for (const [c, v] of table) mixed.set(c, w * v);
  for (const [c, v] of knn) mixed.set(c, (mixed.get(c) ?? 0) + (1 - w) * v);
  return rankScores(mixed);
}

/** Scores as a list, best first (ties by key), scaled so the best is 1; zero scores are dropped. */
export function rankScores(m: ReadonlyMap<string, number>): LabelScore[] {
  let max = 0;
  for (const v of m.values()) max = Math.max(max, v);
  if (max <= 0) return [];
  return [...m.entries()]
    .filter(([, v]) => v > 0)
    .map(([key, v]) => ({ key, score: v / max }))
    .sort((x, y) => y.score - x.score || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/** The best label, then every other one scoring at least `ratio` × the best, at most `maxLabels` in all. */
export function selectLabels(scores: readonly LabelScore[], o: Pick<TaxonomyOptions, 'ratio' | 'maxLabels'>): string[] {
  if (!scores.length) return [];
  const top = (scores[0] as LabelScore).score;
  const out: string[] = [];
  for (const s of scores) {
    if (out.length >= Math.max(1, o.maxLabels)) break;
    if (out.length === 0 || s.score >= o.ratio * top) out.push(s.key);
  }
  return out;
}

// ---------------------------------------------------------------- scoring predictions

/** Number of edges between two nodes of a category tree, given as paths from the root. */
export function treeDistance(a: LabelPath, b: LabelPath): number {
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return a.length - common + (b.length - common);
}

/**
 * Tree-distance score of a predicted path against the true one, in 0..1: 1 − distance / (2 · depth), where `depth`
 * is the depth of the tree (the longest path). A hit scores 1; in a two-level tree the parent scores 0.75, a sibling
 * 0.5 and a node under another root 0; in a flat tree (depth 1) it is 1 for a hit and 0 for a miss.
 */
export function treeScore(predicted: LabelPath, truth: LabelPath, depth: number): number {
  const d = Math.max(1, depth);
  return Math.max(0, 1 - treeDistance(predicted, truth) / (2 * d));
}

export interface TaxonomyMetrics {
  documents: number;
  /** Micro-averaged F1 of the predicted label sets (every (document, label) decision pooled). */
  microF1: number;
  microPrecision: number;
  microRecall: number;
  /** Mean over the labels present in the truth of per-label F1. */
  macroF1: number;
  /** Share of documents whose best predicted label is one of their true labels. */
  top1: number;
  /** Share of documents whose predicted label set equals the true set. */
  exactSet: number;
  /** Mean tree-distance score of the best predicted label against the nearest true label. */
  treeScore: number;
}

/** Scores predicted label sets (best first; keys joined with LABEL_SEP) against the true ones. */
export function scoreTaxonomy(
  items: ReadonlyArray<{ predicted: readonly string[]; truth: readonly string[] }>,
  depth: number,
): TaxonomyMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let top1 = 0;
  let exact = 0;
  let tree = 0;
  const per = new Map<string, { tp: number; fp: number; fn: number }>();
  const cell = (c: string) => {
    let x = per.get(c);
    if (!x) {
      x = { tp: 0, fp: 0, fn: 0 };
      per.set(c, x);
    }
    return x;
  };
  for (const { predicted, truth } of items) {
    const t = new Set(truth);
    const p = new Set(predicted);
    for (const c of p) {
      if (t.has(c)) {
        tp++;
        cell(c).tp++;
      } else {
        fp++;
        cell(c).fp++;
      }
    }
    for (const c of t) {
      if (!p.has(c)) {
        fn++;
        cell(c).fn++;
      }
    }
    if (p.size === t.size && [...p].every((c) => t.has(c))) exact++;
    const best = predicted[0];
    if (best !== undefined && t.has(best)) top1++;
    if (best !== undefined && t.size) {
      const bp = best.split(LABEL_SEP);
      let s = 0;
      for (const c of t) s = Math.max(s, treeScore(bp, c.split(LABEL_SEP), depth));
      tree += s;
    }
  }
  const f1 = (a: number, b: number, c: number) => (a === 0 ? 0 : (2 * a) / (2 * a + b + c));
  const truthLabels = new Set(items.flatMap((x) => x.truth));
  let macro = 0;
  for (const c of truthLabels) {
    const x = cell(c);
    macro += f1(x.tp, x.fp, x.fn);
  }
  const n = items.length;
  return {
    documents: n,
    microF1: f1(tp, fp, fn),
    microPrecision: tp + fp ? tp / (tp + fp) : 0,
    microRecall: tp + fn ? tp / (tp + fn) : 0,
    macroF1: truthLabels.size ? macro / truthLabels.size : 0,
    top1: n ? top1 / n : 0,
    exactSet: n ? exact / n : 0,
    treeScore: n ? tree / n : 0,
  };
}
