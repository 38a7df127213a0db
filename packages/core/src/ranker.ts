import type { Associations } from './associations';
import type { EntityGraph } from './graph';
import type { Lexicon } from './lexicon';
import type { QueryTerm } from './matcher';
import { FIELD_COUNT, FIELDS, SOFT_MATCH_DEPTH, type FieldName, type QueryParams } from './params';
import { clearSlots, markSlot, slotIn, unmarkSlot, unpackTf, type Postings } from './postings';
import type { Scope } from './scope';
import type { IndexVersion } from './version';

/** BM25 idf of a term held by `df` of `n` entities: ln(1 + (n − df + 0.5) / (df + 0.5)). */
export function bm25Idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/**
 * The length normalizers of one b setting and index version: per field, 1 / (1 − b + b·len/avglen) for each kept-word
 * length up to the longest (0 for an empty field), read for a slot through its field lengths. Nothing is held per
 * slot: a normalizer per slot and field was 48 MB at 1,000,000 entities, made at the first answer of a process
 * (0.3 s of a cold ask), and a lookup by length gives the same number.
 */
export interface Norms {
  /** per slot its kept-word length per field, FIELD_COUNT per slot (Postings.lengths) */
  lengths: Int32Array;
  /**
   * per slot its title length × 2¹⁶ + its body length, each LONG_FIELD when it is that long or longer (then read from
   * `lengths`): most postings count title and body words alone, and their tf̃ reads this array of 4 bytes a slot
   * where `lengths` holds 24 (see accumulateBody)
   */
  titleBody: Uint32Array;
  /** field f's normalizer of length len is table[at[f] + len] */
  table: Float64Array;
  at: Int32Array;
}

/** The length a Norms.titleBody half cannot hold: the slot's lengths are read from `lengths`. */
const LONG_FIELD = 0xffff;
const TITLE = 0;
const BODY = FIELD_COUNT - 1;

/** The normalizer of field `f` of the slot whose lengths start at `o`. */
function normOf(n: Norms, o: number, f: number): number {
  return n.table[(n.at[f] as number) + (n.lengths[o + f] as number)] as number;
}

/**
 * tf̃ of one posting: its packed field counts (a, b) weighted by `w` (title, heading, category, tags, anchor, body)
 * and length-normalized by the normalizers of slot `s`.
 */
function fieldTf(a: number, b: number, w: readonly number[], n: Norms, s: number): number {
  const t = n.table;
  const at = n.at;
  const len = n.lengths;
  const o = s * FIELD_COUNT;
  return (
    (w[0] as number) * (a & 127) * (t[(at[0] as number) + (len[o] as number)] as number) +
    (w[1] as number) * ((a >>> 7) & 127) * (t[(at[1] as number) + (len[o + 1] as number)] as number) +
    (w[2] as number) * ((a >>> 14) & 127) * (t[(at[2] as number) + (len[o + 2] as number)] as number) +
    (w[3] as number) * ((a >>> 21) & 127) * (t[(at[3] as number) + (len[o + 3] as number)] as number) +
    (w[4] as number) * (b >>> 16) * (t[(at[4] as number) + (len[o + 4] as number)] as number) +
    (w[5] as number) * (b & 65535) * (t[(at[5] as number) + (len[o + 5] as number)] as number)
  );
}

/**
 * Ranking: field-weighted BM25 (BM25F) over the postings of the query terms, a bounded top-k selection, and the soft
 * match's re-scoring of the top results (DESIGN.md). The per-slot length normalizers are cached per (b, version).
 */
export class Ranker {
  /** the length normalizers of one (bBody, bShort) setting and index version */
  private normCache: { key: string; norms: Norms } | null = null;
  /** Norms.titleBody of one index version */
  private titleBodyCache: { n: number; lengths: Int32Array; titleBody: Uint32Array } | null = null;
  /**
   * Per term, the largest tf̃ of its postings, for one setting of the normalizers and weights and one index version:
   * learned when a ranking scored all its postings, it tightens the term's bound in later prunings.
   */
  private tfMax: { key: string; max: Map<number, number> } = { key: '', max: new Map() };
  /** the rankings' scores per slot, zero between rankings (see rank) */
  private scoreArray = new Float64Array(0);
  /**
   * The slots a ranking gave a score, in the order first scored, and the pruned ranking's open slots: typed arrays kept
   * between rankings. A JS array pushed to cost about 100 ns a slot (its growth and the young generation's copies),
   * where a ranking of a common word's 100,000 postings notes that many slots.
   */
  private touchedSlots: SlotList = { slots: new Int32Array(0), n: 0 };
  private openSlots = new Int32Array(0);
  /** where accumulateBody leaves the postings it does not score (see accumulateRest) */
  private restScratch = new Int32Array(0);
  /**
   * The pruned ranking's open slots as a bitset (see slotIn), all zeros between rankings: the walk of a common word's
   * postings tests a bit per posting, and 128 KB of bits per million slots stay in the CPU's cache where a stamp per
   * slot (4 MB) did not (the scale bench's prompts at a million entities: 3 to 5 % less time in the mean)
   */
  private openBits = new Int32Array(0);

  constructor(
    private readonly lex: Lexicon,
    private readonly graph: EntityGraph,
    private readonly post: Postings,
    private readonly assoc: Associations,
    private readonly version: IndexVersion,
  ) {}

  /** The length normalizers (see Norms) of the b setting of `p` and the index as it is, cached. */
  norms(p: QueryParams): Norms {
    const key = `${p.bBody}|${p.bShort}|${this.version.n}`;
    const lengths = this.post.lengths.data;
    if (this.normCache && this.normCache.key === key && this.normCache.norms.lengths === lengths) return this.normCache.norms;
    const live = Math.max(1, this.graph.live);
    const lengthTotals = this.post.lengthTotals;
    const longest = this.post.lengthMax;
    const at = new Int32Array(FIELD_COUNT);
    let size = 0;
    for (let f = 0; f < FIELD_COUNT; f++) {
      at[f] = size;
      size += (longest[f] as number) + 1;
    }
    // length 0 stays 0: an empty field holds no occurrence; with b = 1 its normalizer would be 1/0 (and 0·∞ is NaN)
    const table = new Float64Array(size);
    for (let f = 0; f < FIELD_COUNT; f++) {
      const avg = (lengthTotals[f] as number) / live || 1;
      const b = f === FIELD_COUNT - 1 ? p.bBody : p.bShort;
      for (let len = 1; len <= (longest[f] as number); len++) table[(at[f] as number) + len] = 1 / (1 - b + (b * len) / avg);
    }
    const norms = { lengths, titleBody: this.titleBody(lengths), table, at };
    this.normCache = { key, norms };
    return norms;
  }

  /** Norms.titleBody of the index as it is (its lengths `lengths`), cached while the index does not change. */
  private titleBody(lengths: Int32Array): Uint32Array {
    const c = this.titleBodyCache;
    if (c && c.n === this.version.n && c.lengths === lengths) return c.titleBody;
    const slots = this.graph.entities.length;
    const titleBody = new Uint32Array(slots);
    for (let s = 0; s < slots; s++) {
      const o = s * FIELD_COUNT;
      titleBody[s] = Math.min(LONG_FIELD, lengths[o + TITLE] as number) * 0x10000 + Math.min(LONG_FIELD, lengths[o + BODY] as number);
    }
    this.titleBodyCache = { n: this.version.n, lengths, titleBody };
    return titleBody;
  }

  /**
   * Ranks entities for prompt terms with field-weighted BM25 (BM25F). Returns the top `k` slots with raw scores.
   * With a restricted scope, only the entities the caller sees are scored (so the top k are k of them), and N and
   * each term's df are counted over them. Postings of common terms are skipped where they cannot change the top
   * (see scorePruned); `exhaustive` scores every posting, the reference the pruned ranking equals.
   */
  rank(terms: QueryTerm[], p: QueryParams, k: number, scope?: Scope, exhaustive = false): RankResult {
    // one score array, all zeros between rankings: a fresh one per ranking (8 MB at a million slots) cost more in
    // page faults than the ranking of a pruned prompt
    const n = this.graph.entities.length;
    if (this.scoreArray.length < n) this.scoreArray = new Float64Array(Math.max(1024, n * 2));
    const scores = this.scoreArray;
    const touched = this.touchedSlots;
    if (touched.slots.length < n) touched.slots = new Int32Array(Math.max(1024, n * 2));
    touched.n = 0;
    try {
      return this.rankInto(scores, touched, terms, p, k, scope, exhaustive);
    } finally {
      // every slot a ranking gave a score is in `touched`
      const ts = touched.slots;
      for (let i = 0; i < touched.n; i++) scores[ts[i] as number] = 0;
      touched.n = 0;
    }
  }

  /** The ranking of `rank`, into `scores` (all zeros on entry), noting in `touched` every slot it gives a score. */
  private rankInto(
    scores: Float64Array,
    touched: SlotList,
    terms: QueryTerm[],
    p: QueryParams,
    k: number,
    scope: Scope | undefined,
    exhaustive: boolean,
  ): RankResult {
    const entities = this.graph.entities;
    const norms = this.norms(p);
    const view = scope?.view ?? null;
    const N = Math.max(1, view ? view.live : this.graph.live);
    const k1 = p.k1;
    const qw = terms.map((q) => q.weight * bm25Idf(N, view ? (scope as Scope).df(q.termId) : this.lex.df.get(q.termId)));
    let maxScore = 0;
    for (const x of qw) maxScore += x * (k1 + 1);
    const catFilter = p.category ? p.category.toLowerCase() : '';
    // the soft match re-scores the top SOFT_MATCH_DEPTH, so the selection keeps at least that many
    const soft = p.softMatch > 0;
    const depth = soft ? Math.max(k, SOFT_MATCH_DEPTH) : k;
    // every path adds a slot's term parts in one order, the terms by increasing df (then prompt order), so that a
    // pruned ranking's sums are bit for bit the exhaustive one's
    const df = terms.map((q) => this.lex.df.get(q.termId));
    const order = terms.map((_, i) => i);
    order.sort((x, y) => (df[x] as number) - (df[y] as number) || x - y);
    const w = [p.wTitle, p.wHeading, p.wCategory, p.wTags, p.wAnchor, p.wBody];
    const acc: Accumulation = { scores, norms, w, vis: view?.visible, k1, touched, skipped: 0, sought: 0, maxTf: 0, completed: false };
    const tfKey = `${p.bBody}|${p.bShort}|${this.version.n}|${w.join(',')}`;
    if (this.tfMax.key !== tfKey || this.tfMax.max.size > TF_MAX_TERMS) this.tfMax = { key: tfKey, max: new Map() };
    // a category filter drops slots at the selection, after the bounds below would have counted them
    const prunable = !exhaustive && !catFilter && depth > 0 && qw.every((x) => x >= 0);
    const candidates = prunable ? this.scorePruned(terms, qw, order, depth, acc) : this.scoreAll(terms, qw, order, acc);
    // bounded selection of the k best (min-heap on score; ties broken by entity id, so the order does not depend on
    // which slots additions and removals gave the entities: an updated index ranks as a rebuild does)
    const heap: number[] = [];
    const better = (x: number, y: number) =>
      (scores[x] as number) > (scores[y] as number) || (scores[x] === scores[y] && x !== y && (entities.idAt(x) as string) < (entities.idAt(y) as string));
    for (const s of candidates) {
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
      return { slots: ranked, scores: ranked.map((s) => scores[s] as number), maxScore, skipped: acc.skipped, sought: acc.sought, completed: acc.completed };
    }
    return { slots: heap, scores: heap.map((s) => scores[s] as number), maxScore, skipped: acc.skipped, sought: acc.sought, completed: acc.completed };
  }

  /** Scores every posting of every term, in `order`; returns the slots scored. */
  private scoreAll(terms: readonly QueryTerm[], qw: readonly number[], order: readonly number[], acc: Accumulation): Int32Array {
    for (const i of order) this.scoreTerm((terms[i] as QueryTerm).termId, qw[i] as number, acc);
    return touchedView(acc);
  }

  /** Scores all postings of term `t` (see accumulate); over every entity, its largest tf̃ is learned. */
  private scoreTerm(t: number, qw: number, acc: Accumulation): void {
    acc.maxTf = 0;
    this.accumulate(this.post.postingsOf(t), qw, acc);
    if (acc.vis === undefined) this.tfMax.max.set(t, acc.maxTf);
  }

  /** What term `t` adds to a slot at most: qw·(k1 + 1)·m / (k1 + m) for its largest tf̃ m when known, else qw·(k1 + 1). */
  private bound(t: number, qw: number, k1: number): number {
    const m = this.tfMax.max.get(t);
    return m === undefined ? qw * (k1 + 1) : (qw * m * (k1 + 1)) / (k1 + m);
  }

  /**
   * MaxScore pruning, term at a time (Turtle and Flood). The terms are scored in `order`, and before each next one the
   * `depth`-th best score so far, θ, is compared with what the terms left can add at most (see bound):
   * - once what they can add to a slot not scored yet is below θ, no such slot can reach the top. A multi-token whose
   *   words were all scored adds nothing to such a slot: its holders hold its words;
   * - a slot whose score plus what the terms left can add stays below θ cannot reach it either (scores only grow).
   * While the scores so far cannot reach what the terms left may give a slot not scored yet, θ is taken from the
   * best `depth` slots so far, their scores completed from their token streams (see completedTheta): a prompt's rare
   * phrase is scored first, and its holders' complete scores let its common words be read for the open slots alone.
   * The terms left are then read for the open slots only, those the second point keeps (a multi-token's word run is
   * searched in their token streams alone), and the rest never enter the selection. θ is a lower bound of the final
   * depth-th score, so the top `depth` and their scores are the exhaustive ranking's. Returns the slots the selection
   * must consider.
   */
  private scorePruned(terms: readonly QueryTerm[], qw: readonly number[], order: readonly number[], depth: number, acc: Accumulation): Int32Array {
    const k1 = acc.k1;
    const scores = acc.scores;
    const lex = this.lex;
    // per term: its bound, its words (a single word's is itself) and the postings a full read costs (a multi-token's:
    // its rarest word's, which its search walks)
    const bounds = terms.map((q, i) => this.bound(q.termId, qw[i] as number, k1));
    const runs = terms.map((q) => lex.wordIds(q.termId));
    const cost = runs.map((ws) => Math.min(...ws.map((w) => lex.df.get(w))));
    let restCost = 0;
    let restBound = 0;
    for (const i of order) {
      restCost += cost[i] as number;
      restBound += bounds[i] as number;
    }
    const totalBound = restBound;
    const scored = new Set<number>();
    // what the terms from the j-th on can add to a slot no term before them scored
    const unscoredBound = (j: number): number => {
      let b = 0;
      for (let x = j; x < order.length; x++) {
        const i = order[x] as number;
        const ws = runs[i] as number[];
        if (ws.length > 1 && ws.every((w) => scored.has(w))) continue;
        b += bounds[i] as number;
      }
      return b;
    };
    // the bound is compared with a margin: sums of the same parts in other orders may differ in their last bits
    const slack = 1 + 1e-9;
    let j = 0;
    let theta = -Infinity;
    for (; j < order.length; j++) {
      const touched = acc.touched.n;
      // finding θ costs a pass over the scored slots: worth it while the postings left are not too few
      if (touched >= depth && restCost > PRUNE_WORK_RATIO * touched) {
        const unscored = unscoredBound(j);
        // the depth-th score so far can succeed only below what the terms scored so far can give
        if (unscored * slack < totalBound - restBound) theta = Math.max(theta, kthLargest(scores, touchedView(acc), depth));
        else {
          // else the best `depth` slots so far are completed, their terms left found in their token streams: the least
          // of their complete scores is reached by every slot of the top (a rare phrase's holders hold its words, so a
          // prompt's common words need not be scored for every entity that holds them). Completing them costs a few
          // streams' scans, far less than the next term's postings, so it is done again before each term
          acc.completed = true;
          theta = Math.max(theta, this.completedTheta(terms, runs, qw, order, j, depth, acc) / slack);
        }
        if (unscored * slack < theta) break;
      }
      const i = order[j] as number;
      const t = (terms[i] as QueryTerm).termId;
      this.scoreTerm(t, qw[i] as number, acc);
      scored.add(t);
      restCost -= cost[i] as number;
      restBound -= bounds[i] as number;
    }
    if (j === order.length) return touchedView(acc);
    // the slots that can still reach θ, marked; the terms left add to them only
    const words = (scores.length + 31) >>> 5;
    if (this.openBits.length < words) this.openBits = new Int32Array(words);
    const bits = this.openBits;
    const touched = acc.touched;
    if (this.openSlots.length < touched.n) this.openSlots = new Int32Array(touched.slots.length);
    const open = this.openSlots;
    let nOpen = 0;
    for (let x = 0; x < touched.n; x++) {
      const s = touched.slots[x] as number;
      if ((scores[s] as number) + restBound * slack >= theta) {
        markSlot(bits, s);
        open[nOpen++] = s;
      }
    }
    try {
      // a term's part for a few open slots is found in their token streams (see accumulateOpen) when scanning them
      // costs less than a walk of its postings: a stream holds the entity's kept words and a marker per sentence
      const live = Math.max(1, this.graph.live);
      let kept = 0;
      for (const x of this.post.lengthTotals) kept += x;
      const streamCost = (kept / live) * STREAM_WORD_COST;
      // whether the open slots are in slot order (sorted once, the first time a word's list is searched for them)
      let sorted = false;
      for (; j < order.length; j++) {
        const i = order[j] as number;
        const t = (terms[i] as QueryTerm).termId;
        const opened = open.subarray(0, nOpen);
        // far fewer open slots than the postings of a word decoded already: each open slot's is searched for
        const list = nOpen * SEEK_RATIO < (cost[i] as number) ? this.post.decodedPostingsOf(t) : null;
        if (list !== null) {
          if (!sorted) opened.sort();
          sorted = true;
          accumulateSought(list, opened, qw[i] as number, acc);
        } else if (nOpen * streamCost < (cost[i] as number)) this.accumulateOpen(opened, t, runs[i] as number[], qw[i] as number, acc);
        else this.accumulate(this.post.postingsAmong(t, bits), qw[i] as number, acc, bits);
        // the open slots that cannot reach θ with what the terms after this one add at most are let go, so those terms
        // add to fewer; the bound is summed again, not decreased, so that it is exactly 0 after the last term
        let left = 0;
        for (let x = j + 1; x < order.length; x++) left += bounds[order[x] as number] as number;
        nOpen = narrowOpen(open, nOpen, bits, scores, left * slack, theta);
      }
    } finally {
      clearSlots(bits, open, nOpen);
    }
    return open.subarray(0, nOpen);
  }

  /**
   * The least complete score of the `depth` slots scored best by the terms before the j-th (in `order`): each one's
   * parts of the terms left (whose words are `runs`) are added from its token stream's counts (see Postings.countsIn).
   * Every slot of the top `depth` scores at least that much.
   */
  private completedTheta(
    terms: readonly QueryTerm[],
    runs: readonly number[][],
    qw: readonly number[],
    order: readonly number[],
    j: number,
    depth: number,
    acc: Accumulation,
  ): number {
    const { scores, norms, w, k1 } = acc;
    const counts = [0, 0];
    let least = Infinity;
    for (const s of bestSlots(scores, touchedView(acc), depth)) {
      let score = scores[s] as number;
      // the slot's stream decoded once for every term left
      const stream = this.post.streams.get(s);
      for (let x = j; x < order.length; x++) {
        const i = order[x] as number;
        this.post.countsInStream(stream, (terms[i] as QueryTerm).termId, counts, runs[i]);
        const tf = fieldTf(counts[0] as number, counts[1] as number, w, norms, s);
        if (tf > 0) score += ((qw[i] as number) * tf * (k1 + 1)) / (k1 + tf);
      }
      if (score < least) least = score;
    }
    return least;
  }

  /**
   * Adds one term's part to every slot of its postings (but those the caller may not see), noting new slots; with
   * `only`, to the slots marked in it alone (see slotIn), which were all noted before.
   */
  private accumulate(post: ArrayLike<number>, qw: number, acc: Accumulation, only: Int32Array | null = null): void {
    const n = post.length / 3;
    const touched = acc.touched;
    // room for a new slot per posting, so the loops note slots without a check
    if (only === null && touched.n + n > touched.slots.length) {
      const more = new Int32Array(Math.max(touched.slots.length * 2, touched.n + n));
      more.set(touched.slots.subarray(0, touched.n));
      touched.slots = more;
    }
    if (this.restScratch.length < n) this.restScratch = new Int32Array(n);
    const rest = this.restScratch;
    const nRest = accumulateBody(post, qw, acc, rest, only);
    if (nRest > 0) accumulateRest(post, rest, nRest, qw, acc, only);
  }

  /**
   * Adds the part of term `t` (whose words are `ws`) to the `open` slots, each one's counts found in its token stream
   * (see Postings.countsIn): the same part as its posting gives.
   */
  private accumulateOpen(open: Int32Array, t: number, ws: readonly number[], qw: number, acc: Accumulation): void {
    const { scores, norms, w, k1 } = acc;
    const counts = [0, 0];
    for (let x = 0; x < open.length; x++) {
      const s = open[x] as number;
      this.post.countsIn(s, t, counts, ws);
      const tf = fieldTf(counts[0] as number, counts[1] as number, w, norms, s);
      if (tf <= 0) continue;
      scores[s] = (scores[s] as number) + (qw * tf * (k1 + 1)) / (k1 + tf);
    }
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
          parts[f] = (w[f] as number) * (parts[f] as number) * normOf(norms, o, f);
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
  private softRescore(terms: readonly QueryTerm[], p: QueryParams, slots: readonly number[], scores: Float64Array, norms: Norms, scope?: Scope): void {
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
        const tf = fieldTf(post[i + 1] as number, post[i + 2] as number, w, norms, post[i] as number);
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

/** What one ranking accumulates into: scores per slot, and the slots scored, in the order first scored. */
interface Accumulation {
  scores: Float64Array;
  norms: Norms;
  w: readonly number[];
  vis: Uint8Array | undefined;
  k1: number;
  touched: SlotList;
  /** postings read for the open slots only and left unscored, or passed over by a search for them */
  skipped: number;
  /** open slots whose postings were searched for in a word's list (see accumulateSought) */
  sought: number;
  /** whether the pruning completed the best slots' scores from their token streams (see completedTheta) */
  completed: boolean;
  /** the largest tf̃ scored by accumulate since it was last reset */
  maxTf: number;
}

/** A list of slots in a typed array: the first `n` of `slots`. */
interface SlotList {
  slots: Int32Array;
  n: number;
}

/** The slots a ranking scored so far (a view, valid until the ranking notes another). */
function touchedView(acc: Accumulation): Int32Array {
  return acc.touched.slots.subarray(0, acc.touched.n);
}

/**
 * The part of Ranker.accumulate for the postings of title and body words alone, their tf̃ read through
 * Norms.titleBody (the same sum as fieldTf's, whose other parts are zeros); the index of each other posting is left
 * in `rest`, their count returned, for accumulateRest. Each posting adds to its own slot, so the
 * order in which a term's postings are added does not change a sum. At a million slots, `lengths` (24 MB) does not
 * stay in the CPU's caches while a ranking reads it at random, and a loop that calls nothing is compiled tighter: an
 * exhaustive ranking of six common words and two multi-tokens of the scale bench's million entities (1.1 M postings)
 * took 22 ms where reading every posting through fieldTf took 43.
 */
function accumulateBody(post: ArrayLike<number>, qw: number, acc: Accumulation, rest: Int32Array, only: Int32Array | null): number {
  const { scores, norms, w, vis, k1, touched } = acc;
  const table = norms.table;
  const titleBody = norms.titleBody;
  const atTitle = norms.at[TITLE] as number;
  const atBody = norms.at[BODY] as number;
  const wTitle = w[TITLE] as number;
  const wBody = w[BODY] as number;
  const ts = touched.slots;
  let nt = touched.n;
  let maxTf = acc.maxTf;
  let nRest = 0;
  let skipped = 0;
  for (let i = 0; i < post.length; i += 3) {
    const s = post[i] as number;
    if (only !== null && !slotIn(only, s)) {
      skipped++;
      continue;
    }
    const a = post[i + 1] as number;
    const b = post[i + 2] as number;
    const tb = titleBody[s] as number;
    const title = tb >>> 16;
    const body = tb & 0xffff;
    if ((a >>> 7) + (b >>> 16) !== 0 || title === LONG_FIELD || body === LONG_FIELD) {
      rest[nRest++] = i;
      continue;
    }
    const tf = wTitle * a * (table[atTitle + title] as number) + wBody * b * (table[atBody + body] as number);
    // an entity the caller may not see is never scored, so the top k are k entities it sees
    if (tf <= 0 || (vis !== undefined && vis[s] !== 1)) continue;
    if (tf > maxTf) maxTf = tf;
    const old = scores[s] as number;
    // a slot is noted once while its score grows (a negative part could bring it back to 0 and note it again);
    // the marked slots were all noted before
    if (old === 0 && only === null) ts[nt++] = s;
    scores[s] = old + (qw * tf * (k1 + 1)) / (k1 + tf);
  }
  touched.n = nt;
  acc.maxTf = maxTf;
  acc.skipped += skipped;
  return nRest;
}

/**
 * The postings accumulateBody left (their indexes the first `nRest` of `rest`), scored through fieldTf. A score is
 * added as accumulateBody adds it, written out in both: a call from accumulateBody's loop is what doubled its time.
 */
function accumulateRest(post: ArrayLike<number>, rest: Int32Array, nRest: number, qw: number, acc: Accumulation, only: Int32Array | null): void {
  const { scores, norms, w, vis, k1, touched } = acc;
  const ts = touched.slots;
  let nt = touched.n;
  let maxTf = acc.maxTf;
  for (let x = 0; x < nRest; x++) {
    const i = rest[x] as number;
    const s = post[i] as number;
    const tf = fieldTf(post[i + 1] as number, post[i + 2] as number, w, norms, s);
    if (tf <= 0 || (vis !== undefined && vis[s] !== 1)) continue;
    if (tf > maxTf) maxTf = tf;
    const old = scores[s] as number;
    if (old === 0 && only === null) ts[nt++] = s;
    scores[s] = old + (qw * tf * (k1 + 1)) / (k1 + tf);
  }
  touched.n = nt;
  acc.maxTf = maxTf;
}

/**
 * Adds one word's part to the open slots `open` (in slot order, all marked) from its postings `post` in slot order:
 * each slot's posting is found by a galloping search from the last one found (a doubling step, then a binary search),
 * so `m` open slots cost about m·log(n/m) reads of `n` postings where a walk reads them all. The part is fieldTf's,
 * the same sum as accumulateBody's for a posting of title and body words.
 */
function accumulateSought(post: ArrayLike<number>, open: Int32Array, qw: number, acc: Accumulation): void {
  const { scores, norms, w, vis, k1 } = acc;
  const n = post.length / 3;
  let lo = 0;
  let found = 0;
  for (let x = 0; x < open.length && lo < n; x++) {
    const s = open[x] as number;
    // every posting before lo is of a slot below s; find the first at or after lo whose slot is not
    let hi = lo;
    for (let step = 1; hi < n && (post[3 * hi] as number) < s; step *= 2) {
      lo = hi + 1;
      hi = lo + step;
    }
    if (hi > n) hi = n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if ((post[3 * m] as number) < s) lo = m + 1;
      else hi = m;
    }
    if (lo >= n || post[3 * lo] !== s) continue;
    found++;
    const tf = fieldTf(post[3 * lo + 1] as number, post[3 * lo + 2] as number, w, norms, s);
    if (tf <= 0 || (vis !== undefined && vis[s] !== 1)) continue;
    scores[s] = (scores[s] as number) + (qw * tf * (k1 + 1)) / (k1 + tf);
  }
  acc.sought += open.length;
  acc.skipped += n - found;
}

/**
 * Keeps the first `n` of `open` (marked in `bits`) whose score plus `left` reaches `theta`, in their order, and unmarks
 * the others; returns how many are kept.
 */
function narrowOpen(open: Int32Array, n: number, bits: Int32Array, scores: Float64Array, left: number, theta: number): number {
  let kept = 0;
  for (let x = 0; x < n; x++) {
    const s = open[x] as number;
    if ((scores[s] as number) + left >= theta) open[kept++] = s;
    else unmarkSlot(bits, s);
  }
  return kept;
}

/** The top slots of a ranking, best first, with their raw scores. */
export interface RankResult {
  slots: number[];
  scores: number[];
  /** The best score the prompt's terms could give (Σ qw·(k1 + 1)). */
  maxScore: number;
  /** Postings the pruning read or passed over without scoring (0 for an exhaustive ranking). */
  skipped: number;
  /** Open slots whose postings the pruning searched for in a word's list instead of walking it (see accumulateSought). */
  sought: number;
  /** Whether the pruning completed its best slots' scores from their token streams to find its threshold. */
  completed: boolean;
}

/** Terms whose largest tf̃ the ranker keeps (then it starts over): a few MB, where the lexicon may hold millions. */
const TF_MAX_TERMS = 1 << 16;

/**
 * The pruned ranking looks for θ while the postings left are more than this share of the slots scored so far: a
 * search for θ costs a read and a comparison per scored slot, where scoring a posting costs about ten times that
 * (its normalizers, the saturation and the score update, at random slots).
 */
const PRUNE_WORK_RATIO = 0.25;

/**
 * A word's postings are searched for the open slots (see accumulateSought) when they are more than this many times
 * the open slots: a search step reads a posting at a scattered place, where a walk reads the next one.
 */
const SEEK_RATIO = 16;

/**
 * What scanning a token stream costs per kept word of its entity, in postings walked (see accumulateOpen): a stream
 * value is read and compared as a posting's slot is, and a marker opens each sentence.
 */
const STREAM_WORD_COST = 1.2;

/** The `k`-th largest of `scores` at `slots` (k ≤ slots.length), see bestSlots. */
function kthLargest(scores: Float64Array, slots: ArrayLike<number>, k: number): number {
  return scores[bestSlots(scores, slots, k)[0] as number] as number;
}

/**
 * The `k` slots of `slots` (k ≤ slots.length) with the largest `scores`: a bounded min-heap of k slots, as the
 * selection keeps (siftUp, siftDown), the k-th largest first; a slot no better than the heap's worst is passed over
 * without a call.
 */
function bestSlots(scores: Float64Array, slots: ArrayLike<number>, k: number): number[] {
  const better = (x: number, y: number) => (scores[x] as number) > (scores[y] as number);
  const heap: number[] = [];
  for (let i = 0; i < k; i++) {
    heap.push(slots[i] as number);
    siftUp(heap, i, better);
  }
  for (let i = k; i < slots.length; i++) {
    const s = slots[i] as number;
    if ((scores[s] as number) <= (scores[heap[0] as number] as number)) continue;
    heap[0] = s;
    siftDown(heap, 0, better);
  }
  return heap;
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
