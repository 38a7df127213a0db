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

  /** Sized for about `runs` distinct runs: 16 slots a run (2 bits each), 2^6 .. 2^30 slots. */
  constructor(runs: number) {
    let slots = 1 << 6;
    while (slots < runs * 16 && slots < 1 << 30) slots *= 2;
    this.mask = slots - 1;
    this.once = new Uint32Array(slots >>> 5);
    this.twice = new Uint32Array(slots >>> 5);
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
    this.mark(mix(h) & this.mask);
    this.mark(mix(h ^ 0x5bd1_e995) & this.mask);
  }

  /** Whether the run with hash state `h` may occur twice (false: it surely occurs at most once). */
  admits(h: number): boolean {
    return this.seenTwice(mix(h) & this.mask) && this.seenTwice(mix(h ^ 0x5bd1_e995) & this.mask);
  }

  /** Counts every run of 2..maxWords words of a token stream (markers, negative, end a sentence). */
  addStream(stream: Int32Array, maxWords: number): void {
    const n = stream.length;
    for (let i = 0; i < n; i++) {
      const w = stream[i] as number;
      if (w < 0) continue;
      let h = RunSketch.first(w);
      for (let k = 1; k < maxWords && i + k < n; k++) {
        const next = stream[i + k] as number;
        if (next < 0) break;
        h = RunSketch.extend(h, next);
        this.add(h);
      }
    }
  }

  /** About how many distinct runs pass (slots seen twice, two a run): the room a build reserves for them. */
  admittedEstimate(): number {
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
