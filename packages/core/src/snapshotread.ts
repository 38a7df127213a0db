import { SnapshotError } from './errors';
import type { CountColumn } from './intcolumn';
import type { PairAdjacencyWriter } from './pairs';
import { FIELD_COUNT } from './params';
import type { EntitySlots } from './slots';
import { TRIE_MARK_EVERY } from './trie';

/**
 * Readers of a snapshot's sections and the loops that decode them (see `decodeIndexStateSteps` in serialize.ts). Each
 * loop is a plain function that the stepwise decode calls once per step: a loop inside a generator that is resumed a
 * few thousand times stays in V8's unoptimized code, where these ran two to three times slower.
 */

/** Reads a section of UTF-8 lines (one item a line, each ended by a newline) one line at a time. */
export class LineReader {
  private readonly dec = new TextDecoder('utf-8', { fatal: true });
  constructor(
    private readonly buf: Uint8Array,
    private p: number,
    private readonly end: number,
    private readonly section: string,
  ) {}
  /** The next line, or null at the end of the section. */
  next(): string | null {
    if (this.p >= this.end) return null;
    // an empty line (most of the terms section: multi-tokens have no key of their own) needs no search nor decoder
    if (this.p < this.end && this.buf[this.p] === 0x0a) {
      this.p++;
      return '';
    }
    const nl = this.buf.indexOf(0x0a, this.p);
    if (nl < 0 || nl >= this.end) throw new SnapshotError(`index snapshot is corrupt (section ${this.section} does not end with a newline)`);
    let text: string;
    try {
      text = this.dec.decode(this.buf.subarray(this.p, nl));
    } catch {
      throw new SnapshotError(`index snapshot is corrupt (section ${this.section} is not UTF-8)`);
    }
    this.p = nl + 1;
    return text;
  }
  done(): void {
    if (this.p !== this.end) throw new SnapshotError(`index snapshot is corrupt (section ${this.section} has trailing lines)`);
  }
}

/**
 * Reads a section's varints in place: `u()` is small enough to be inlined into the decoding loops, and a value below
 * 0x80 (most of them) costs one byte read and one comparison.
 */
export class VarReader {
  constructor(
    private readonly buf: Uint8Array,
    public p: number,
    private readonly end: number,
    private readonly section: string,
  ) {}
  u(): number {
    const b = this.buf;
    let p = this.p;
    if (p >= this.end) this.truncated();
    let c = b[p++] as number;
    if (c < 0x80) {
      this.p = p;
      return c;
    }
    let x = c & 0x7f;
    for (let shift = 7; ; shift += 7) {
      if (p >= this.end) this.truncated();
      c = b[p++] as number;
      // every stored value is below 2^31: bit operations suffice, and a fifth byte adds bits 28..30
      x |= (c & 0x7f) << shift;
      if (c < 0x80) break;
    }
    this.p = p;
    return x;
  }
  /** Whether every byte of the section was read. */
  atEnd(): boolean {
    return this.p >= this.end;
  }
  /** Skips `n` varints (each ends with a byte below 0x80). */
  skip(n: number): void {
    const b = this.buf;
    let p = this.p;
    for (let left = n; left > 0; p++) {
      if (p >= this.end) this.truncated();
      if ((b[p] as number) < 0x80) left--;
    }
    this.p = p;
  }
  private truncated(): never {
    throw new SnapshotError(`index snapshot is truncated (section ${this.section})`);
  }
  done(): void {
    if (this.p !== this.end) throw new SnapshotError(`index snapshot is corrupt (section ${this.section} has trailing bytes)`);
  }
}

/**
 * Reads up to `max` lines of the words section, the keys of terms `t` on (a single word's key into `keys`, an empty
 * line for a multi-token); returns the term after the last line read.
 */
export function readWordLines(r: LineReader, keys: Map<number, string>, t: number, max: number): number {
  for (let i = 0; i < max; i++) {
    const line = r.next();
    if (line === null) break;
    if (line !== '') keys.set(t, line);
    t++;
  }
  return t;
}

/** Reads the terms section's entries of terms [from, to) into the columns. */
export function readTerms(r: VarReader, from: number, to: number, parent: Int32Array, lastWord: Int32Array, df: CountColumn, cnt: CountColumn): void {
  for (let t = from; t < to; t++) {
    const gap = r.u();
    if (gap === 0) {
      parent[t] = -1;
      lastWord[t] = -1;
    } else {
      parent[t] = t - gap;
      lastWord[t] = r.u();
    }
    df.set(t, r.u());
    cnt.set(t, r.u());
  }
}

/**
 * Reads the `trie` section's entries of terms [from, to) of `nTerms` (see PackedChildLists in trie.ts), noting where
 * every TRIE_MARK_EVERY-th term's starts in `mark` and how many children the terms before it have in `kidMark`, and
 * counting the children in `at.k`. Each child is checked to be a term after its parent, not to be the child of its
 * parent in the columns: that reads the columns in a scattered order and took as long as making the lists.
 */
export function readChildMarks(
  r: VarReader,
  from: number,
  to: number,
  nTerms: number,
  multi: number,
  mark: Int32Array,
  kidMark: Int32Array,
  at: { k: number },
): void {
  let k = at.k;
  for (let p = from; p < to; p++) {
    if (p % TRIE_MARK_EVERY === 0) {
      mark[p / TRIE_MARK_EVERY] = r.p;
      kidMark[p / TRIE_MARK_EVERY] = k;
    }
    const n = r.u();
    k += n;
    if (k > multi) throw new SnapshotError('index snapshot is corrupt (section trie holds more children than multi-tokens)');
    for (let i = 0; i < n; i++) {
      const gap = r.u();
      if (gap === 0 || p + gap >= nTerms) throw new SnapshotError('index snapshot is corrupt (section trie names an unknown term)');
    }
  }
  at.k = k;
}

/**
 * Where a pass over the single words' postings and pairs is: the next term, word rank and postings byte, in the
 * postings section bytes[from .. to).
 */
export interface PostingScan {
  t: number;
  word: number;
  o: number;
  from: number;
  to: number;
}

/**
 * One step of the first pass over the postings and pairs: from term `scan.t` on, each single word's postings offset
 * (found by counting the bytes that end a varint) and, from a format 5 `par`, its pairs measured into `w`, until
 * `step` terms or as many postings and pairs are done (one word's list can be long).
 */
export function scanPostingsAndPairs(
  step: number,
  scan: PostingScan,
  bytes: Uint8Array,
  postStart: Int32Array,
  parent: Int32Array,
  df: CountColumn,
  par: VarReader | null,
  w: PairAdjacencyWriter,
): void {
  const nTerms = parent.length;
  let { t, word, o } = scan;
  const { from, to } = scan;
  let work = 0;
  for (; t < nTerms && work < step; t++) {
    work++;
    if ((parent[t] as number) >= 0) continue;
    postStart[word++] = o - from;
    const n = df.get(t);
    for (let ends = 3 * n; ends > 0; o++) {
      if (o >= to) throw new SnapshotError('index snapshot is truncated (section postings)');
      if ((bytes[o] as number) < 0x80) ends--;
    }
    work += n + (par ? readPairs(par, t, nTerms, w) : 0);
  }
  scan.t = t;
  scan.word = word;
  scan.o = o;
}

/** The second pass over the pairs: the rows of the single words among terms [from, to) written into `w`. */
export function readPairRows(par: VarReader, from: number, to: number, parent: Int32Array, w: PairAdjacencyWriter): void {
  const nTerms = parent.length;
  for (let t = from; t < to; t++) if ((parent[t] as number) < 0) readPairs(par, t, nTerms, w);
}

/**
 * Reads the row lengths of the single words among terms [at.t, to) from the pairRows section into `len`, by their
 * rank (from `at.word` on); `at` then names the next term and rank.
 */
export function readRowLengths(r: VarReader, at: { t: number; word: number }, to: number, parent: Int32Array, len: Int32Array): void {
  let word = at.word;
  for (let t = at.t; t < to; t++) if ((parent[t] as number) < 0) len[word++] = r.u();
  at.t = to;
  at.word = word;
}

/** The offset of each row (of length > 0 in `len`, in word order) and, last, their total: `n` values in all. */
export function rowStarts(len: Int32Array, n: number): Int32Array {
  const start = new Int32Array(n);
  let total = 0;
  let r = 0;
  for (let i = 0; i < len.length; i++) {
    const l = len[i] as number;
    if (l === 0) continue;
    start[r++] = total;
    total += l;
  }
  start[r] = total;
  return start;
}

/**
 * Finds where the token stream of each live slot in [from, to) starts in the streams section (`start[slot]`; a free
 * slot's stays as it was), skipping its values, and reads its field lengths into `lengths`.
 */
export function readStreamStarts(sr: VarReader, lr: VarReader, slots: EntitySlots, from: number, to: number, start: Float64Array, lengths: Int32Array): void {
  for (let slot = from; slot < to; slot++) {
    if (!slots.has(slot)) continue;
    start[slot] = sr.p;
    sr.skip(sr.u());
    for (let f = 0; f < FIELD_COUNT; f++) lengths[slot * FIELD_COUNT + f] = lr.u();
  }
}

/**
 * Format 7 on: reads the byte length of each live slot's stream in [from, to) after its field lengths (into
 * `lengths`), and sets `start[slot]` from `at` on; returns the position after the last stream.
 */
export function readStreamSpans(lr: VarReader, slots: EntitySlots, from: number, to: number, start: Float64Array, lengths: Int32Array, at: number): number {
  let p = at;
  for (let slot = from; slot < to; slot++) {
    if (!slots.has(slot)) continue;
    for (let f = 0; f < FIELD_COUNT; f++) lengths[slot * FIELD_COUNT + f] = lr.u();
    start[slot] = p;
    p += lr.u();
  }
  return p;
}

/** Reads the byte lengths of rows [from, to) and sets the start of each next one: start[i + 1] = start[i] + length. */
export function readRowStarts(r: VarReader, start: Int32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) start[i + 1] = (start[i] as number) + r.u();
}

/** Reads word t's pairs from the pairs section into both rows of `w`; returns how many there were. */
export function readPairs(r: VarReader, t: number, nTerms: number, w: PairAdjacencyWriter): number {
  const np = r.u();
  let u = t;
  for (let i = 0; i < np; i++) {
    u += r.u();
    if (u >= nTerms) throw new SnapshotError('index snapshot is corrupt (section pairs names an unknown word)');
    const c = r.u();
    w.put(t, u, c);
    w.put(u, t, c);
  }
  return np;
}

export function parseLine(line: string, section: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new SnapshotError(`index snapshot is corrupt (section ${section} holds a line that does not parse)`);
  }
}
