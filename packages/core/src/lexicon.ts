import { ByteColumn, CountColumn, IntColumn } from './intcolumn';
import { FIELD_COUNT } from './params';
import { RunSketch } from './runsketch';
import { runSteps, STEP_ITERATIONS, termRoom, type IndexState } from './serialize';
import { forEachWord, MT_SEP, normalize, type Analyzer } from './tokenizer';
import { Trie } from './trie';

/** Multi-tokens at or above this document frequency are "distilled": used for matching and listed in the tables. */
export const MIN_DF_DISTILLED = 2;


/**
 * One entity's terms: term ids in first-seen order, and FIELD_COUNT counts per entry (a reused buffer). In a
 * distilled lexicon (see Lexicon), `pending` holds the runs the trie does not hold as distilled, one level past a
 * held term: (term, next word) pairs, the term's id at 2k and the word's at 2k + 1, each pair once.
 */
export interface TermBag {
  ids: number[];
  tfs: Int32Array;
  pending: number[];
}

/**
 * The lexicon: every single word and every distilled multi-token (2..maxWords words held by at least
 * MIN_DF_DISTILLED entities) with its document frequency and occurrences, and the surface forms of its words.
 *
 * Multi-tokens held by one entity (about half of all runs on abstracts) are not kept: nothing answers from them, and
 * they were the largest table. A bulk build counts every run (`exact`) and then `distill`s; afterwards a multi-token
 * that reaches MIN_DF_DISTILLED through an added entity is found by phrase matching the other entities' token
 * streams (Postings.promote), and one that falls below it is dropped (df and occurrences 0). Either way the table is
 * the one a bulk build of the same entities gives. A dropped multi-token may stay in the trie with df 0 until the
 * next snapshot, which keeps only what is held.
 *
 * Single words are keyed by string; a multi-token of n words is the child (parent, last word) of its first n−1 words
 * in a trie of word ids, so no multi-token string is ever built while indexing. Surface forms are interned: every
 * word of every text is looked up once in the surface table, which also gives its word id (the analyzer's key
 * lookup is not repeated); the display form of a word is its most frequent live surface.
 */
export class Lexicon {
  private termId = new Map<string, number>();
  /** the key of each single-word term (multi-tokens have none: their words are their parent chain's) */
  private keys = new Map<number, string>();
  parent = new IntColumn(1 << 14);
  lastWord = new IntColumn(1 << 14);
  child = new Trie(1 << 14);
  /**
   * per-term scratch for collecting one entity's terms: stamp of the last pass that saw it (also used by the
   * document-level associations), and its bag slot. A loaded index makes them when first needed (see `scratch`):
   * a reader that never changes nor soft-matches does not hold them.
   */
  private stamp = new IntColumn(1 << 14);
  private bagSlot = new IntColumn(1 << 14);
  private stampNow = 0;
  /** per term: occurrences over all fields (sum of the capped per-field counts of each entity) */
  cnt = new CountColumn(1 << 14);
  df = new CountColumn(1 << 14);
  /** words per term (1..4) */
  words = new ByteColumn(1 << 14);
  liveTerms = 0;
  liveSingles = 0;
  /** every run is a term (a bulk build, until `distill`); else only single words and distilled multi-tokens */
  private exact = false;
  /** in `exact` mode, the runs that may occur twice (see RunSketch): no other run is made a term */
  private sketch: RunSketch | null = null;
  /** occurrences of all single words (the sum of their cnt) */
  tokenOccurrences = 0;
  /**
   * Surface forms, interned: surface → id; per id its string, its word (term id, −1 for a stopword) and its
   * occurrences in entities' own text; per word the ids of its live surfaces.
   */
  private surfId = new Map<string, number>();
  private surfStr: string[] = [];
  private surfWord = new IntColumn(1 << 14);
  private surfCnt = new IntColumn(1 << 14);
  private wordSurfaces: Array<number[] | undefined> = [];
  /** scratch of `scan` (one sentence's word ids and surface ids) */
  private readonly scanWords: number[] = [];
  private readonly scanSids: number[] = [];
  /** per-field counts of the entity being collected (FIELD_COUNT per bag entry), all zero between entities */
  private tfScratch = new Int32Array(4096 * FIELD_COUNT);

  constructor(
    private readonly analyzer: Analyzer,
    readonly maxWords: number,
  ) {}

  /** Terms made (single words and multi-tokens, held or not): term ids are 0 .. size − 1. */
  get size(): number {
    return this.parent.length;
  }

  /** Single-word term → its key (the snapshot writes it; do not change it). */
  get wordKeys(): Map<number, string> {
    return this.keys;
  }

  /** Room for `extra` more terms in the columns and the trie. */
  reserve(extra: number): void {
    const terms = this.size + extra;
    for (const c of [this.parent, this.lastWord, this.stamp, this.bagSlot, this.df, this.cnt, this.words]) c.grow(terms);
    this.child.reserve(extra);
  }

  private newTerm(word: string, parent: number, last: number, words: number): number {
    const id = this.size;
    if (id >= 0x7fffffff) throw new RangeError('too many distinct multi-tokens for one index');
    if (words === 1) this.keys.set(id, word);
    this.cnt.extend(1);
    this.df.extend(1);
    this.words.extend(1);
    this.words.data[id] = words;
    this.parent.extend(1);
    this.parent.data[id] = parent;
    this.lastWord.extend(1);
    this.lastWord.data[id] = last;
    // the scratch columns follow the terms once they were made (see `scratch`)
    if (this.stamp.length === id) {
      this.stamp.extend(1);
      this.bagSlot.extend(1);
    }
    return id;
  }

  private ensureWord(key: string): number {
    let id = this.termId.get(key);
    if (id === undefined) {
      id = this.newTerm(key, -1, -1, 1);
      this.termId.set(key, id);
    }
    return id;
  }

  /** The multi-token extending term `p` by word `w`. */
  private ensureChild(p: number, w: number): number {
    const next = this.size;
    const id = this.child.getOrSet(p, w, next);
    if (id === next) this.newTerm('', p, w, (this.words.data[p] as number) + 1);
    return id;
  }

  /** The term of a single-word key, whether or not it occurs now. */
  wordId(key: string): number | undefined {
    return this.termId.get(key);
  }

  /** Word ids of a term, first to last. */
  wordIds(t: number): number[] {
    const out: number[] = [];
    for (let x = t; x >= 0; x = this.parent.data[x] as number) {
      if ((this.words.data[x] as number) === 1) {
        out.push(x);
        break;
      }
      out.push(this.lastWord.data[x] as number);
    }
    return out.reverse();
  }

  /** The term of a sequence of word keys, whether or not it occurs now. */
  private lookup(keys: readonly string[]): number | undefined {
    let t = this.termId.get(keys[0] as string);
    for (let i = 1; i < keys.length && t !== undefined; i++) {
      const w = this.termId.get(keys[i] as string);
      if (w === undefined) return undefined;
      const c = this.child.get(t, w);
      t = c < 0 ? undefined : c;
    }
    return t;
  }

  /** Document frequency of a key (0 when absent). */
  dfOf(key: string): number {
    const t = this.lookup(key.split(MT_SEP));
    return t === undefined ? 0 : this.df.get(t);
  }

  /** The term of a multi-token key ("w1~w2~…"), when it occurs. */
  termIdOf(key: string): number | undefined {
    const t = this.lookup(key.split(MT_SEP));
    return t !== undefined && this.df.get(t) > 0 ? t : undefined;
  }

  /** The key of a term: its words' keys joined with "~". */
  termKey(t: number): string {
    if (this.words.data[t] === 1) return this.keys.get(t) as string;
    return this.wordIds(t)
      .map((w) => this.keys.get(w) as string)
      .join(MT_SEP);
  }

  /** Occurrences of a term over all fields. */
  termCount(t: number): number {
    return this.cnt.get(t);
  }

  /**
   * The display form of a key: each word's most frequent surface form. `countOf` gives a surface's occurrences as a
   * caller may see them (see AclTable.visibleSurfaceCount; default: all); a surface it counts 0 is never shown, and a
   * word without one shows its key.
   */
  display(key: string, countOf?: (sid: number, total: number) => number): string {
    return key
      .split(MT_SEP)
      .map((w) => {
        let best = w;
        let bc = -1;
        const word = this.termId.get(w);
        const l = word === undefined ? undefined : this.wordSurfaces[word];
        if (!l) return best;
        for (const sid of l) {
          const sf = this.surfStr[sid] as string;
          const total = this.surfCnt.data[sid] as number;
          const c = countOf ? countOf(sid, total) : total;
          if (c <= 0) continue;
          if (c > bc || (c === bc && sf < best)) [best, bc] = [sf, c];
        }
        return best;
      })
      .join(' ');
  }

  /** Surface forms of a single-word key, most frequent first. */
  surfacesOf(key: string, limit = 6): string[] {
    return this.surfaceCounts(this.termId.get(key))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map((x) => x[0]);
  }

  /** Live surface forms of a single word (term id), with their occurrence counts. */
  private surfaceCounts(word: number | undefined): Array<[string, number]> {
    const l = word === undefined ? undefined : this.wordSurfaces[word];
    if (!l) return [];
    return l.map((sid): [string, number] => [this.surfStr[sid] as string, this.surfCnt.data[sid] as number]);
  }

  /** Makes the per-term scratch columns (see `stamp`) cover every term. */
  private scratch(): void {
    const n = this.size;
    if (this.stamp.length >= n) return;
    const room = termRoom(n);
    for (const c of [this.stamp, this.bagSlot]) {
      c.grow(n + room);
      c.length = n;
    }
  }

  /** The per-term stamps of the passes of `nextStamp` (a column of every term; do not keep it across a change). */
  stamps(): Int32Array {
    this.scratch();
    return this.stamp.data;
  }

  /** A fresh stamp for one pass over terms (see `stamp`). */
  nextStamp(): number {
    this.scratch();
    return ++this.stampNow;
  }

  /**
   * The terms of a token stream with their per-field counts: every run of 1..maxWords words within a sentence that
   * the lexicon holds (in `exact` mode every run, made a term of the trie when new; in a distilled lexicon a run is
   * followed only through distilled multi-tokens, and the first run past one is left in `pending`). The ids are
   * the bag's terms in first-seen order (a run's shorter prefix comes first); `tfs` holds FIELD_COUNT counts per
   * bag entry in a buffer reused from entity to entity (the reader zeroes what it read).
   */
  bagOf(stream: Int32Array): TermBag {
    const stampNow = this.nextStamp();
    const ids: number[] = [];
    const pending: number[] = [];
    const seenPending = new Set<string>();
    const exact = this.exact;
    const sketch = this.sketch;
    // the hash of the run being followed, when a sketch filters the runs
    let h = 0;
    let tfs = this.tfScratch;
    const maxW = this.maxWords;
    let field = 0;
    const n = stream.length;
    for (let i = 0; i < n; i++) {
      let t = stream[i] as number;
      if (t < 0) {
        field = -t - 1;
        continue;
      }
      for (let w = 1; ; w++) {
        let b: number;
        // the columns grow when ensureChild makes a term: read them through `this` each time
        if (this.stamp.data[t] === stampNow) b = this.bagSlot.data[t] as number;
        else {
          this.stamp.data[t] = stampNow;
          b = ids.length;
          this.bagSlot.data[t] = b;
          ids.push(t);
          if ((b + 1) * FIELD_COUNT > tfs.length) {
            const g = new Int32Array(tfs.length * 2);
            g.set(tfs);
            tfs = g;
            this.tfScratch = g;
          }
        }
        tfs[b * FIELD_COUNT + field] = (tfs[b * FIELD_COUNT + field] as number) + 1;
        if (w >= maxW || i + w >= n) break;
        const next = stream[i + w] as number;
        if (next < 0) break;
        if (exact) {
          if (sketch === null) t = this.ensureChild(t, next);
          else {
            h = RunSketch.extend(w === 1 ? RunSketch.first(t) : h, next);
            // a run the sketch does not admit has no term (a bulk build makes its multi-tokens only here, and the
            // sketch does not change meanwhile): it is not looked up, which most runs of 3 and 4 words are spared
            if (!sketch.admits(h)) break;
            t = this.ensureChild(t, next);
          }
        } else {
          const c = this.child.get(t, next);
          if (c >= 0 && this.df.get(c) >= MIN_DF_DISTILLED) t = c;
          else {
            const key = `${t},${next}`;
            if (!seenPending.has(key)) {
              seenPending.add(key);
              pending.push(t, next);
            }
            break;
          }
        }
      }
    }
    return { ids, tfs, pending };
  }

  /**
   * Counts every run as a term until `distill` (a bulk build); with a sketch of the build's runs, only those that
   * may occur twice (the others cannot reach MIN_DF_DISTILLED).
   */
  beginExact(sketch: RunSketch | null = null): void {
    this.exact = true;
    this.sketch = sketch;
  }

  /** Drops the multi-tokens below MIN_DF_DISTILLED (see the class) and ends `exact` mode. */
  distill(): void {
    this.exact = false;
    this.sketch = null;
    // the build's scratch columns go; a later change or soft match makes them again
    this.stamp = new IntColumn(0);
    this.bagSlot = new IntColumn(0);
    this.stampNow = 0;
    // the trie as a loaded snapshot holds it (child lists, 8 bytes a term), where the build's hash map took about 37
    const n = this.size;
    this.child = runSteps(Trie.fromColumns(this.parent.data, this.lastWord, n, termRoom(n), STEP_ITERATIONS));
    const words = this.words.data;
    for (let t = 0; t < this.size; t++) {
      const d = this.df.get(t);
      if (d > 0 && d < MIN_DF_DISTILLED && (words[t] as number) > 1) {
        this.df.set(t, 0);
        this.cnt.set(t, 0);
        this.liveTerms--;
      }
    }
  }

  /** The multi-token extending term `p` by word `w`, made distilled with the given df and occurrences. */
  promote(p: number, w: number, df: number, occ: number): number {
    const t = this.ensureChild(p, w);
    if (this.df.get(t) !== 0) throw new Error(`index invariant broken: multi-token ${t} is already held`);
    this.df.set(t, df);
    this.cnt.set(t, occ);
    this.liveTerms++;
    return t;
  }

  /** Adds or subtracts one entity's capped counts of term `t` (call after its posting changed). */
  addCounts(t: number, occ: number, sign: 1 | -1): void {
    this.cnt.set(t, this.cnt.get(t) + sign * occ);
    const before = this.df.get(t);
    const after = before + sign;
    this.df.set(t, after);
    const single = this.words.data[t] === 1;
    if (single) this.tokenOccurrences += sign * occ;
    if (before === 0 && after > 0) {
      this.liveTerms++;
      if (single) this.liveSingles++;
    } else if (before > 0 && after === 0) {
      this.liveTerms--;
      if (single) this.liveSingles--;
    } else if (!single && !this.exact && after > 0 && after < MIN_DF_DISTILLED) {
      // fell below distilled: dropped (the one entity left holding it is not counted)
      this.df.set(t, 0);
      this.cnt.set(t, 0);
      this.liveTerms--;
    }
  }

  /**
   * The kept words of a text by sentence, as the analyzer splits them (stopwords skipped, so runs bridge them):
   * calls `onSentence(wordIds, surfaceIds)` with scratch arrays that are reused for the next sentence.
   */
  scan(text: string, onSentence: (words: readonly number[], sids: readonly number[]) => void): void {
    const words = this.scanWords;
    const sids = this.scanSids;
    words.length = 0;
    sids.length = 0;
    forEachWord(normalize(text), (sf, boundaryBefore) => {
      if (boundaryBefore && words.length > 0) {
        onSentence(words, sids);
        words.length = 0;
        sids.length = 0;
      }
      let id = this.surfId.get(sf);
      if (id === undefined) id = this.newSurface(sf);
      const w = this.surfWord.data[id] as number;
      if (w >= 0) {
        words.push(w);
        sids.push(id);
      }
    });
    if (words.length > 0) onSentence(words, sids);
    words.length = 0;
    sids.length = 0;
  }

  /** The multi-token extending term `t` by word `w` when the trie holds it, else −1. */
  childOf(t: number, w: number): number {
    return this.child.get(t, w);
  }

  /** Interns a surface form; its word is computed (stemmed) unless given (a snapshot stores it). */
  private newSurface(sf: string, word?: number): number {
    const id = this.surfStr.length;
    let w = word;
    if (w === undefined) {
      const k = this.analyzer.computeKey(sf);
      w = k ? this.ensureWord(k) : -1;
    }
    this.surfStr.push(sf);
    this.surfWord.extend(1);
    this.surfWord.data[id] = w;
    this.surfCnt.extend(1);
    this.surfId.set(sf, id);
    return id;
  }

  /** Adds or subtracts one occurrence of each surface of a sentence of an entity's own text. */
  addSurfaces(sids: readonly number[], sign: 1 | -1): void {
    for (const sid of sids) this.addSurface(sid, sign);
  }

  private addSurface(sid: number, sign: 1 | -1): void {
    const cnt = this.surfCnt.data;
    const before = cnt[sid] as number;
    const v = before + sign;
    cnt[sid] = v;
    if (before === 0 && v > 0) {
      const w = this.surfWord.data[sid] as number;
      const l = this.wordSurfaces[w];
      if (l) l.push(sid);
      else this.wordSurfaces[w] = [sid];
    } else if (before > 0 && v <= 0) {
      const w = this.surfWord.data[sid] as number;
      const l = this.wordSurfaces[w];
      if (l) {
        const i = l.indexOf(sid);
        if (i >= 0) l.splice(i, 1);
        if (!l.length) this.wordSurfaces[w] = undefined;
      }
    }
  }

  /** Surface form → occurrences, for the live surfaces in id (first-seen) order, and the word of each in that order. */
  liveSurfaces(): { counts: Map<string, number>; words: Int32Array } {
    const out = new Map<string, number>();
    const words: number[] = [];
    const cnt = this.surfCnt.data;
    for (let id = 0; id < this.surfStr.length; id++) {
      if ((cnt[id] as number) > 0) {
        out.set(this.surfStr[id] as string, cnt[id] as number);
        words.push(this.surfWord.data[id] as number);
      }
    }
    return { counts: out, words: Int32Array.from(words) };
  }

  /** Restores the word counts, key lookups and counts of terms [from, to) of a snapshot (see `restore`). */
  private restoreTerms(s: IndexState, from: number, to: number): void {
    const par = this.parent.data;
    const words = this.words.data;
    for (let t = from; t < to; t++) {
      const p = par[t] as number;
      // a parent is always created before its children, so its word count is known here
      const w = p < 0 ? 1 : (words[p] as number) + 1;
      words[t] = w;
      if (p < 0) this.termId.set(this.keys.get(t) as string, t);
      const df = this.df.get(t);
      if (w > 1 && df > 0 && df < MIN_DF_DISTILLED) {
        // snapshots written before the lexicon was distilled hold every run: this one becomes 0
        this.df.set(t, 0);
        this.cnt.set(t, 0);
      } else {
        if (df > 0) {
          this.liveTerms++;
          if (w === 1) this.liveSingles++;
        }
      }
    }
  }

  /**
   * Takes the term columns and surface counts of a snapshot and builds the trie's child lists, the word keys and the
   * surface table. A surface's word is looked up, never made, here.
   */
  *restore(s: IndexState): Generator<void, void, void> {
    this.keys = s.wordKeys;
    const nTerms = s.df.length;
    const room = termRoom(nTerms);
    // the counts' columns are the snapshot's (decoded with room for later terms), checked in the loop below
    this.cnt = s.cnt;
    this.df = s.df;
    this.cnt.grow(nTerms + room);
    this.df.grow(nTerms + room);
    this.parent = IntColumn.from(s.parent, room);
    this.lastWord = IntColumn.from(s.lastWord, room);
    this.stamp = new IntColumn(0);
    this.bagSlot = new IntColumn(0);
    this.stampNow = 0;
    this.tokenOccurrences = s.counters.tokenOccurrences;
    this.termId = new Map();
    this.words = new ByteColumn(nTerms + room);
    this.words.length = nTerms;
    this.liveTerms = 0;
    this.liveSingles = 0;
    const par = this.parent.data;
    // a plain method per step: a loop inside this generator would stay in unoptimized code
    for (let t = 0; t < nTerms; t += STEP_ITERATIONS) {
      this.restoreTerms(s, t, Math.min(nTerms, t + STEP_ITERATIONS));
      yield;
    }
    // a snapshot's stored child lists (format 8 on) are taken as they are; an older one's are grouped and sorted
    this.child = s.trie ? Trie.fromPacked(this.lastWord, nTerms, room, s.trie) : yield* Trie.fromColumns(par, this.lastWord, nTerms, room, STEP_ITERATIONS);
    this.exact = false;
    this.surfId = new Map();
    this.surfStr = [];
    this.surfWord = new IntColumn(1 << 10);
    this.surfCnt = new IntColumn(1 << 10);
    this.wordSurfaces = [];
    const surfaces = s.surfaceCount.entries();
    for (let i = 0; i < s.surfaceCount.size; i += STEP_ITERATIONS) {
      yield;
      this.restoreSurfaces(surfaces, s.surfaceWord, i, Math.min(s.surfaceCount.size, i + STEP_ITERATIONS));
    }
  }

  /** Interns the next `to − from` surfaces of a snapshot (the from-th on) with their words and counts. */
  private restoreSurfaces(surfaces: Iterator<[string, number]>, surfaceWord: ArrayLike<number>, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const [sf, c] = surfaces.next().value as [string, number];
      const id = this.newSurface(sf, surfaceWord[i]);
      this.addSurface(id, 1);
      this.surfCnt.data[id] = c;
    }
  }
}

/** Code-unit order of term keys (the canonical order of the tables and of ties). */
export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
