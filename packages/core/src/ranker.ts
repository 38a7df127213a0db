import type { Associations } from './associations';
import type { EntityGraph } from './graph';
import type { Lexicon } from './lexicon';
import type { QueryTerm } from './matcher';
import { FIELD_COUNT, FIELDS, SOFT_MATCH_DEPTH, type FieldName, type QueryParams } from './params';
import { unpackTf, type Postings } from './postings';
import type { Scope } from './scope';
import type { IndexVersion } from './version';

/** BM25 idf of a term held by `df` of `n` entities: ln(1 + (n − df + 0.5) / (df + 0.5)). */
export function bm25Idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/**
 * tf̃ of one posting: its packed field counts (a, b) weighted by `w` (title, heading, category, tags, anchor, body)
 * and length-normalized by the slot's normalizers at norms[o .. o + FIELD_COUNT).
 */
function fieldTf(a: number, b: number, w: readonly number[], norms: Float64Array, o: number): number {
  return (
    (w[0] as number) * (a & 127) * (norms[o] as number) +
    (w[1] as number) * ((a >>> 7) & 127) * (norms[o + 1] as number) +
    (w[2] as number) * ((a >>> 14) & 127) * (norms[o + 2] as number) +
    (w[3] as number) * ((a >>> 21) & 127) * (norms[o + 3] as number) +
    (w[4] as number) * (b >>> 16) * (norms[o + 4] as number) +
    (w[5] as number) * (b & 65535) * (norms[o + 5] as number)
  );
}

/**
 * Ranking: field-weighted BM25 (BM25F) over the postings of the query terms, a bounded top-k selection, and the soft
 * match's re-scoring of the top results (DESIGN.md). The per-slot length normalizers are cached per (b, version).
 */
export class Ranker {
  /** cache of per-slot length normalizers for one (bBody, bShort) setting and index version */
  private normCache: { key: string; norms: Float64Array } | null = null;

  constructor(
    private readonly lex: Lexicon,
    private readonly graph: EntityGraph,
    private readonly post: Postings,
    private readonly assoc: Associations,
    private readonly version: IndexVersion,
  ) {}

  /** Per-slot field normalizers 1 / (1 − b + b·len/avglen), flat FIELD_COUNT per slot, cached per b setting. */
  norms(p: QueryParams): Float64Array {
    const key = `${p.bBody}|${p.bShort}|${this.version.n}`;
    if (this.normCache) {
      if (this.normCache.key === key) return this.normCache.norms;
      // let the stale normalizers go before the new ones are allocated
      this.normCache = null;
    }
    const n = this.graph.entities.length;
    const out = new Float64Array(n * FIELD_COUNT);
    const live = Math.max(1, this.graph.live);
    const lengths = this.post.lengths;
    const lengthTotals = this.post.lengthTotals;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const avg = (lengthTotals[f] as number) / live || 1;
      const b = f === FIELD_COUNT - 1 ? p.bBody : p.bShort;
      for (let s = 0; s < n; s++) {
        const len = lengths[s * FIELD_COUNT + f] ?? 0;
        // an empty field holds no occurrence; with b = 1 its normalizer would be 1/0 (and 0·∞ is NaN)
        out[s * FIELD_COUNT + f] = len > 0 ? 1 / (1 - b + (b * len) / avg) : 0;
      }
    }
    this.normCache = { key, norms: out };
    return out;
  }

  /**
   * Ranks entities for prompt terms with field-weighted BM25 (BM25F). Returns the top `k` slots with raw scores.
   * With a restricted scope, only the entities the caller sees are scored (so the top k are k of them), and N and
   * each term's df are counted over them.
   */
  rank(terms: QueryTerm[], p: QueryParams, k: number, scope?: Scope): { slots: number[]; scores: number[]; maxScore: number } {
    const entities = this.graph.entities;
    const n = entities.length;
    const norms = this.norms(p);
    const scores = new Float64Array(n);
    const touched: number[] = [];
    const w = [p.wTitle, p.wHeading, p.wCategory, p.wTags, p.wAnchor, p.wBody];
    const view = scope?.view ?? null;
    const vis = view?.visible;
    const N = Math.max(1, view ? view.live : this.graph.live);
    const k1 = p.k1;
    let maxScore = 0;
    const catFilter = p.category ? p.category.toLowerCase() : '';
    for (const q of terms) {
      const qw = q.weight * bm25Idf(N, view ? (scope as Scope).df(q.termId) : this.lex.df.get(q.termId));
      maxScore += qw * (k1 + 1);
      const post = this.post.postingsOf(q.termId);
      for (let i = 0; i < post.length; i += 3) {
        const s = post[i] as number;
        // an entity the caller may not see is never scored, so the top k are k entities it sees
        if (vis !== undefined && vis[s] !== 1) continue;
        const tf = fieldTf(post[i + 1] as number, post[i + 2] as number, w, norms, s * FIELD_COUNT);
        if (tf <= 0) continue;
        if (scores[s] === 0) touched.push(s);
        scores[s] = (scores[s] as number) + (qw * tf * (k1 + 1)) / (k1 + tf);
      }
    }
    // bounded selection of the k best (min-heap on score; ties broken by entity id, so the order does not depend on
    // which slots additions and removals gave the entities: an updated index ranks as a rebuild does); the soft match
    // re-scores the top SOFT_MATCH_DEPTH, so it selects at least that many
    const soft = p.softMatch > 0;
    const depth = soft ? Math.max(k, SOFT_MATCH_DEPTH) : k;
    const heap: number[] = [];
    const better = (x: number, y: number) =>
      (scores[x] as number) > (scores[y] as number) || (scores[x] === scores[y] && x !== y && (entities.idAt(x) as string) < (entities.idAt(y) as string));
    for (const s of touched) {
      if (catFilter && !categoryStartsWith(entities.category(s), catFilter)) continue;
      if (heap.length < depth) {
        heap.push(s);
        siftUp(heap, heap.length - 1, better);
      } else if (better(s, heap[0] as number)) {
        heap[0] = s;
        siftDown(heap, 0, better);
      }
    }
    heap.sort((x, y) => (better(x, y) ? -1 : 1));
    if (soft && heap.length > 1) {
      const top = heap.length > SOFT_MATCH_DEPTH ? heap.slice(0, SOFT_MATCH_DEPTH) : heap;
      this.softRescore(terms, p, top, scores, norms, scope);
      top.sort((x, y) => (better(x, y) ? -1 : 1));
      const ranked = top === heap ? heap : top.concat(heap.slice(SOFT_MATCH_DEPTH));
      if (ranked.length > k) ranked.length = k;
      return { slots: ranked, scores: ranked.map((s) => scores[s] as number), maxScore };
    }
    return { slots: heap, scores: heap.map((s) => scores[s] as number), maxScore };
  }

  /**
   * Decomposes the raw scores of ranked slots (the `explain` parameter): each term's BM25F part qw·tf̃·(k1+1)/(k1+tf̃)
   * is split over the fields in proportion to their parts of tf̃ (BM25F saturates the weighted sum, so a proportional
   * split is the one that adds up); what a score holds beyond its terms' parts is the soft match's bonus. Reads the
   * postings of the prompt's terms only, for the given slots.
   */
  explain(terms: readonly QueryTerm[], p: QueryParams, slots: readonly number[], scores: readonly number[], scope?: Scope): RankExplanation[] {
    const norms = this.norms(p);
    const w = [p.wTitle, p.wHeading, p.wCategory, p.wTags, p.wAnchor, p.wBody];
    // the idf the ranking used: over the entities the caller sees when a scope limits them
    const view = scope?.view ?? null;
    const N = Math.max(1, view ? view.live : this.graph.live);
    const k1 = p.k1;
    const row = new Map<number, number>();
    slots.forEach((s, i) => row.set(s, i));
    const out: RankExplanation[] = slots.map((_, i) => ({ score: scores[i] as number, terms: [], fields: zeroFields(), softMatch: 0 }));
    const parts = new Array<number>(FIELD_COUNT).fill(0);
    for (const q of terms) {
      const qw = q.weight * bm25Idf(N, view ? (scope as Scope).df(q.termId) : this.lex.df.get(q.termId));
      const post = this.post.postingsOf(q.termId);
      for (let i = 0; i < post.length; i += 3) {
        const r = row.get(post[i] as number);
        if (r === undefined) continue;
        const o = (post[i] as number) * FIELD_COUNT;
        unpackTf(post[i + 1] as number, post[i + 2] as number, parts);
        let tf = 0;
        for (let f = 0; f < FIELD_COUNT; f++) {
          parts[f] = (w[f] as number) * (parts[f] as number) * (norms[o + f] as number);
          tf += parts[f] as number;
        }
        if (tf <= 0) continue;
        const score = (qw * tf * (k1 + 1)) / (k1 + tf);
        const fields = zeroFields();
        FIELDS.forEach((name, f) => (fields[name] = (score * (parts[f] as number)) / tf));
        (out[r] as RankExplanation).terms.push({ key: q.key, words: q.words, expansion: q.expansion, score, fields });
      }
    }
    for (const e of out) {
      e.terms.sort((a, b) => b.score - a.score);
      let explained = 0;
      for (const t of e.terms) {
        explained += t.score;
        for (const name of FIELDS) e.fields[name] += t.fields[name];
      }
      // the soft match's bonus is the rest of the score (never negative; rounding aside)
      const soft = Math.max(0, e.score - explained);
      const total = explained + soft;
      if (total > 0) {
        for (const name of FIELDS) e.fields[name] /= total;
        e.softMatch = soft / total;
      }
    }
    return out;
  }

  /**
   * The soft match (`softMatch`, params.ts): adds to `scores` of the given slots what each prompt word would gain if
   * the entity's occurrences of the word's document-level associates were occurrences of it, `softMatch × Dice ×
   * min(1, idf_u / idf_t)²` each, saturated together with the word's own occurrences. Never lowers a score, and a score stays within the prompt's
   * best achievable one (every word's part stays below its weight · idf · (k1 + 1)).
   */
  private softRescore(terms: readonly QueryTerm[], p: QueryParams, slots: readonly number[], scores: Float64Array, norms: Float64Array, scope?: Scope): void {
    const words = terms.filter((q) => q.words === 1 && !q.expansion);
    if (!words.length) return;
    const inPrompt = new Set(terms.map((q) => q.termId));
    const view = scope?.view ?? null;
    const N = Math.max(1, view ? view.live : this.graph.live);
    const idfOf = (t: number): number => bm25Idf(N, view ? (scope as Scope).df(t) : this.lex.df.get(t));
    // associate u → [prompt word index, strength, …]; strength = Dice · min(1, idf_u / idf_t)²: an associate more
    // common than the prompt word says less than it does, and stands in for it less
    const via = new Map<number, number[]>();
    words.forEach((q, qi) => {
      const idfT = idfOf(q.termId);
      for (const a of this.assoc.docAssociations(q.termId, view)) {
        if (inPrompt.has(a.termId)) continue;
        const r = idfT > 0 ? Math.min(1, idfOf(a.termId) / idfT) : 1;
        const strength = a.dice * r * r;
        const l = via.get(a.termId);
        if (l) l.push(qi, strength);
        else via.set(a.termId, [qi, strength]);
      }
    });
    if (!via.size) return;
    const k1 = p.k1;
    const qw = words.map((q) => q.weight * idfOf(q.termId));
    const w = [p.wTitle, p.wHeading, p.wCategory, p.wTags, p.wAnchor, p.wBody];
    // per re-scored slot and prompt word: the word's own tf̃ and the Dice-weighted tf̃ of its associates, read from the
    // postings of those few terms (cheaper than the entities' long term vectors)
    const W = words.length;
    const at = new Map<number, number>();
    slots.forEach((s, i) => at.set(s, i));
    const own = new Float64Array(slots.length * W);
    const stand = new Float64Array(slots.length * W);
    const visit = (t: number, onTf: (row: number, tf: number) => void): void => {
      const post = this.post.postingsOf(t);
      for (let i = 0; i < post.length; i += 3) {
        const row = at.get(post[i] as number);
        if (row === undefined) continue;
        const tf = fieldTf(post[i + 1] as number, post[i + 2] as number, w, norms, (post[i] as number) * FIELD_COUNT);
        if (tf > 0) onTf(row, tf);
      }
    };
    words.forEach((q, qi) => visit(q.termId, (row, tf) => (own[row * W + qi] = tf)));
    for (const [u, l] of via) {
      visit(u, (row, tf) => {
        for (let j = 0; j < l.length; j += 2) {
          const c = row * W + (l[j] as number);
          stand[c] = (stand[c] as number) + (l[j + 1] as number) * tf;
        }
      });
    }
    slots.forEach((s, row) => {
      let bonus = 0;
      for (let qi = 0; qi < W; qi++) {
        const extra = stand[row * W + qi] as number;
        if (extra <= 0) continue;
        const e = own[row * W + qi] as number;
        const x = e + p.softMatch * extra;
        bonus += (qw[qi] as number) * ((x * (k1 + 1)) / (k1 + x) - (e * (k1 + 1)) / (k1 + e));
      }
      scores[s] = (scores[s] as number) + bonus;
    });
  }
}

/** One query term's part of a result's score (the `explain` parameter). */
export interface TermExplanation {
  /** Internal key of the term ("w1~w2" for a multi-token). */
  key: string;
  /** Words of the term: more than one for a matched multi-token. */
  words: number;
  /** True for a term added by the x-embedding expansion. */
  expansion: boolean;
  /** The term's BM25F part of the raw score. */
  score: number;
  /** That part split over the fields in proportion to each field's weighted, length-normalized occurrences. */
  fields: Record<FieldName, number>;
}

/** Why a result scored what it did: its raw score decomposed by term and by field (see {@link Ranker.explain}). */
export interface RankExplanation {
  /** The raw score the ranking used (before scaling to 0..1). */
  score: number;
  /** Terms the entity holds, largest part first. */
  terms: TermExplanation[];
  /** Each field's share of the score (0..1, over every term); the soft match's share is apart. */
  fields: Record<FieldName, number>;
  /** Share of the score the soft match added (0 when `softMatch` is 0). */
  softMatch: number;
}

function zeroFields(): Record<FieldName, number> {
  return { title: 0, heading: 0, category: 0, tags: 0, anchor: 0, body: 0 };
}

function categoryStartsWith(category: readonly string[], prefix: string): boolean {
  return category.join(' > ').toLowerCase().startsWith(prefix);
}

function siftUp(h: number[], i: number, better: (a: number, b: number) => boolean): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    // min-heap: the worst element at the root
    if (better(h[parent] as number, h[i] as number)) {
      [h[parent], h[i]] = [h[i] as number, h[parent] as number];
      i = parent;
    } else return;
  }
}

function siftDown(h: number[], i: number, better: (a: number, b: number) => boolean): void {
  const n = h.length;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let worst = i;
    if (l < n && better(h[worst] as number, h[l] as number)) worst = l;
    if (r < n && better(h[worst] as number, h[r] as number)) worst = r;
    if (worst === i) return;
    [h[worst], h[i]] = [h[i] as number, h[worst] as number];
    i = worst;
  }
}
