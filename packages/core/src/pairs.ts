import { F_ANCHOR, F_CATEGORY, F_TAGS } from './analyze';
import { IntPairMap } from './intmap';
import { rankOf, termSet, type TermSet } from './termset';
import { varintLength, writeVarint } from './varint';

/**
 * Adjacency of the pair table in both directions, for the terms it was derived over: per term t with a pair,
 * every word paired with t in ascending id order as unsigned LEB128 varints (the gap from the previous word, from
 * 0, then the count) in bytes[start[r] .. start[r + 1]), r being t's rank in `rows`, the terms with a pair: no
 * offset for the multi-tokens (most terms, none with a pair) nor for words without a pair. `entries` is the number
 * of (word, other word) entries, twice the pairs.
 */
export interface PairAdjacency {
  rows: TermSet;
  start: Int32Array;
  bytes: Uint8Array;
  entries: number;
}

/** The row of term `t` in `adj` as a byte range [from, to), empty (0, 0) when it has no pair. */
function rowOf(adj: PairAdjacency, t: number): [number, number] {
  const r = rankOf(adj.rows, t);
  if (r < 0) return [0, 0];
  return [adj.start[r] as number, adj.start[r + 1] as number];
}

/** Calls `fn(u, count)` for every word paired with `t` in `adj`, in ascending id order. */
export function forEachPair(adj: PairAdjacency, t: number, fn: (u: number, count: number) => void): void {
  const [from, to] = rowOf(adj, t);
  const b = adj.bytes;
  let u = 0;
  let at = 0;
  for (let p = from; p < to; ) {
    let c = b[p++] as number;
    let x = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = b[p++] as number;
      x |= (c & 0x7f) << shift;
    }
    // values alternate: the gap to the next word, then its count
    if (at++ & 1) fn(u, x);
    else u += x;
  }
}

/** The count of pair (a, b) in `adj` (0 when absent), searched in the shorter of the two rows. */
export function pairCount(adj: PairAdjacency, a: number, b: number): number {
  const [fa, ta] = rowOf(adj, a);
  const [fb, tb] = rowOf(adj, b);
  const [x, y] = ta - fa <= tb - fb ? [a, b] : [b, a];
  let found = 0;
  forEachPair(adj, x, (u, c) => {
    if (u === y) found = c;
  });
  return found;
}

/**
 * Writes a PairAdjacency in two passes over the same entries: `put(row, other, count)` for every entry of both
 * directions, each row's entries in ascending `other` order (rows may interleave); `layout()` between the passes,
 * `finish()` after the second. The first pass measures each row's bytes, the second writes them.
 */
export class PairAdjacencyWriter {
  /** per term: the first pass's row bytes, then the second's write position */
  private pos: Int32Array;
  /** per term: the other word of its row's previous entry */
  private prev: Int32Array;
  private adj: PairAdjacency | null = null;
  private entries = 0;

  constructor(private readonly nTerms: number) {
    this.pos = new Int32Array(nTerms);
    this.prev = new Int32Array(nTerms);
  }

  put(row: number, other: number, count: number): void {
    const gap = other - (this.prev[row] as number);
    this.prev[row] = other;
    const adj = this.adj;
    if (!adj) {
      this.pos[row] = (this.pos[row] as number) + varintLength(gap) + varintLength(count);
      this.entries++;
      return;
    }
    this.pos[row] = writeVarint(adj.bytes, writeVarint(adj.bytes, this.pos[row] as number, gap), count);
  }

  /** Ends the first pass: places the rows. */
  layout(): void {
    const n = this.nTerms;
    const set = termSet(n, (t) => (this.pos[t] as number) > 0);
    const rows = set.base[set.base.length - 1] as number;
    const start = new Int32Array(rows + 1);
    let r = 0;
    let total = 0;
    for (let t = 0; t < n; t++) {
      const len = this.pos[t] as number;
      if (len === 0) continue;
      start[r++] = total;
      this.pos[t] = total;
      total += len;
    }
    start[rows] = total;
    this.prev.fill(0);
    this.adj = { rows: set, start, bytes: new Uint8Array(total), entries: this.entries };
  }

  finish(): PairAdjacency {
    const adj = this.adj as PairAdjacency;
    this.adj = null;
    return adj;
  }
}

/** A bulk build's pair counts as plain values, which another thread can hand over (see PairTable.counts). */
export interface PairCounts {
  /** the cells of the IntPairMap of (min, max) word ids → count (see IntPairMap.raw) */
  cells: Int32Array;
  /** distinct pairs with a non-zero count: the map's entries (a bulk build only adds) */
  count: number;
  /** pair occurrences */
  occurrences: number;
}

/**
 * The pair table behind the x-embeddings: single words 1..window positions apart in a sentence of an entity's own
 * text, counted per occurrence. While an index is built in bulk, a map of unordered (min, max) word ids → count
 * holds it; its adjacency in both directions (CSR) is derived once it is read, and the map is then let go. Later
 * changes (an entity added or removed) go to a small overlay of count changes per word beside the adjacency, so a
 * change costs what it touches, not a rebuild of the adjacency; the overlay is folded in when it grows to an eighth
 * of the adjacency, or when a snapshot is written. A snapshot holds the adjacency only.
 */
export class PairTable {
  private map: IntPairMap | null = new IntPairMap(1 << 14);
  private csr: PairAdjacency | null = null;
  /** count changes since the adjacency was derived: word → other word → change (both directions) */
  private overlay = new Map<number, Map<number, number>>();
  private overlayEntries = 0;
  /** distinct pairs with a non-zero count */
  count = 0;
  /** pair occurrences */
  occurrences = 0;

  constructor(readonly window: number) {}

  /** Room for `extra` more pairs, so a bulk build does not rehash. */
  reserve(extra: number): void {
    this.thaw().reserve(this.count + extra);
  }

  /** Adds or subtracts the pairs of one sentence's kept words. */
  addSentence(words: readonly number[], sign: 1 | -1): void {
    this.addWords(words, 0, words.length, sign);
  }

  /**
   * Adds the pairs of an entity's own text from its token stream (see LexIndex.streamOf: a marker −(field + 1), then
   * a sentence's word ids): the sentences of the fields addSentence is given (not anchors, categories nor tags), so
   * a bulk build counts them from the streams it hands its run counter, on that counter's thread.
   */
  addOwnStream(stream: Int32Array): void {
    const n = stream.length;
    for (let i = 0; i < n; ) {
      const field = -(stream[i] as number) - 1;
      let end = i + 1;
      while (end < n && (stream[end] as number) >= 0) end++;
      if (field !== F_ANCHOR && field !== F_CATEGORY && field !== F_TAGS) this.addWords(stream, i + 1, end, 1);
      i = end;
    }
  }

  private addWords(words: ArrayLike<number>, from: number, to: number, sign: 1 | -1): void {
    const win = this.window;
    const pm = this.map;
    for (let i = from; i < to; i++) {
      const a = words[i] as number;
      for (let j = i + 1; j <= i + win && j < to; j++) {
        const b = words[j] as number;
        if (a === b) continue;
        const before = pm ? (a < b ? pm.add(a, b, sign) : pm.add(b, a, sign)) : this.patch(a, b, sign);
        const after = before + sign;
        if (before === 0 && after > 0) this.count++;
        else if (before > 0 && after === 0) this.count--;
        this.occurrences += sign;
      }
    }
  }

  /** Records a count change of (a, b) in the overlay; returns the count before it. */
  private patch(a: number, b: number, sign: 1 | -1): number {
    const before = this.countOf(a, b);
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      let row = this.overlay.get(x);
      if (!row) {
        row = new Map();
        this.overlay.set(x, row);
      }
      const v = (row.get(y) ?? 0) + sign;
      if (v === 0) {
        row.delete(y);
        this.overlayEntries--;
        if (!row.size) this.overlay.delete(x);
      } else {
        if (!row.has(y)) this.overlayEntries++;
        row.set(y, v);
      }
    }
    return before;
  }

  /** The count of pair (a, b): its adjacency entry and its overlay change. */
  private countOf(a: number, b: number): number {
    return pairCount(this.csr as PairAdjacency, a, b) + (this.overlay.get(a)?.get(b) ?? 0);
  }

  /**
   * Calls `fn(u, count)` for every word paired with `t` (count > 0): its adjacency row with the overlay's changes,
   * then the pairs only the overlay holds.
   */
  forEachOf(t: number, nTerms: number, fn: (u: number, count: number) => void): void {
    const adj = this.adjacency(nTerms, false);
    const extra = this.overlay.get(t);
    if (!extra) {
      forEachPair(adj, t, fn);
      return;
    }
    const inRow = new Set<number>();
    forEachPair(adj, t, (u, count) => {
      inRow.add(u);
      const c = count + (extra.get(u) ?? 0);
      if (c > 0) fn(u, c);
    });
    for (const [u, d] of extra) if (d > 0 && !inRow.has(u)) fn(u, d);
  }

  /** The pair map with every change folded in; the adjacency and the overlay are let go. */
  private thaw(): IntPairMap {
    if (this.map) return this.map;
    const csr = this.csr as PairAdjacency;
    const m = new IntPairMap(Math.max(1024, (csr.entries >> 1) + this.overlayEntries));
    for (let t = 0; t < csr.rows.nTerms; t++) {
      forEachPair(csr, t, (u, c) => {
        if (t < u) m.set(t, u, c);
      });
    }
    for (const [t, row] of this.overlay) {
      for (const [u, d] of row) {
        if (t >= u) continue;
        m.add(t, u, d);
      }
    }
    this.map = m;
    this.csr = null;
    this.overlay = new Map();
    this.overlayEntries = 0;
    return m;
  }

  /**
   * Adjacency of the pair table (both directions) over `nTerms` terms. With `settled` (the default) every change is
   * folded in first; else the overlay may hold changes not in it (see forEachOf), until it grows to an eighth of it.
   * Words newer than it have empty rows.
   */
  adjacency(nTerms: number, settled = true): PairAdjacency {
    const csr = this.csr;
    if (csr && !settled && this.overlayEntries * 8 <= csr.entries) return csr;
    if (csr && this.overlayEntries === 0) return csr;
    const pm = this.thaw();
    const n = nTerms;
    // an unordered adjacency first (offsets per term, Int32 entries), only while the rows are written
    const deg = new Int32Array(n + 1);
    pm.forEach((x, y) => {
      deg[x] = (deg[x] as number) + 1;
      deg[y] = (deg[y] as number) + 1;
    });
    const off = new Int32Array(n + 1);
    for (let t = 0; t < n; t++) off[t + 1] = (off[t] as number) + 2 * (deg[t] as number);
    const fill = off.slice(0, n);
    const data = new Int32Array(off[n] as number);
    pm.forEach((x, y, c) => {
      const fx = fill[x] as number;
      data[fx] = y;
      data[fx + 1] = c;
      fill[x] = fx + 2;
      const fy = fill[y] as number;
      data[fy] = x;
      data[fy + 1] = c;
      fill[y] = fy + 2;
    });
    // the pairs are symmetric: walking rows y in ascending order and putting y into the row of each x paired with
    // it gives every row its words in ascending order
    const w = new PairAdjacencyWriter(n);
    for (let pass = 0; pass < 2; pass++) {
      for (let y = 0; y < n; y++) {
        const to = off[y + 1] as number;
        for (let i = off[y] as number; i < to; i += 2) w.put(data[i] as number, y, data[i + 1] as number);
      }
      if (pass === 0) w.layout();
    }
    this.csr = w.finish();
    // the adjacency now holds every pair: changes go to the overlay, and the map is let go
    this.map = null;
    return this.csr;
  }

  /**
   * The bulk build's counts (the table must still count in its map, see `reserve`), handed over whole: the table is
   * not used afterwards (see `adopt`).
   */
  counts(): PairCounts {
    if (!this.map) throw new Error('pair table: counts() of a table past its bulk build');
    const { cells } = this.map.raw();
    this.map = null;
    return { cells, count: this.count, occurrences: this.occurrences };
  }

  /** Takes a bulk build's counts (see `counts`, made on this thread or another) in place of what it counted. */
  adopt(c: PairCounts): void {
    this.map = IntPairMap.fromRaw({ cells: c.cells, size: c.count });
    this.csr = null;
    this.overlay = new Map();
    this.overlayEntries = 0;
    this.count = c.count;
    this.occurrences = c.occurrences;
  }

  /** Takes the adjacency and counters of a snapshot (see IndexState). */
  restore(adj: PairAdjacency, count: number, occurrences: number): void {
    this.map = null;
    this.csr = adj;
    this.overlay = new Map();
    this.overlayEntries = 0;
    this.count = count;
    this.occurrences = occurrences;
  }
}
