/**
 * A hash map from pairs of non-negative 31-bit integers to 32-bit integers: open addressing with linear probing over
 * one typed array, deletion by backward shift (no tombstones). It stores the multi-token trie and the pair counts,
 * where a JS Map with number keys above 2^31 would hash heap numbers and allocate per entry.
 *
 * Layout: entry i occupies cells [4i, 4i+4) = (a, b, value, unused); a = −1 marks a free entry. Keys and value
 * of an entry share a 16-byte block, so a probe touches one cache line instead of three arrays.
 */
/**
 * Highest share of entries in use before the table doubles. At 0.75 a lookup probes about 2.5 entries (4 blocks of 16
 * bytes at most on average for a miss), and a trie of 2.75 M multi-tokens takes 64 MB instead of 128 MB at 0.5.
 */
const MAX_LOAD = 0.75;

export class IntPairMap {
  private cells: Int32Array;
  /** entries − 1 (entries is a power of two) */
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap * MAX_LOAD < capacity) cap *= 2;
    this.cells = IntPairMap.empty(cap);
    this.mask = cap - 1;
  }

  /**
   * The map whose cells are `cells` (of another map's `raw()`, e.g. filled on another thread and transferred),
   * owned from then on.
   */
  static fromRaw(raw: { cells: Int32Array; size: number }): IntPairMap {
    const entries = raw.cells.length >> 2;
    if (entries < 16 || (entries & (entries - 1)) !== 0 || raw.cells.length !== entries * 4 || raw.size > entries * MAX_LOAD) {
      throw new RangeError(`not the cells of an IntPairMap: ${raw.cells.length} cells holding ${raw.size} entries`);
    }
    const m = new IntPairMap(0);
    m.cells = raw.cells;
    m.mask = entries - 1;
    m.size = raw.size;
    return m;
  }

  /** The map's cells and size as they are (see fromRaw): the map must not be used after they are handed over. */
  raw(): { cells: Int32Array; size: number } {
    return { cells: this.cells, size: this.size };
  }

  private static empty(entries: number): Int32Array {
    const c = new Int32Array(entries * 4);
    // (−1, 0, 0, 0) repeated: doubling copies run at memory speed, where a loop over millions of cells took seconds
    c[0] = -1;
    for (let filled = 4; filled < c.length; filled *= 2) c.copyWithin(filled, 0, Math.min(filled, c.length - filled));
    return c;
  }

  private home(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.mask;
  }

  /** Cell offset of (a, b), or of the free entry where it would go. */
  private find(a: number, b: number): number {
    const c = this.cells;
    let i = this.home(a, b);
    for (;;) {
      const o = i << 2;
      const x = c[o] as number;
      if (x === -1 || (x === a && c[o + 1] === b)) return o;
      i = (i + 1) & this.mask;
    }
  }

  /** Makes room for `n` entries in all, so that filling it up to `n` never rehashes. */
  reserve(n: number): void {
    let cap = this.mask + 1;
    while (cap * MAX_LOAD < n) cap *= 2;
    if (cap > this.mask + 1) this.resize(cap);
  }

  /** The value for (a, b), or `missing` when absent. */
  get(a: number, b: number, missing = -1): number {
    const o = this.find(a, b);
    return this.cells[o] === -1 ? missing : (this.cells[o + 2] as number);
  }

  set(a: number, b: number, v: number): void {
    let o = this.find(a, b);
    if (this.cells[o] === -1) {
      if (this.size + 1 > (this.mask + 1) * MAX_LOAD) {
        this.resize((this.mask + 1) * 2);
        o = this.find(a, b);
      }
      this.cells[o] = a;
      this.cells[o + 1] = b;
      this.size++;
    }
    this.cells[o + 2] = v;
  }

  /** The value of (a, b); when absent, stores `v` and returns it. One probe sequence either way. */
  getOrSet(a: number, b: number, v: number): number {
    const o = this.find(a, b);
    if (this.cells[o] !== -1) return this.cells[o + 2] as number;
    this.set(a, b, v);
    return v;
  }

  /** Adds delta to the value of (a, b) (absent = 0); removes the entry when it reaches 0. Returns the value before. */
  add(a: number, b: number, delta: number): number {
    const o = this.find(a, b);
    const c = this.cells;
    if (c[o] === -1) {
      if (delta !== 0) this.set(a, b, delta);
      return 0;
    }
    const before = c[o + 2] as number;
    if (before + delta === 0) this.delete(a, b);
    else c[o + 2] = before + delta;
    return before;
  }

  delete(a: number, b: number): boolean {
    const c = this.cells;
    let i = this.find(a, b) >> 2;
    if (c[i << 2] === -1) return false;
    // backward-shift deletion keeps every probe chain unbroken
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const x = c[j << 2] as number;
      if (x === -1) break;
      const home = this.home(x, c[(j << 2) + 1] as number);
      // move j into the hole at i when its home is not in the cyclic range (i, j]
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        c[i << 2] = x;
        c[(i << 2) + 1] = c[(j << 2) + 1] as number;
        c[(i << 2) + 2] = c[(j << 2) + 2] as number;
        i = j;
      }
    }
    c[i << 2] = -1;
    this.size--;
    return true;
  }

  forEach(fn: (a: number, b: number, v: number) => void): void {
    const c = this.cells;
    for (let o = 0; o < c.length; o += 4) {
      const a = c[o] as number;
      if (a !== -1) fn(a, c[o + 1] as number, c[o + 2] as number);
    }
  }

  private resize(entries: number): void {
    const old = this.cells;
    this.cells = IntPairMap.empty(entries);
    this.mask = entries - 1;
    this.size = 0;
    for (let o = 0; o < old.length; o += 4) if ((old[o] as number) !== -1) this.set(old[o] as number, old[o + 1] as number, old[o + 2] as number);
  }
}
