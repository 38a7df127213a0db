/**
 * A hash map from pairs of non-negative 31-bit integers to 32-bit integers: open addressing with linear probing over
 * typed arrays, deletion by backward shift (no tombstones). It stores the multi-token trie and the pair counts,
 * where a JS Map with number keys above 2^31 would hash heap numbers and allocate per entry.
 */
export class IntPairMap {
  private ka: Int32Array;
  private kb: Int32Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.ka = new Int32Array(cap).fill(-1);
    this.kb = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.mask;
  }

  /** Makes room for `n` entries in all, so that filling it up to `n` never rehashes. */
  reserve(n: number): void {
    let cap = this.ka.length;
    while (cap < n * 2) cap *= 2;
    if (cap > this.ka.length) this.resize(cap);
  }

  /** The value for (a, b), or `missing` when absent. */
  get(a: number, b: number, missing = -1): number {
    let i = this.slot(a, b);
    const ka = this.ka;
    for (;;) {
      const x = ka[i] as number;
      if (x === -1) return missing;
      if (x === a && this.kb[i] === b) return this.vals[i] as number;
      i = (i + 1) & this.mask;
    }
  }

  set(a: number, b: number, v: number): void {
    if ((this.size + 1) * 2 > this.ka.length) this.resize(this.ka.length * 2);
    let i = this.slot(a, b);
    for (;;) {
      const x = this.ka[i] as number;
      if (x === -1) {
        this.ka[i] = a;
        this.kb[i] = b;
        this.vals[i] = v;
        this.size++;
        return;
      }
      if (x === a && this.kb[i] === b) {
        this.vals[i] = v;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Adds delta to the value of (a, b) (absent = 0); removes the entry when it reaches 0. Returns [before, after]. */
  add(a: number, b: number, delta: number): [number, number] {
    const before = this.get(a, b, 0);
    const after = before + delta;
    if (after === 0) {
      if (before !== 0) this.delete(a, b);
    } else this.set(a, b, after);
    return [before, after];
  }

  delete(a: number, b: number): boolean {
    let i = this.slot(a, b);
    for (;;) {
      const x = this.ka[i] as number;
      if (x === -1) return false;
      if (x === a && this.kb[i] === b) break;
      i = (i + 1) & this.mask;
    }
    // backward-shift deletion keeps every probe chain unbroken
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const x = this.ka[j] as number;
      if (x === -1) break;
      const home = this.slot(x, this.kb[j] as number);
      // move j into the hole at i when its home is not in the cyclic range (i, j]
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        this.ka[i] = x;
        this.kb[i] = this.kb[j] as number;
        this.vals[i] = this.vals[j] as number;
        i = j;
      }
    }
    this.ka[i] = -1;
    this.size--;
    return true;
  }

  forEach(fn: (a: number, b: number, v: number) => void): void {
    for (let i = 0; i < this.ka.length; i++) {
      const a = this.ka[i] as number;
      if (a !== -1) fn(a, this.kb[i] as number, this.vals[i] as number);
    }
  }

  private resize(cap: number): void {
    const { ka, kb, vals } = this;
    this.ka = new Int32Array(cap).fill(-1);
    this.kb = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < ka.length; i++) if ((ka[i] as number) !== -1) this.set(ka[i] as number, kb[i] as number, vals[i] as number);
  }
}
