/** A typed array with a length, doubled when it fills up (a column made empty, capacity 0, doubles from 16). */
abstract class GrowableColumn<A extends Int32Array | Uint16Array | Uint8Array> {
  length = 0;
  constructor(public data: A) {}
  /** A zeroed array of the column's type. */
  protected abstract make(capacity: number): A;
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = Math.max(16, this.data.length * 2);
    while (cap < n) cap *= 2;
    const d = this.make(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  /** Appends `n` zeros. */
  extend(n: number): void {
    this.grow(this.length + n);
    this.length += n;
  }
}

/** Growable column of 32-bit integers. */
export class IntColumn extends GrowableColumn<Int32Array> {
  constructor(capacity = 1024) {
    super(new Int32Array(capacity));
  }
  protected make(capacity: number): Int32Array {
    return new Int32Array(capacity);
  }
  /**
   * A column holding `a`: an array that owns its whole buffer, or a view at the start of a buffer with room for `room`
   * more values (a snapshot decoder's), is taken as it is, with no copy (the caller hands it over); any other view is
   * copied, and so is `a` when `room` more values are asked and its buffer has not that room.
   */
  static from(a: Int32Array, room = 0): IntColumn {
    if (room > 0 && a.byteOffset === 0 && a.buffer.byteLength >= (a.length + room) * 4) {
      // a view at the start of an array with the room asked (a snapshot decoder's): the array is taken
      const c = new IntColumn(0);
      c.data = new Int32Array(a.buffer);
      c.length = a.length;
      return c;
    }
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
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Growable column of bytes (values 0..255). */
export class ByteColumn extends GrowableColumn<Uint8Array> {
  constructor(capacity = 1024) {
    super(new Uint8Array(capacity));
  }
  protected make(capacity: number): Uint8Array {
    return new Uint8Array(capacity);
  }
}

/** The 16-bit value that stands for a count kept in a CountColumn's map. */
const WIDE = 0xffff;

/**
 * Growable column of non-negative counts below 2^31, two bytes each: a count from 0xffff up is kept in a map beside
 * the column (which holds 0xffff for it), so read and write through `get` and `set`, not `data`. Document frequencies
 * and occurrences are small for nearly every term (a multi-token is held by a few entities), so the map holds a few
 * hundred common words where an Int32 column spent four bytes on every term.
 */
export class CountColumn extends GrowableColumn<Uint16Array> {
  private readonly wide = new Map<number, number>();
  constructor(capacity = 1024) {
    super(new Uint16Array(capacity));
  }
  protected make(capacity: number): Uint16Array {
    return new Uint16Array(capacity);
  }
  /** The count at `i` (0 past the end). */
  get(i: number): number {
    const v = this.data[i] ?? 0;
    return v === WIDE ? (this.wide.get(i) as number) : v;
  }
  set(i: number, v: number): void {
    if (v < 0 || v > 0x7fffffff) throw new RangeError(`index invariant broken: count ${v} out of range at ${i}`);
    if (v >= WIDE) {
      this.data[i] = WIDE;
      this.wide.set(i, v);
      return;
    }
    if (this.data[i] === WIDE) this.wide.delete(i);
    this.data[i] = v;
  }
  /** The counts as an Int32Array of `length` values (a copy). */
  toInt32(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }
}
