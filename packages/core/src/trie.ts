import { IntColumn } from './intcolumn';
import { IntPairMap } from './intmap';

const NONE = new Int32Array(0);

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
  private readonly added: IntPairMap;

  /** An empty trie with room for `capacity` multi-tokens. */
  constructor(capacity = 1024) {
    this.added = new IntPairMap(capacity);
  }

  /** Multi-tokens held. */
  get size(): number {
    return this.kids.length + this.added.size;
  }

  /** Room for `extra` more multi-tokens, so that adding them never rehashes. */
  reserve(extra: number): void {
    this.added.reserve(this.added.size + extra);
  }

  /** The multi-token extending term `p` by word `w`, or −1. */
  get(p: number, w: number): number {
    if (p < this.base) {
      const words = this.lastWord.data;
      const kids = this.kids;
      let lo = this.start[p] as number;
      let hi = this.start[p + 1] as number;
      // invariant: a child with word w, if any, lies in kids[lo .. hi)
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const t = kids[mid] as number;
        const x = words[t] as number;
        if (x === w) return t;
        if (x < w) lo = mid + 1;
        else hi = mid;
      }
    }
    return this.added.get(p, w);
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
    const trie = new Trie(room);
    const words = lastWord.data;
    // each pass is a plain function called per step: a loop inside a generator that is resumed rarely stays in
    // unoptimized code (about three times slower here)
    // multi-tokens by last word (a counting sort: `at` is first the count of each word, then where its run starts)
    const at = new Int32Array(n + 1);
    let multi = 0;
    for (let from = 0; from < n; from += step) {
      multi += countByWord(parent, words, at, from, Math.min(n, from + step));
      yield;
    }
    prefixSums(at, n);
    const byWord = new Int32Array(multi);
    for (let from = 0; from < n; from += step) {
      placeByWord(parent, words, at, byWord, from, Math.min(n, from + step));
      yield;
    }
    // then by parent, keeping the word order: `start[p]` is first the end of p's run, filled backwards from there
    // (the children are counted in term order, where a term's parent is mostly near it: 0.2 s less on 3.6 M terms
    // than in word order)
    const start = at;
    start.fill(0);
    for (let from = 0; from < n; from += step) {
      countByParent(parent, start, from, Math.min(n, from + step));
      yield;
    }
    prefixSums(start, n);
    const kids = new Int32Array(multi);
    for (let to = multi; to > 0; to -= step) {
      placeByParent(parent, byWord, start, kids, Math.max(0, to - step), to);
      yield;
    }
    trie.lastWord = lastWord;
    trie.base = n;
    trie.start = start;
    trie.kids = kids;
    return trie;
  }
}

/** Counts the multi-tokens t in [from, to) per last word + 1 into `at`; returns how many there were. */
function countByWord(parent: Int32Array, words: Int32Array, at: Int32Array, from: number, to: number): number {
  let multi = 0;
  for (let t = from; t < to; t++) {
    if ((parent[t] as number) < 0) continue;
    const w = (words[t] as number) + 1;
    at[w] = (at[w] as number) + 1;
    multi++;
  }
  return multi;
}

/** a[i + 1] += a[i] for i < n: counts become the ends (or, shifted by one, the starts) of runs. */
function prefixSums(a: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) a[i + 1] = (a[i + 1] as number) + (a[i] as number);
}

/** Puts the multi-tokens t in [from, to) at their word's next place in `byWord`. */
function placeByWord(parent: Int32Array, words: Int32Array, at: Int32Array, byWord: Int32Array, from: number, to: number): void {
  for (let t = from; t < to; t++) {
    if ((parent[t] as number) < 0) continue;
    const w = words[t] as number;
    const i = at[w] as number;
    byWord[i] = t;
    at[w] = i + 1;
  }
}

/** Counts the children of each parent among the terms t in [from, to) into `start` (at the parent). */
function countByParent(parent: Int32Array, start: Int32Array, from: number, to: number): void {
  for (let t = from; t < to; t++) {
    const p = parent[t] as number;
    if (p >= 0) start[p] = (start[p] as number) + 1;
  }
}

/** Places byWord[from .. to), backwards, before the end of its parent's run in `kids` (moving that end down). */
function placeByParent(parent: Int32Array, byWord: Int32Array, start: Int32Array, kids: Int32Array, from: number, to: number): void {
  for (let i = to - 1; i >= from; i--) {
    const t = byWord[i] as number;
    const p = parent[t] as number;
    const k = (start[p] as number) - 1;
    kids[k] = t;
    start[p] = k;
  }
}
