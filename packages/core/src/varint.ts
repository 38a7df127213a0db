/** Unsigned LEB128 varints, as the snapshot's sections, the pair rows and the built postings hold them. */

/** Bytes of `v` (0 .. 2^32 − 1) as a varint. */
export function varintLength(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
}

/** Writes `v` (0 .. 2^32 − 1) as a varint at b[p]; returns the position after it. */
export function writeVarint(b: Uint8Array, p: number, v: number): number {
  let x = v >>> 0;
  let o = p;
  while (x >= 0x80) {
    b[o++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  b[o++] = x;
  return o;
}
