import { Buffer } from 'node:buffer';
import { FIELD_COUNT } from './params';
import type { SectionReader } from './snapshotlayout';
import { VarReader } from './snapshotread';
import { writeVarint } from './varint';

/** Bytes of each buffer a bulk build appends streams to (a loaded snapshot's streams are one buffer, its section). */
const CHUNK = 16 << 20;
/** Offsets of the streams held as varints: chunk × SPAN + offset in the chunk (a chunk stays below 4 GiB). */
const SPAN = 2 ** 32;
const NONE = -1;
const NO_VALUES = new Int32Array(0);
const NO_BYTES = new Uint8Array(0);
/** Slots after a stream left in its file looked at for the next stream's start, which is where it ends. */
const END_SEARCH = 64;
/** Bytes read at once from a section left in its file: a stream and those after it (see TokenStreams.readInPlace). */
const STREAM_WINDOW = 16 << 10;

/**
 * The token stream of each slot (see Postings): per sentence a field marker −(field + 1), then its kept words' ids.
 *
 * A loaded snapshot's streams and a bulk build's stay varints as the snapshot stores them (per stream its count of
 * values, then each value: a marker as `field`, a word w as w + FIELD_COUNT), in buffers with an offset per slot; the
 * snapshot's section is kept as it was read. A stream set later (an entity added or re-indexed) is held as an
 * Int32Array. Reading a stream decodes it into a scratch array, a view of which `get` returns: valid until the next
 * `get`, so a caller copies what it keeps. Varints take about 2 bytes a value where Int32 took 4, and a load counts
 * their bytes instead of decoding them.
 */
export class TokenStreams {
  private chunks: Uint8Array[] = [];
  /** the buffer being appended to, and its bytes used */
  private tail: Uint8Array | null = null;
  private tailUsed = 0;
  /** per slot: where its varint stream starts (see SPAN), or NONE */
  private at: Float64Array = new Float64Array(0);
  private count = 0;
  /** per slot: the stream set as values (absent: a varint stream, or none) */
  private readonly held = new Map<number, Int32Array>();
  private scratch = new Int32Array(1024);
  /** per chunk: a Buffer view of it, for native byte searches (see mayHold) */
  private views: Buffer[] = [];
  /**
   * the section of a snapshot left in its file (see SectionReader), which chunk 0 stands for: a stream is read when it
   * is asked for (one positioned read), and the one read last is kept for the next call
   */
  private deferred: SectionReader | null = null;
  private lastSlot = NONE;
  private lastBytes: Uint8Array = NO_BYTES;
  /**
   * the bytes read last from `deferred` (see STREAM_WINDOW), from byte `from` of the section; a reader with readInto
   * fills one Buffer, whose views mayHold searches as they are
   */
  private readonly window: { from: number; bytes: Uint8Array; buffer: Buffer | null } = { from: 0, bytes: NO_BYTES, buffer: null };

  /**
   * The streams of a snapshot's section, as its bytes or left in its file: `start[slot]` is where the slot's stream
   * starts in the section (−1: none).
   */
  static fromSection(bytes: Uint8Array | SectionReader, start: Float64Array): TokenStreams {
    const s = new TokenStreams();
    if (bytes instanceof Uint8Array) s.chunks = [bytes];
    else {
      s.deferred = bytes;
      // chunk 0 is the section in its file; a bulk build's chunks would follow it
      s.chunks = [NO_BYTES];
    }
    s.at = start;
    s.count = start.length;
    return s;
  }

  /** The bytes of the stream of `slot`, left in its file at `from` of the section. */
  private readInPlace(slot: number, from: number): Uint8Array {
    if (this.lastSlot === slot) return this.lastBytes;
    const section = this.deferred as SectionReader;
    // streams lie in slot order, so the next stream's start is where this one ends
    let to = -1;
    for (let s = slot + 1; s < this.count && s <= slot + END_SEARCH; s++) {
      const next = this.at[s] as number;
      if (next !== NONE && next < SPAN) {
        to = next;
        break;
      }
    }
    if (to >= 0 && (to <= from || to > section.byteLength)) throw new RangeError(`token stream of slot ${slot} at ${from} ends outside its section`);
    const w = this.window;
    let bytes: Uint8Array;
    if (to >= 0 && from >= w.from && to <= w.from + w.bytes.length) bytes = w.bytes.subarray(from - w.from, to - w.from);
    else if (to >= 0 && to - from <= STREAM_WINDOW) {
      // the streams after it, in one read: a phrase search reads its candidates' in slot order, and a read costs
      // about what copying a few thousand bytes more does
      if (section.readInto) {
        // into one buffer, kept: the bytes handed out are used before the next read
        w.buffer ??= Buffer.allocUnsafe(STREAM_WINDOW);
        w.bytes = w.buffer.subarray(0, section.readInto(w.buffer, from));
      } else w.bytes = section.read(from, Math.min(STREAM_WINDOW, section.byteLength - from));
      w.from = from;
      if (w.bytes.length < to - from) throw new RangeError(`token stream of slot ${slot} at ${from} ends outside its section`);
      bytes = w.bytes.subarray(0, to - from);
    } else bytes = to < 0 ? counted(section, from) : section.read(from, to - from);
    this.lastSlot = slot;
    this.lastBytes = bytes;
    return bytes;
  }

  /** Whether `slot` has a stream. */
  has(slot: number): boolean {
    return this.held.has(slot) || (slot < this.count && (this.at[slot] as number) !== NONE);
  }

  /** The stream of `slot`, or undefined; a varint stream is decoded into a view valid until the next call. */
  get(slot: number): Int32Array | undefined {
    const h = this.held.get(slot);
    if (h) return h;
    if (slot >= this.count) return undefined;
    const at = this.at[slot] as number;
    if (at === NONE) return undefined;
    const chunk = Math.floor(at / SPAN);
    if (chunk === 0 && this.deferred) return this.decode(this.readInPlace(slot, at), 0);
    return this.decode(this.chunks[chunk] as Uint8Array, at - chunk * SPAN);
  }

  /**
   * Whether the stream of `slot` may hold `run`: the varint bytes of consecutive values, as {@link runBytes} writes
   * them. False only when it certainly does not. A varint stream is searched as bytes with the native search, without
   * decoding it (varints are prefix-free, so a match that starts where a value starts is a run of whole values); a held
   * stream may hold anything.
   */
  mayHold(slot: number, run: Uint8Array): boolean {
    if (this.held.has(slot)) return true;
    if (slot >= this.count) return false;
    const at = this.at[slot] as number;
    if (at === NONE) return false;
    const chunk = Math.floor(at / SPAN);
    if (chunk === 0 && this.deferred) {
      const own = this.readInPlace(slot, at);
      const view = Buffer.isBuffer(own) ? own : Buffer.from(own.buffer, own.byteOffset, own.byteLength);
      return holdsRun(view, skipVarint(own, 0), own.length, run);
    }
    const b = this.chunks[chunk] as Uint8Array;
    const base = chunk * SPAN;
    let p = at - base;
    let c = b[p++] as number;
    let n = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = b[p++] as number;
      n |= (c & 0x7f) << shift;
    }
    // the values end within 5 bytes each, and before the next slot's stream when it starts after this one in the
    // same buffer (streams never overlap); a bound past the end only lets a match in the next stream through
    let end = Math.min(b.length, p + 5 * n);
    const next = slot + 1 < this.count ? (this.at[slot + 1] as number) : NONE;
    if (next !== NONE && next - base > p && next - base < end) end = next - base;
    let view = this.views[chunk];
    if (view === undefined || view.buffer !== b.buffer) {
      view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      this.views[chunk] = view;
    }
    return holdsRun(view, p, end, run);
  }

  private decode(b: Uint8Array, from: number): Int32Array {
    let p = from;
    let c = b[p++] as number;
    let n = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = b[p++] as number;
      n |= (c & 0x7f) << shift;
    }
    if (n === 0) return NO_VALUES;
    if (this.scratch.length < n) this.scratch = new Int32Array(Math.max(n, this.scratch.length * 2));
    const out = this.scratch;
    for (let i = 0; i < n; i++) {
      c = b[p++] as number;
      let x = c & 0x7f;
      for (let shift = 7; c >= 0x80; shift += 7) {
        c = b[p++] as number;
        x |= (c & 0x7f) << shift;
      }
      out[i] = x < FIELD_COUNT ? -(x + 1) : x - FIELD_COUNT;
    }
    return out.subarray(0, n);
  }

  /** Sets the stream of `slot` as values (kept as given). */
  set(slot: number, stream: Int32Array): void {
    this.unset(slot);
    this.held.set(slot, stream);
  }

  /** Appends the stream of `slot` as varints (a bulk build: one call per slot, in any order). */
  append(slot: number, stream: ArrayLike<number>): void {
    this.unset(slot);
    const n = stream.length;
    const room = 5 * (n + 1);
    if (!this.tail || this.tailUsed + room > this.tail.length) {
      this.tail = new Uint8Array(Math.max(CHUNK, room));
      this.tailUsed = 0;
      this.chunks.push(this.tail);
    }
    this.reserveSlot(slot);
    this.at[slot] = (this.chunks.length - 1) * SPAN + this.tailUsed;
    const b = this.tail;
    let p = writeVarint(b, this.tailUsed, n);
    for (let i = 0; i < n; i++) {
      const v = stream[i] as number;
      p = writeVarint(b, p, v < 0 ? -v - 1 : v + FIELD_COUNT);
    }
    this.tailUsed = p;
  }

  /** Drops the stream of `slot`. */
  delete(slot: number): void {
    this.unset(slot);
  }

  private unset(slot: number): void {
    this.held.delete(slot);
    if (this.lastSlot === slot) {
      this.lastSlot = NONE;
      this.lastBytes = NO_BYTES;
    }
    if (slot < this.count) this.at[slot] = NONE;
  }

  private reserveSlot(slot: number): void {
    if (slot < this.count) return;
    if (slot >= this.at.length) {
      const at = new Float64Array(Math.max(slot + 1, this.at.length * 2, 1024));
      at.set(this.at.subarray(0, this.count));
      this.at = at;
    }
    this.at.fill(NONE, this.count, slot + 1);
    this.count = slot + 1;
  }
}

/**
 * The bytes of the stream at `from` of a section left in its file, found by its count and values (two reads): for a
 * stream whose next one is further than END_SEARCH slots on.
 */
function counted(section: SectionReader, from: number): Uint8Array {
  const bytes = section.read(from, Math.min(5, section.byteLength - from));
  const head = new VarReader(bytes, 0, bytes.length, 'streams');
  const n = head.u();
  const p = head.p;
  // each value takes at most 5 bytes: read that much, then count the values' bytes
  const most = section.read(from, Math.min(p + 5 * n, section.byteLength - from));
  let q = p;
  for (let i = 0; i < n && q < most.length; i++) q = skipVarint(most, q);
  return most.subarray(0, q);
}

/** Whether bytes [from, to) of `view` hold `run` starting where a value starts (see mayHold). */
function holdsRun(view: Buffer, from: number, to: number, run: Uint8Array): boolean {
  const hay = view.subarray(from, to);
  for (let i = hay.indexOf(run); i >= 0; i = hay.indexOf(run, i + 1)) {
    if (i === 0 || (hay[i - 1] as number) < 0x80) return true;
  }
  return false;
}

/** The position after the varint at `p` of `b`. */
function skipVarint(b: Uint8Array, p: number): number {
  while (((b[p++] as number) & 0x80) !== 0);
  return p;
}

/** The varint bytes of a run of words as a varint stream holds them (see TokenStreams.mayHold). */
export function runBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(5 * words.length);
  let p = 0;
  for (const w of words) p = writeVarint(out, p, w + FIELD_COUNT);
  return out.subarray(0, p);
}
