/** Growable column of 32-bit integers: a typed array with a length, doubled when it fills up. */
export class IntColumn {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  static from(a: Int32Array): IntColumn {
    const c = new IntColumn(Math.max(16, a.length));
    c.data.set(a);
    c.length = a.length;
    return c;
  }
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < n) cap *= 2;
    const d = new Int32Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  /** Appends `n` zeros. */
  extend(n: number): void {
    this.grow(this.length + n);
    this.length += n;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
