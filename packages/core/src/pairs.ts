import { IntPairMap } from './intmap';
import type { IndexState } from './serialize';

/** Adjacency of the pair table: per word t, (other word, count) at data[off[t] .. off[t + 1]). */
export interface PairAdjacency {
  off: Int32Array;
  data: Int32Array;
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
    const n = words.length;
    const win = this.window;
    const pm = this.map;
    for (let i = 0; i < n; i++) {
      const a = words[i] as number;
      for (let j = i + 1; j <= i + win && j < n; j++) {
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

  /** The count of pair (a, b): its adjacency entry (searched in the shorter row) and its overlay change. */
  private countOf(a: number, b: number): number {
    const csr = this.csr as PairAdjacency;
    const la = (csr.off[a + 1] ?? 0) - (csr.off[a] ?? 0);
    const lb = (csr.off[b + 1] ?? 0) - (csr.off[b] ?? 0);
    const [x, y] = la <= lb ? [a, b] : [b, a];
    let c = 0;
    const to = csr.off[x + 1] ?? 0;
    for (let i = csr.off[x] ?? 0; i < to; i += 2) {
      if (csr.data[i] === y) {
        c = csr.data[i + 1] as number;
        break;
      }
    }
    return c + (this.overlay.get(a)?.get(b) ?? 0);
  }

  /**
   * Calls `fn(u, count)` for every word paired with `t` (count > 0): its adjacency row with the overlay's changes,
   * then the pairs only the overlay holds.
   */
  forEachOf(t: number, nTerms: number, fn: (u: number, count: number) => void): void {
    const adj = this.adjacency(nTerms, false);
    const extra = this.overlay.get(t);
    const to = adj.off[t + 1] ?? 0;
    for (let i = adj.off[t] ?? 0; i < to; i += 2) {
      const u = adj.data[i] as number;
      const c = (adj.data[i + 1] as number) + (extra?.get(u) ?? 0);
      if (c > 0) fn(u, c);
    }
    if (!extra) return;
    for (const [u, d] of extra) {
      if (d <= 0) continue;
      let inRow = false;
      for (let i = adj.off[t] ?? 0; i < to && !inRow; i += 2) inRow = adj.data[i] === u;
      if (!inRow) fn(u, d);
    }
  }

  /** The pair map with every change folded in; the adjacency and the overlay are let go. */
  private thaw(): IntPairMap {
    if (this.map) return this.map;
    const csr = this.csr as PairAdjacency;
    const m = new IntPairMap(Math.max(1024, (csr.data.length >> 2) + this.overlayEntries));
    for (let t = 0; t + 1 < csr.off.length; t++) {
      for (let i = csr.off[t] as number; i < (csr.off[t + 1] as number); i += 2) {
        const u = csr.data[i] as number;
        if (t < u) m.set(t, u, csr.data[i + 1] as number);
      }
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
   * folded in first; else the overlay may hold changes not in it (see forEachOf), until it grows to an eighth of it,
   * and words newer than it have empty rows.
   */
  adjacency(nTerms: number, settled = true): PairAdjacency {
    const csr = this.csr;
    if (csr && !settled && this.overlayEntries * 8 <= csr.data.length / 2) return csr;
    if (csr && this.overlayEntries === 0 && csr.off.length === nTerms + 1) return csr;
    const pm = this.thaw();
    const n = nTerms;
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
    this.csr = { off, data };
    // the adjacency now holds every pair: changes go to the overlay, and the map is let go
    this.map = null;
    return this.csr;
  }

  /** Takes the adjacency and counters of a snapshot. */
  restore(s: IndexState): void {
    this.map = null;
    this.csr = { off: s.pairOff, data: s.pairData };
    this.overlay = new Map();
    this.overlayEntries = 0;
    this.count = s.counters.pairCount;
    this.occurrences = s.counters.pairOccurrences;
  }
}
