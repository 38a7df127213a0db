import { PairTable, type PairCounts } from './pairs';

/**
 * Which word runs of a bulk build can be multi-tokens, known before any is made a term. A multi-token is kept only
 * when two entities hold it (MIN_DF_DISTILLED), so it occurs at least twice; a first pass over the token streams
 * marks, per hash of each run of 2..maxWords words, whether it was seen once and twice (two bits in two slots, as a
 * counting Bloom filter with counts capped at 2). The second pass makes a run a term only when both its slots were
 * seen twice. A run that occurs twice always passes (hash collisions only let more through, which `distill` then
 * drops as before), so the tables are those of counting every run: the terms made and dropped are fewer, and so
 * are the trie and column entries a build holds (on abstracts and documentation about half of all runs occur once).
 */
export class RunSketch {
  private readonly once: Uint32Array;
  private readonly twice: Uint32Array;
  private readonly mask: number;
  /**
   * Slots counted by addStream and not yet marked, and the same grouped by region (see flush): a run's two slots
   * fall anywhere in the arrays, and marking them as they come waits on memory for each; grouped by region, a
   * batch's marks touch fewer pages at a time (55 M runs of random words at 2^30 slots: 6.1–7.4 s as they came,
   * 4.6–5.1 s grouped). Counting is the same in any order, so the sketch is the one marked run by run.
   */
  private pending: Uint32Array | null = null;
  private grouped: Uint32Array | null = null;
  private pendingCount = 0;
  private readonly regionShift: number;

  /**
   * Sized for about `runs` distinct runs (see slotsFor). `arrays`: the "seen once" and "seen twice" bits to use, of
   * `slotsFor(runs) / 32` words each (shared with another thread, see RunCounter); new ones by default.
   */
  constructor(runs: number, arrays?: { once: Uint32Array; twice: Uint32Array }) {
    const slots = RunSketch.slotsFor(runs);
    this.mask = slots - 1;
    if (arrays && (arrays.once.length !== slots >>> 5 || arrays.twice.length !== slots >>> 5)) {
      throw new RangeError(`a sketch of ${slots} slots takes arrays of ${slots >>> 5} words`);
    }
    this.once = arrays?.once ?? new Uint32Array(slots >>> 5);
    this.twice = arrays?.twice ?? new Uint32Array(slots >>> 5);
    // REGIONS regions of at least 2^17 slots (16 KB of each array)
    this.regionShift = Math.max(17, 31 - Math.clz32(slots) - REGION_BITS);
  }

  /** The slots of a sketch for about `runs` distinct runs: 16 a run (2 bits each), a power of two from 2^6 to 2^30. */
  static slotsFor(runs: number): number {
    let slots = 1 << 6;
    while (slots < runs * 16 && slots < 1 << 30) slots *= 2;
    return slots;
  }

  /** The hash state of a run of one word. */
  static first(w: number): number {
    return Math.imul(w ^ 0x2f6b_7a1d, 0x9e37_79b1);
  }

  /** The hash state of run `h` extended by word `w`. */
  static extend(h: number, w: number): number {
    return Math.imul(((h << 5) | (h >>> 27)) ^ w, 0x9e37_79b1);
  }

  /** Counts one occurrence of the run with hash state `h`. */
  add(h: number): void {
    this.mark(firstSlot(h, this.mask));
    this.mark(secondSlot(h, this.mask));
  }

  /** Whether the run with hash state `h` may occur twice (false: it surely occurs at most once). */
  admits(h: number): boolean {
    if (this.pendingCount > 0) this.flush();
    return this.seenTwice(firstSlot(h, this.mask)) && this.seenTwice(secondSlot(h, this.mask));
  }

  /** Counts every run of 2..maxWords words of a token stream (markers, negative, end a sentence). */
  addStream(stream: Int32Array, maxWords: number): void {
    const buf = (this.pending ??= new Uint32Array(BATCH_SLOTS));
    const mask = this.mask;
    let m = this.pendingCount;
    const n = stream.length;
    for (let i = 0; i < n; i++) {
      const w = stream[i] as number;
      if (w < 0) continue;
      let h = RunSketch.first(w);
      for (let k = 1; k < maxWords && i + k < n; k++) {
        const next = stream[i + k] as number;
        if (next < 0) break;
        h = RunSketch.extend(h, next);
        if (m + 2 > BATCH_SLOTS) {
          this.pendingCount = m;
          this.flush();
          m = 0;
        }
        buf[m++] = firstSlot(h, mask);
        buf[m++] = secondSlot(h, mask);
      }
    }
    this.pendingCount = m;
  }

  /** Marks what addStream left pending: the sketch's arrays then hold every run counted (see RunCounter). */
  settle(): void {
    if (this.pendingCount > 0) this.flush();
  }

  /** Marks the slots addStream left pending, region by region (a counting sort on their high bits). */
  private flush(): void {
    const buf = this.pending as Uint32Array;
    const out = (this.grouped ??= new Uint32Array(BATCH_SLOTS));
    const m = this.pendingCount;
    const shift = this.regionShift;
    const at = new Int32Array(REGIONS + 1);
    for (let i = 0; i < m; i++) {
      const r = ((buf[i] as number) >>> shift) + 1;
      at[r] = (at[r] as number) + 1;
    }
    for (let r = 1; r <= REGIONS; r++) at[r] = (at[r] as number) + (at[r - 1] as number);
    for (let i = 0; i < m; i++) {
      const x = buf[i] as number;
      const r = x >>> shift;
      const to = at[r] as number;
      out[to] = x;
      at[r] = to + 1;
    }
    for (let i = 0; i < m; i++) this.mark(out[i] as number);
    this.pendingCount = 0;
  }

  /** About how many distinct runs pass (slots seen twice, two a run): the room a build reserves for them. */
  admittedEstimate(): number {
    if (this.pendingCount > 0) this.flush();
    let set = 0;
    for (const x of this.twice) set += popcount(x);
    return Math.ceil(set / 2);
  }

  private mark(i: number): void {
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    const once = this.once[word] as number;
    if (once & bit) this.twice[word] = (this.twice[word] as number) | bit;
    else this.once[word] = once | bit;
  }

  private seenTwice(i: number): boolean {
    return ((this.twice[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }
}

/**
 * Counts what a bulk build's first pass counts from its token streams, as the pass makes them: their runs into a
 * sketch (see RunSketch) and the pairs of the entities' own text (see PairTable.addOwnStream), on this thread
 * (inThreadRunCounter) or on another that counts while this one tokenizes.
 */
export interface RunCounter {
  /**
   * Counts the runs of 2..maxWords words of an entity's stream and the pairs of its own text; the stream may be
   * reused once this returns.
   */
  addStream(stream: Int32Array, maxWords: number): void;
  /** The sketch and the pair counts once every stream given is counted (waits for them). */
  finish(): { sketch: RunSketch; pairs: PairCounts };
  /** Stops counting (the build failed). */
  abort?(): void;
}

/** What a run counter is made for: about `runs` runs, and pairs `window` words apart at most (room for `pairs`). */
export interface RunCounterSize {
  runs: number;
  window: number;
  pairs: number;
}

/** Makes the run counter of a build (see RunCounterSize). */
export type RunCounterFactory = (size: RunCounterSize) => RunCounter;

/** Counts on the calling thread. */
export const inThreadRunCounter: RunCounterFactory = ({ runs, window, pairs }) => {
  const sketch = new RunSketch(runs);
  const table = new PairTable(window);
  table.reserve(pairs);
  return {
    addStream: (stream, maxWords) => {
      sketch.addStream(stream, maxWords);
      table.addOwnStream(stream);
    },
    finish: () => ({ sketch, pairs: table.counts() }),
  };
};

/** Slots a batch of addStream holds before it is marked (two a run), and the regions it is grouped by. */
const BATCH_SLOTS = 1 << 18;
const REGION_BITS = 10;
const REGIONS = 1 << REGION_BITS;

/** The two slots of the run with hash state `h` in a sketch of `mask + 1` slots. */
function firstSlot(h: number, mask: number): number {
  return mix(h) & mask;
}
function secondSlot(h: number, mask: number): number {
  return mix(h ^ 0x5bd1_e995) & mask;
}

/** A 32-bit finalizer (murmur3's fmix32): spreads the run's hash state over the slot index bits. */
function mix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85eb_ca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2_ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x5555_5555);
  x = (x & 0x3333_3333) + ((x >>> 2) & 0x3333_3333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24) & 0xff;
}
