/** Growable column of 32-bit integers: a typed array with a length, doubled when it fills up. */
export class IntColumn {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  /**
   * A column holding `a`: an array that owns its whole buffer (a snapshot decoder's) is taken as it is, with no copy
   * (the caller hands it over); a view into a larger buffer is copied, and so is `a` when `room` more values are asked.
   */
  static from(a: Int32Array, room = 0): IntColumn {
    if (room > 0) {
      // room for `room` more values: a loaded index's first changes then append without copying every column
      const c = new IntColumn(a.length + room);
      c.data.set(a);
      c.length = a.length;
      return c;
    }
    if (a.length > 0 && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) {
      const c = new IntColumn(0);
      c.data = a;
      c.length = a.length;
      return c;
    }
    const c = new IntColumn(Math.max(16, a.length));
    c.data.set(a);
    c.length = a.length;
    return c;
  }
  grow(n: number): void {
    if (n <= this.data.length) return;
    // a column made empty (capacity 0) doubles from 16
    let cap = Math.max(16, this.data.length * 2);
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
