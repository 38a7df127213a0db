import { IntPairMap } from './intmap';
import type { IndexState } from './serialize';

/** Adjacency of the pair table: per word t, (other word, count) at data[off[t] .. off[t + 1]). */
export interface PairAdjacency {
  off: Int32Array;
  data: Int32Array;
}

/**
 * The pair table behind the x-embeddings: single words 1..window positions apart in a sentence of an entity's own
 * text, counted per occurrence. The map of unordered (min, max) word ids → count is authoritative when present; its
 * adjacency in both directions (CSR) is derived and cached until the next change. A snapshot holds the adjacency
 * only; the map is rebuilt from it on the first change.
 */
export class PairTable {
  private map: IntPairMap | null = new IntPairMap(1 << 14);
  private csr: PairAdjacency | null = null;
  /** distinct pairs with a non-zero count */
  count = 0;
  /** pair occurrences */
  occurrences = 0;

  constructor(private readonly window: number) {}

  /** Room for `extra` more pairs, so a bulk build does not rehash. */
  reserve(extra: number): void {
    this.thaw().reserve(this.count + extra);
  }

  /** Adds or subtracts the pairs of one sentence's kept words. */
  addSentence(words: readonly number[], sign: 1 | -1): void {
    const n = words.length;
    const win = this.window;
    const pm = this.thaw();
    this.csr = null;
    for (let i = 0; i < n; i++) {
      const a = words[i] as number;
      for (let j = i + 1; j <= i + win && j < n; j++) {
        const b = words[j] as number;
        if (a === b) continue;
        const before = a < b ? pm.add(a, b, sign) : pm.add(b, a, sign);
        const after = before + sign;
        if (before === 0 && after > 0) this.count++;
        else if (before > 0 && after === 0) this.count--;
        this.occurrences += sign;
      }
    }
  }

  /** The authoritative pair map; rebuilt from the CSR form after a snapshot load. */
  private thaw(): IntPairMap {
    if (this.map) return this.map;
    const csr = this.csr as PairAdjacency;
    const m = new IntPairMap(Math.max(1024, csr.data.length >> 2));
    for (let t = 0; t + 1 < csr.off.length; t++) {
      for (let i = csr.off[t] as number; i < (csr.off[t + 1] as number); i += 2) {
        const u = csr.data[i] as number;
        if (t < u) m.set(t, u, csr.data[i + 1] as number);
      }
    }
    this.map = m;
    return m;
  }

  /** Adjacency of the pair table (both directions) over `nTerms` terms, derived and cached until the next change. */
  adjacency(nTerms: number): PairAdjacency {
    if (this.csr && this.csr.off.length >= 1) return this.csr;
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
    return this.csr;
  }

  /** Takes the adjacency and counters of a snapshot (the map is rebuilt on the first change). */
  restore(s: IndexState): void {
    this.map = null;
    this.csr = { off: s.pairOff, data: s.pairData };
    this.count = s.counters.pairCount;
    this.occurrences = s.counters.pairOccurrences;
  }
}
