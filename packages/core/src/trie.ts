import { IntColumn } from './intcolumn';
import { IntPairMap } from './intmap';

const NONE = new Int32Array(0);
/** Terms per mark of packed child lists (see PackedChildLists): a lookup skips the entries of at most this many less one. */
export const TRIE_MARK_EVERY = 64;

/**
 * The multi-token trie: (term, next word) → the multi-token that extends the term by the word (term ids).
 *
 * The terms of a loaded snapshot are held as sorted child lists, read by binary search: per term the range of its
 * children in `kids`, sorted by their last word (read from the lexicon's last-word column). That takes 8 bytes per
 * term and is built in linear passes over the parent and last-word columns; a hash map of every multi-token took
 * about 37 (16-byte entries, a power-of-two table at load factor 0.42–0.75) and one random insert each. The terms
 * made afterwards (by a bulk build: all of them; by additions and promotions: a few) go to a hash map beside it.
 * Nothing is ever removed: a multi-token that is no longer held keeps its id with df 0.
 */
export class Trie {
  /** terms covered by the child lists (those of the snapshot) */
  private base = 0;
  /** per base term t: its children are kids[start[t] .. start[t + 1]) */
  private start: Int32Array = NONE;
  private kids: Int32Array = NONE;
  /** the lexicon's column of each term's last word, which the child lists are sorted by */
  private lastWord = new IntColumn(0);
  /**
   * a loaded snapshot's child lists as its `trie` section (see PackedChildLists), decoded into `start` and `kids` a
   * block of TRIE_MARK_EVERY terms at a time when a lookup first reads the block
   */
  private packed: PackedChildLists | null = null;
  /** per block of packed child lists, 1 once it is decoded */
  private decoded: Uint8Array = new Uint8Array(0);
  private readonly added: IntPairMap;

  /** An empty trie with room for `capacity` multi-tokens. */
  constructor(capacity = 1024) {
    this.added = new IntPairMap(capacity);
  }

  /** Multi-tokens held. */
  get size(): number {
    return (this.packed ? this.packed.multi : this.kids.length) + this.added.size;
  }

  /** Room for `extra` more multi-tokens, so that adding them never rehashes. */
  reserve(extra: number): void {
    this.added.reserve(this.added.size + extra);
  }

  /** The multi-token extending term `p` by word `w`, or −1. */
  get(p: number, w: number): number {
    if (p < this.base) {
      const n = Math.floor(p / TRIE_MARK_EVERY);
      if (this.packed !== null && this.decoded[n] === 0) this.decodeBlock(this.packed, n);
      const t = this.childIn(this.kids, this.start[p] as number, this.start[p + 1] as number, w);
      if (t >= 0) return t;
    }
    return this.added.get(p, w);
  }

  /** The child in kids[lo .. hi) (sorted by last word) whose last word is `w`, or −1, by binary search. */
  private childIn(kids: Int32Array, lo: number, hi: number, w: number): number {
    const words = this.lastWord.data;
    // invariant: a child with word w, if any, lies in kids[lo .. hi)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = kids[mid] as number;
      const x = words[t] as number;
      if (x === w) return t;
      if (x < w) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /**
   * Decodes block `n` of packed child lists into `start` (its terms' and the next term's) and `kids` (its children, from
   * packed.kidMark[n] on): once, and kept. The whole lists take 8 bytes a term (31 MB at 1,000,000 entities), which a
   * load does not pay when it reads a few blocks; a bound on the blocks kept decoded cost more than they hold: a
   * least-recently-used map of 8,192 blocks took a tenth of a full answer in its lookups and let the related tokens of
   * the scale bench's prompts decode their blocks again (up to 26 ms of one answer).
   */
  private decodeBlock(packed: PackedChildLists, n: number): void {
    const b = packed.bytes;
    const first = n * TRIE_MARK_EVERY;
    const terms = Math.min(TRIE_MARK_EVERY, this.base - first);
    const start = this.start;
    const kids = this.kids;
    let k = packed.kidMark[n] as number;
    let q = packed.mark[n] as number;
    for (let i = 0; i < terms; i++) {
      start[first + i] = k;
      let c = b[q++] as number;
      let count = c & 0x7f;
      for (let shift = 7; c >= 0x80; shift += 7) {
        c = b[q++] as number;
        count |= (c & 0x7f) << shift;
      }
      for (let j = 0; j < count; j++) {
        c = b[q++] as number;
        let gap = c & 0x7f;
        for (let shift = 7; c >= 0x80; shift += 7) {
          c = b[q++] as number;
          gap |= (c & 0x7f) << shift;
        }
        kids[k++] = first + i + gap;
      }
    }
    // the end of the block's last list, which is where the next block's first starts
    start[first + terms] = k;
    this.decoded[n] = 1;
  }

  /** The multi-token extending `p` by `w`; when there is none, records `v` as it and returns `v`. */
  getOrSet(p: number, w: number, v: number): number {
    const t = this.get(p, w);
    if (t >= 0) return t;
    this.added.set(p, w, v);
    return v;
  }

  /**
   * The trie of the first `n` terms of a snapshot, from their parents (−1 for a single word) and the lexicon's
   * last-word column (read again by every lookup, so it must only grow), as a stepwise task (it yields every `step`
   * terms, a power of two). Terms made later extend it through `getOrSet`, with room for `room` of them.
   */
  static *fromColumns(
    parent: Int32Array,
    lastWord: IntColumn,
    n: number,
    room: number,
    step: number,
  ): Generator<void, Trie, void> {
    const words = lastWord.data;
    // each pass is a plain function called per step: a loop inside a generator that is resumed rarely stays in
    // unoptimized code. The children are grouped by parent in term order, where a term's parent is mostly near it
    // (reads and writes close together), with each child's last word beside it, then every parent's run is sorted
    // by last word in place: no pass reads the columns in a scattered order (two counting sorts, by last word then by
    // parent, took about twice as long on 3.6 M terms).
    // `start[p]` is first the count of p's children, then the start of its run, then (as it is filled) its end
    const start = new Int32Array(n + 1);
    let multi = 0;
    for (let from = 0; from < n; from += step) {
      multi += countByParent(parent, start, from, Math.min(n, from + step));
      yield;
    }
    startsOf(start, n);
    const kids = new Int32Array(multi);
    const kidWord = new Int32Array(multi);
    for (let from = 0; from < n; from += step) {
      placeByParent(parent, words, start, kids, kidWord, from, Math.min(n, from + step));
      yield;
    }
    // every start[p] is now the end of p's run, which is the start of p + 1's: shift them back by one
    start.copyWithin(1, 0, n);
    start[0] = 0;
    for (let from = 0; from < n; from += step) {
      sortRuns(start, kids, kidWord, from, Math.min(n, from + step), n);
      yield;
    }
    return Trie.fromLists(lastWord, n, room, { start, kids });
  }

  /**
   * The trie of the first `n` terms of a snapshot from their child lists as the snapshot stores them (see
   * `childLists`), each sorted by the last word in `lastWord`, with room for `room` terms made later.
   */
  static fromLists(lastWord: IntColumn, n: number, room: number, lists: ChildLists): Trie {
    const trie = new Trie(room);
    trie.lastWord = lastWord;
    trie.base = n;
    trie.start = lists.start;
    trie.kids = lists.kids;
    return trie;
  }

  /**
   * The trie of the first `n` terms of a snapshot from their child lists left as the snapshot stores them (see
   * PackedChildLists), each block decoded when a lookup first needs it, with room for `room` terms made later. The
   * decoded lists' arrays are made at once and filled as blocks are read: the pages of blocks never read stay
   * untouched.
   */
  static fromPacked(lastWord: IntColumn, n: number, room: number, packed: PackedChildLists): Trie {
    const trie = new Trie(room);
    trie.lastWord = lastWord;
    trie.base = n;
    trie.packed = packed;
    trie.start = new Int32Array(n + 1);
    trie.kids = new Int32Array(packed.multi);
    trie.decoded = new Uint8Array(Math.ceil(n / TRIE_MARK_EVERY));
    return trie;
  }

  /** The child lists of the terms the trie was made with (see fromLists), made from packed ones if need be. */
  childLists(): ChildLists {
    const packed = this.packed;
    if (packed) for (let n = 0; n * TRIE_MARK_EVERY < this.base; n++) if (this.decoded[n] === 0) this.decodeBlock(packed, n);
    return { start: this.start, kids: this.kids };
  }
}

/**
 * A snapshot's child lists as its `trie` section stores them (per term its children's count, then each child's gap
 * from it, sorted by last word), with the byte where the entry of every TRIE_MARK_EVERY-th term starts: a lookup reads
 * the few entries it needs. Decoding the lists (8 bytes a term) took a tenth of a cold ask at 1,000,000 entities.
 */
export interface PackedChildLists {
  bytes: Uint8Array;
  /** mark[i]: where the entry of term i · TRIE_MARK_EVERY starts in `bytes` */
  mark: Int32Array;
  /** kidMark[i]: the children of the terms before term i · TRIE_MARK_EVERY, in all */
  kidMark: Int32Array;
  /** the multi-tokens the lists hold */
  multi: number;
}

/**
 * The child lists of a trie's snapshot (see Trie.fromLists): per term t its children, sorted by last word, are
 * kids[start[t] .. start[t + 1]).
 */
export interface ChildLists {
  start: Int32Array;
  kids: Int32Array;
}

/** Counts the children of each parent among the terms t in [from, to) into `start` (at the parent); returns them. */
function countByParent(parent: Int32Array, start: Int32Array, from: number, to: number): number {
  let multi = 0;
  for (let t = from; t < to; t++) {
    const p = parent[t] as number;
    if (p < 0) continue;
    start[p] = (start[p] as number) + 1;
    multi++;
  }
  return multi;
}

/** Turns the counts a[0 .. n) into the starts of their runs (exclusive prefix sums), and a[n] into the total. */
function startsOf(a: Int32Array, n: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = a[i] as number;
    a[i] = sum;
    sum += c;
  }
  a[n] = sum;
}

/** Appends each multi-token t in [from, to) to its parent's run in `kids` (its last word in `kidWord` beside it). */
function placeByParent(
  parent: Int32Array,
  words: Int32Array,
  start: Int32Array,
  kids: Int32Array,
  kidWord: Int32Array,
  from: number,
  to: number,
): void {
  for (let t = from; t < to; t++) {
    const p = parent[t] as number;
    if (p < 0) continue;
    const k = start[p] as number;
    kids[k] = t;
    kidWord[k] = words[t] as number;
    start[p] = k + 1;
  }
}

/**
 * Sorts the runs of parents [from, to) by last word (unique within a run): a short run by insertion, a long one as
 * packed keys (word · n + term, exact below 2^53 while n ≤ 2^26) sorted natively.
 */
function sortRuns(start: Int32Array, kids: Int32Array, kidWord: Int32Array, from: number, to: number, n: number): void {
  for (let p = from; p < to; p++) {
    const a = start[p] as number;
    const b = start[p + 1] as number;
    if (b - a < 2) continue;
    if (b - a <= 32) {
      // invariant: kids[a .. i) is sorted by word
      for (let i = a + 1; i < b; i++) {
        const t = kids[i] as number;
        const w = kidWord[i] as number;
        let j = i - 1;
        while (j >= a && (kidWord[j] as number) > w) {
          kids[j + 1] = kids[j] as number;
          kidWord[j + 1] = kidWord[j] as number;
          j--;
        }
        kids[j + 1] = t;
        kidWord[j + 1] = w;
      }
      continue;
    }
    if (n > 0x4000000) {
      // word · n + term might not be exact: sort the run's positions by word
      const order = Array.from({ length: b - a }, (_x, i) => a + i).sort((x, y) => (kidWord[x] as number) - (kidWord[y] as number));
      const ts = order.map((i) => kids[i] as number);
      const ws = order.map((i) => kidWord[i] as number);
      kids.set(ts, a);
      kidWord.set(ws, a);
      continue;
    }
    const keys = new Float64Array(b - a);
    for (let i = a; i < b; i++) keys[i - a] = (kidWord[i] as number) * n + (kids[i] as number);
    keys.sort();
    for (let i = a; i < b; i++) {
      const key = keys[i - a] as number;
      const w = Math.floor(key / n);
      kids[i] = key - w * n;
      kidWord[i] = w;
    }
  }
}
