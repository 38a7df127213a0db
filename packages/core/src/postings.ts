import type { EntityGraph } from './graph';
import { MIN_DF_DISTILLED, type Lexicon, type TermBag } from './lexicon';
import { ListCache } from './listcache';
import { FIELD_COUNT } from './params';
import { postingList, STEP_ITERATIONS, type IndexState, type PostingTable } from './serialize';
import { ByteColumn, IntColumn } from './intcolumn';
import { VarReader } from './snapshotread';
import { runBytes, TokenStreams } from './streams';
import { rankOf, termSet } from './termset';
import { varintLength, writeVarint } from './varint';

/**
 * Counts the occurrences of the word run `ws` (whose first word is `first`) within a sentence of token stream `st`,
 * per field, capped as stored postings are, into `c`; returns whether there was any.
 */
function runCounts(st: Int32Array, ws: readonly number[], first: number, c: number[]): boolean {
  const n = ws.length;
  c.fill(0);
  let any = false;
  let field = 0;
  const end = st.length - n;
  for (let i = 0; i < st.length; i++) {
    const v = st[i] as number;
    if (v < 0) {
      field = -v - 1;
      continue;
    }
    if (v !== first || i > end) continue;
    // markers are negative, so a run never crosses a sentence
    let k = 1;
    while (k < n && st[i + k] === ws[k]) k++;
    if (k === n) {
      c[field] = (c[field] as number) + 1;
      any = true;
    }
  }
  if (!any) return false;
  for (let f = 0; f < FIELD_COUNT; f++) if ((c[f] as number) > FIELD_CAP[f]!) c[f] = FIELD_CAP[f]!;
  return true;
}

/**
 * Postings and per-entity vectors pack the per-field counts of a term in two 31-bit integers:
 *   A = title | heading << 7 | category << 14 | tags << 21   (each capped at 127)
 *   B = anchor << 16 | body                                  (anchor capped at 32767, body at 65535)
 * The caps (FIELD_CAP) are applied identically on every path, so incremental updates and rebuilds agree.
 */
export const FIELD_CAP = [127, 127, 127, 127, 32767, 65535];

/** A of capped per-field counts `c` (see above). */
function packA(c: readonly number[]): number {
  return (c[0] as number) | ((c[1] as number) << 7) | ((c[2] as number) << 14) | ((c[3] as number) << 21);
}

/** B of capped per-field counts `c` (see above). */
function packB(c: readonly number[]): number {
  return ((c[4] as number) << 16) | (c[5] as number);
}

export function unpackTf(a: number, b: number, out: number[]): void {
  out[0] = a & 127;
  out[1] = (a >>> 7) & 127;
  out[2] = (a >>> 14) & 127;
  out[3] = (a >>> 21) & 127;
  out[4] = b >>> 16;
  out[5] = b & 65535;
}

const EMPTY: number[] = [];

/** Whether slot `s` is marked in a bitset of slots (bit s & 31 of entry s >>> 5), as a ranking marks its open slots. */
export function slotIn(bits: Int32Array, s: number): boolean {
  return ((bits[s >>> 5] as number) & (1 << (s & 31))) !== 0;
}

/** Marks slot `s` in a bitset of slots (see slotIn). */
export function markSlot(bits: Int32Array, s: number): void {
  bits[s >>> 5] = (bits[s >>> 5] as number) | (1 << (s & 31));
}

/** Unmarks slot `s` in a bitset of slots (see slotIn). */
export function unmarkSlot(bits: Int32Array, s: number): void {
  bits[s >>> 5] = (bits[s >>> 5] as number) & ~(1 << (s & 31));
}

/** Clears a bitset of slots (see slotIn) whose marked slots are all among the first `n` of `slots`. */
export function clearSlots(bits: Int32Array, slots: Int32Array, n: number): void {
  for (let x = 0; x < n; x++) bits[(slots[x] as number) >>> 5] = 0;
}

const NO_INTS = new Int32Array(0);
/**
 * Bound of the cache of decoded stored postings, in integers (3 per posting; 512 MB), the lists used longest ago going
 * first (see ListCache): the lists of a prompt's words, common ones included (a word in half of 1,000,000 entities
 * has 1,500,000), stay decoded while the next prompts need them. A snapshot file's postings are read from the file
 * when decoded, so a miss also costs that read. At a million entities (the scale bench's 1,000 prompts, asked a
 * second time), an ask took 95 ms at the median and 411 ms at p99 when a full cache of 16 M integers was emptied;
 * 83 / 332 ms with the coldest lists going first; 54 / 212 ms with 32 M integers in this cache and in the phrases'.
 * With 128 M in each, the mean fell by 13 to 23 % and the p99 by 9 to 19 % against 32 M (two runs of each, one
 * machine), the process holding 1.2 GB after the prompts instead of 0.85 GB; an index smaller than that never fills
 * them.
 */
const DECODED_CACHE_INTS = 1 << 27;
/** Bound of the multi-token postings cache, in integers (3 per posting; 512 MB), the coldest going first. */
const PHRASE_CACHE_INTS = 1 << 27;
/** capped per-field counts of one bag entry (applyBag) or one phrase match */
const PACK_SCRATCH = new Array<number>(FIELD_COUNT).fill(0);

/**
 * The postings of single words, and per entity its token stream (the forward index) and field lengths.
 *
 * The postings of a loaded snapshot stay as its varints (per term a range of bytes, see PostingTable), decoded
 * when a query or a change reads them; a list that changes is copied into a list of its own, and a bulk build makes
 * every list that way, so nothing is held per term but an offset (about 90 % of the terms are multi-tokens, which
 * have no stored postings).
 * A token stream holds, for every sentence of an entity's fields (anchor texts of inbound links included), the
 * marker −(field + 1) and then the ids of its kept words. The postings of a multi-token are found from the streams
 * when a query needs them (a phrase match over the entities holding its rarest word, cached until an entity holding it changes), and
 * an entity's contribution is subtracted on removal by walking its stream again.
 */
export class Postings {
  /** postings of single words: triples (slot, A, B), see PostingTable; `changed` holds the lists made or changed here */
  table: Omit<PostingTable, 'changed'> & { changed: Map<number, number[]> } = { words: termSet(0, () => false), start: NO_INTS, bytes: new Uint8Array(0), changed: new Map() };
  /** a bulk build's postings, logged until `endBulk` lays them out (see beginBulk), and the slot logged last */
  private bulk: ByteColumn | null = null;
  private bulkSlot = 0;
  /** stored postings decoded (they never change: a list that does moves to `changed`), bounded */
  private readonly decoded = new ListCache(DECODED_CACHE_INTS);
  /** per slot: stamp of the last phrase match that kept it as a candidate (see candidates) */
  private slotStamp: Int32Array | null = null;
  private slotStampNow = 0;
  /**
   * Phrase postings found so far. A change drops the entries of the terms the entity held (its bag, see applyBag):
   * no other term's holders or counts change, so the rest stay valid across versions and the first answers after a
   * one-document change do not search every phrase again.
   */
  private readonly phraseCache = new ListCache(PHRASE_CACHE_INTS);
  // per slot: the token stream and kept-word lengths per field (FIELD_COUNT per slot), and their totals per field
  streams = new TokenStreams();
  /** a typed column: a JS array of 6 M numbers (at 1 M entities) was 48 MB on the collected heap */
  lengths = new IntColumn(0);
  lengthTotals = new Array<number>(FIELD_COUNT).fill(0);
  /** per field, a length no slot's exceeds (the longest indexed; a removal leaves it, which only costs table room) */
  lengthMax = new Array<number>(FIELD_COUNT).fill(0);

  constructor(
    private readonly lex: Lexicon,
    private readonly graph: EntityGraph,
  ) {}

  /**
   * Adds an entity's token stream and field lengths at `slot`, with the terms, counts and postings it holds. The
   * stream is kept as given, unless `stored` (a bulk build's, already appended to the streams).
   */
  index(slot: number, stream: Int32Array, lengths: ArrayLike<number>, stored = false): void {
    if (!stored) this.streams.set(slot, stream);
    const bag = this.lex.bagOf(stream);
    this.applyBag(slot, bag, +1);
    if (bag.pending.length) this.promote(stream, bag.pending);
    const end = (slot + 1) * FIELD_COUNT;
    if (this.lengths.length < end) this.lengths.extend(end - this.lengths.length);
    const own = this.lengths.data;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const v = lengths[f] as number;
      own[slot * FIELD_COUNT + f] = v;
      this.lengthTotals[f] = (this.lengthTotals[f] as number) + v;
      if (v > (this.lengthMax[f] as number)) this.lengthMax[f] = v;
    }
  }

  /** Subtracts what the entity at `slot` contributed (found from its token stream) and drops the stream. */
  unindex(slot: number): void {
    const stream = this.streams.get(slot);
    if (!stream) return;
    this.applyBag(slot, this.lex.bagOf(stream), -1);
    this.streams.delete(slot);
    const own = this.lengths.data;
    for (let f = 0; f < FIELD_COUNT; f++) {
      this.lengthTotals[f] = (this.lengthTotals[f] as number) - (own[slot * FIELD_COUNT + f] ?? 0);
      if (slot * FIELD_COUNT + f < this.lengths.length) own[slot * FIELD_COUNT + f] = 0;
    }
  }

  /**
   * Adds (or subtracts) an entity's bag of terms: counts and document frequency of every term, postings of its
   * single words. Zeroes the bag's counts in the reused buffer.
   */
  private applyBag(slot: number, bag: TermBag, sign: 1 | -1): void {
    const lex = this.lex;
    const n = bag.ids.length;
    const tfs = bag.tfs;
    const phrases = this.phraseCache;
    for (let i = 0; i < n; i++) {
      const t = bag.ids[i] as number;
      const o = i * FIELD_COUNT;
      // counts come from the capped values that are packed, so that every path stores the same numbers
      let occ = 0;
      const c = PACK_SCRATCH;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const v = tfs[o + f] as number;
        tfs[o + f] = 0;
        c[f] = v > FIELD_CAP[f]! ? FIELD_CAP[f]! : v;
        occ += c[f]!;
      }
      if (lex.words.data[t] === 1) {
        if (sign > 0) this.addPosting(t, slot, packA(c), packB(c));
        else this.removePosting(t, slot);
      } else {
        phrases.delete(t);
      }
      lex.addCounts(t, occ, sign);
    }
  }

  private addPosting(t: number, slot: number, a: number, b: number): void {
    const bulk = this.bulk;
    if (bulk === null) {
      this.mutablePostings(t).push(slot, a, b);
      return;
    }
    bulk.grow(bulk.length + 20);
    let o = writeVarint(bulk.data, bulk.length, t);
    o = writeVarint(bulk.data, o, slot - this.bulkSlot);
    o = writeVarint(bulk.data, o, a);
    bulk.length = writeVarint(bulk.data, o, b);
    this.bulkSlot = slot;
  }

  /**
   * Starts a bulk build's postings: they are logged in one byte column as varints (word, slot gap from the posting
   * before, A, B), about `expected` postings, and laid out by `endBulk` as a loaded snapshot holds them. A list of
   * JavaScript numbers per word, as changes after the build make, took 8 bytes a value and collections to match, and
   * Int32 (word, slot, A, B) entries 16 bytes a posting where the varints take about 6 (100,000 generated entities of
   * `bench --scale`: 9 M postings).
   */
  beginBulk(expected: number): void {
    this.bulk = new ByteColumn(Math.max(1024, 6 * expected));
    this.bulkSlot = 0;
  }

  /**
   * Lays the logged postings out as a snapshot's postings section holds them (see PostingTable): per single word, in
   * id order, its postings sorted by slot as varints (slot gap, A, B), found by the word's rank. Every later read
   * decodes them as it decodes a loaded snapshot's, and a change copies the word's list, so a built index and one
   * loaded from its snapshot hold their postings alike.
   */
  endBulk(): void {
    const bulk = this.bulk;
    if (bulk === null) return;
    this.bulk = null;
    const lex = this.lex;
    const words = termSet(lex.size, (t) => lex.words.data[t] === 1);
    const members = words.base[words.base.length - 1] as number;
    // the log is read twice, with the snapshot's varint reader: to size each word's list, then to write it
    // a bulk build indexes a fresh index's slots in increasing order: each word's postings are logged sorted by slot
    const last = new Int32Array(members).fill(-1);
    const start = new Int32Array(members + 1);
    let log = new VarReader(bulk.data, 0, bulk.length, 'bulk postings');
    for (let slot = 0; log.p < bulk.length; ) {
      const r = rankOf(words, log.u());
      slot += log.u();
      const a = log.u();
      const b = log.u();
      const prev = last[r] as number;
      if (slot <= prev) throw new Error(`index invariant broken: the bulk postings of word rank ${r} are not in slot order`);
      start[r + 1] = (start[r + 1] as number) + varintLength(slot - Math.max(0, prev)) + varintLength(a) + varintLength(b);
      last[r] = slot;
    }
    for (let r = 0; r < members; r++) start[r + 1] = (start[r + 1] as number) + (start[r] as number);
    const bytes = new Uint8Array(start[members] as number);
    const cursor = start.slice(0, members);
    last.fill(0);
    log = new VarReader(bulk.data, 0, bulk.length, 'bulk postings');
    for (let slot = 0; log.p < bulk.length; ) {
      const r = rankOf(words, log.u());
      slot += log.u();
      let o = writeVarint(bytes, cursor[r] as number, slot - (last[r] as number));
      o = writeVarint(bytes, o, log.u());
      cursor[r] = writeVarint(bytes, o, log.u());
      last[r] = slot;
    }
    this.table = { words, start, bytes, changed: new Map() };
    this.decoded.clear();
  }

  /** A list of the term's postings that may change: the loaded one is copied on its first change. */
  private mutablePostings(t: number): number[] {
    const changed = this.table.changed;
    let p = changed.get(t);
    if (!p) {
      p = numbersOf(this.wordPostings(t));
      changed.set(t, p);
      this.decoded.delete(t);
    }
    return p;
  }

  private removePosting(t: number, slot: number): void {
    const p = this.mutablePostings(t);
    for (let i = 0; i < p.length; i += 3) {
      if (p[i] === slot) {
        // swap-remove: postings order carries no meaning
        const last = p.length - 3;
        if (i !== last) {
          p[i] = p[last] as number;
          p[i + 1] = p[last + 1] as number;
          p[i + 2] = p[last + 2] as number;
        }
        p.length = last;
        // an empty list stands for a loaded one until the next snapshot; a term made here needs none
        if (last === 0 && rankOf(this.table.words, t) < 0) this.table.changed.delete(t);
        return;
      }
    }
    throw new Error(`index invariant broken: no posting of term ${t} for slot ${slot}`);
  }

  /** Postings of a term as triples (slot, A, B): stored for single words, found by phrase matching for multi-tokens. */
  postingsOf(t: number): ArrayLike<number> {
    const df = this.lex.df.get(t);
    if (df === 0) return EMPTY;
    if (this.lex.words.data[t] !== 1) return this.phrasePostings(t);
    return this.wordPostings(t);
  }

  /**
   * The postings of single word `t` when they are decoded already (see wordPostings) and lie in slot order (its stored
   * list), for a caller that searches them for a few slots and would rather not decode a long list for them; null for
   * a multi-token, a list not decoded, or one changed since it was stored (its postings are then in any order, see
   * removePosting).
   */
  decodedPostingsOf(t: number): Int32Array | null {
    if (this.lex.df.get(t) === 0 || this.lex.words.data[t] !== 1 || this.table.changed.has(t)) return null;
    return this.decoded.get(t) ?? null;
  }

  /** The postings of a single word: its changed list, or its stored one, decoded once while the cache holds it. */
  private wordPostings(t: number): ArrayLike<number> {
    const changed = this.table.changed.get(t);
    if (changed) return changed;
    const hit = this.decoded.get(t);
    if (hit) return hit;
    // a stored list is the one the snapshot held, so it has df postings
    const out = postingList(this.table, t, this.lex.df.get(t)) as Int32Array;
    this.decoded.set(t, out);
    return out;
  }

  /**
   * Narrows the entities holding the rarest word `rare` of a phrase to those holding all its words, before their
   * token streams are searched: the postings of each other word (rarest first) pass a stamp along, as long as a
   * posting list costs less to walk than the streams it may spare (about 32 words per candidate). Returns the slot
   * stamps (a slot holds every word checked when its stamp is `slotStampNow`), or null when nothing was checked.
   */
  private candidates(rare: number, ws: readonly number[]): Int32Array | null {
    const dfs = this.lex.df;
    const others = [...new Set(ws)].filter((w) => w !== rare).sort((x, y) => dfs.get(x) - dfs.get(y));
    let count = dfs.get(rare);
    if (!others.length || dfs.get(others[0] as number) > count * 32) return null;
    const nSlots = this.graph.entities.length;
    if (!this.slotStamp || this.slotStamp.length < nSlots) this.slotStamp = new Int32Array(Math.max(1024, nSlots * 2));
    const st = this.slotStamp;
    let now = ++this.slotStampNow;
    const base = this.postingsOf(rare);
    for (let i = 0; i < base.length; i += 3) st[base[i] as number] = now;
    for (const w of others) {
      if (dfs.get(w) > count * 32) break;
      const prev = now;
      now = ++this.slotStampNow;
      const post = this.postingsOf(w);
      count = 0;
      for (let i = 0; i < post.length; i += 3) {
        const s = post[i] as number;
        if (st[s] === prev) {
          st[s] = now;
          count++;
        }
      }
    }
    return st;
  }

  /**
   * The postings of a multi-token: the token streams of the entities holding its rarest word are searched for its
   * word run within a sentence, per field, with the same caps as stored postings. Cached until an entity holding it
   * changes, up to PHRASE_CACHE_INTS integers (then the lists used longest ago go).
   */
  private phrasePostings(t: number): Int32Array {
    const hit = this.phraseCache.get(t);
    if (hit) return hit;
    const out = new Int32Array(3 * this.lex.df.get(t));
    let o = 0;
    this.findRun(this.lex.wordIds(t), (slot, a, b) => {
      if (o + 3 > out.length) throw new Error(`index invariant broken: multi-token ${t} occurs in more entities than its df`);
      out[o] = slot;
      out[o + 1] = a;
      out[o + 2] = b;
      o += 3;
    });
    if (o !== out.length) throw new Error(`index invariant broken: multi-token ${t} found in ${o / 3} entities, df ${out.length / 3}`);
    this.phraseCache.set(t, out);
    return out;
  }

  /**
   * The postings of term `t` that a ranking needs for the slots marked in `only` (see slotIn): a word's whole list, a
   * multi-token's cached list, else its word run searched in the token streams of the marked slots alone (not
   * cached). Each marked slot's posting is among them, as postingsOf gives it.
   */
  postingsAmong(t: number, only: Int32Array): ArrayLike<number> {
    if (this.lex.df.get(t) === 0) return EMPTY;
    if (this.lex.words.data[t] === 1) return this.wordPostings(t);
    const hit = this.phraseCache.get(t);
    if (hit) return hit;
    const out: number[] = [];
    this.findRun(this.lex.wordIds(t), (slot, a, b) => out.push(slot, a, b), only);
    return out;
  }

  /**
   * Calls `onHolder(slot, A, B)` for every entity whose token stream holds the word run `ws` within a sentence, with
   * its packed per-field counts (capped as stored postings are), in the order of the rarest word's postings; with
   * `only`, for the slots marked in it alone (see slotIn).
   */
  private findRun(ws: readonly number[], onHolder: (slot: number, a: number, b: number) => void, only?: Int32Array): void {
    const dfs = this.lex.df;
    let rare = ws[0] as number;
    for (const w of ws) if (dfs.get(w) < dfs.get(rare)) rare = w;
    const base = this.postingsOf(rare);
    const first = ws[0] as number;
    const c = PACK_SCRATCH;
    const holds = this.candidates(rare, ws);
    // most entities that hold the words do not hold them in a run: their streams are searched as bytes first
    const run = runBytes(ws);
    for (let p = 0; p < base.length; p += 3) {
      const slot = base[p] as number;
      if (only !== undefined && !slotIn(only, slot)) continue;
      if (holds && holds[slot] !== this.slotStampNow) continue;
      if (!this.streams.mayHold(slot, run)) continue;
      if (!runCounts(this.streams.get(slot) as Int32Array, ws, first, c)) continue;
      onHolder(slot, packA(c), packB(c));
    }
  }

  /**
   * The packed per-field counts (A, B, see unpackTf) of term `t` in the entity at `slot`, found in its token stream
   * as its posting holds them (0, 0 when it holds none): for a ranking that completes the scores of a few slots
   * without reading the term's postings. `ws` is the term's words (Lexicon.wordIds), when the caller has them.
   */
  countsIn(slot: number, t: number, out: number[], ws: readonly number[] = this.lex.wordIds(t)): void {
    this.countsInStream(this.streams.get(slot), t, out, ws);
  }

  /**
   * countsIn of term `t` in token stream `st` (an entity's, see TokenStreams.get): a caller that counts several terms
   * in one entity decodes its stream once.
   */
  countsInStream(st: Int32Array | undefined, t: number, out: number[], ws: readonly number[] = this.lex.wordIds(t)): void {
    out[0] = 0;
    out[1] = 0;
    if (!st || this.lex.df.get(t) === 0) return;
    const c = PACK_SCRATCH;
    if (!runCounts(st, ws, ws[0] as number, c)) return;
    out[0] = packA(c);
    out[1] = packB(c);
  }

  /**
   * Distills the runs an added entity (its token stream already indexed) may have brought to MIN_DF_DISTILLED: each
   * pending run (a held term and the next word, see Lexicon.bagOf) is phrase matched in every token stream; held
   * by enough entities, it becomes a multi-token with their counts, and its own extensions in the entity's stream
   * are checked next. Runs the added entity does not hold cannot have changed, so nothing else is searched.
   */
  private promote(stream: Int32Array, pending: readonly number[]): void {
    const lex = this.lex;
    const c: number[] = [];
    let todo = pending;
    while (todo.length) {
      const made: number[] = [];
      for (let k = 0; k < todo.length; k += 2) {
        const p = todo[k] as number;
        const w = todo[k + 1] as number;
        const ws = lex.wordIds(p);
        ws.push(w);
        let df = 0;
        let occ = 0;
        this.findRun(ws, (_slot, a, b) => {
          df++;
          unpackTf(a, b, c);
          for (let f = 0; f < FIELD_COUNT; f++) occ += c[f] as number;
        });
        if (df < MIN_DF_DISTILLED) continue;
        made.push(lex.promote(p, w, df, occ), ws.length);
      }
      todo = made.length ? this.extensions(stream, made) : [];
    }
  }

  /** The (term, next word) pairs that extend an occurrence of a made term (id, words) in a token stream. */
  private extensions(stream: Int32Array, made: readonly number[]): number[] {
    const lex = this.lex;
    const out: number[] = [];
    const seen = new Set<string>();
    for (let k = 0; k < made.length; k += 2) {
      const t = made[k] as number;
      const len = made[k + 1] as number;
      if (len >= lex.maxWords) continue;
      const ws = lex.wordIds(t);
      for (let i = 0; i + len < stream.length; i++) {
        let j = 0;
        while (j < len && stream[i + j] === ws[j]) j++;
        if (j < len) continue;
        const next = stream[i + len] as number;
        if (next < 0) continue;
        const key = `${t},${next}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(t, next);
      }
    }
    return out;
  }

  /** Takes the postings, token streams and field lengths of a snapshot. */
  *restore(s: IndexState): Generator<void, void, void> {
    this.table = { words: s.postings.words, start: s.postings.start, bytes: s.postings.bytes, changed: new Map() };
    this.decoded.clear();
    this.streams = s.streams;
    // a decoded snapshot's lengths are a column of their own: taken as they are
    this.lengths = IntColumn.from(s.lengths);
    const own = this.lengths.data;
    this.lengthTotals = new Array<number>(FIELD_COUNT).fill(0);
    this.lengthMax = new Array<number>(FIELD_COUNT).fill(0);
    // a plain function per step: a loop inside this generator stays in unoptimized code (about 90 ms at 1,000,000
    // entities, a fifteenth of a cold ask)
    const step = STEP_ITERATIONS * 8;
    for (let i = 0; i < this.lengths.length; i += step) {
      yield;
      sumLengths(own, i, Math.min(this.lengths.length, i + step), this.lengthTotals, this.lengthMax);
    }
  }
}

/** Adds the field lengths lengths[from, to) (FIELD_COUNT per slot) to each field's total and maximum. */
function sumLengths(lengths: Int32Array, from: number, to: number, totals: number[], max: number[]): void {
  for (let i = from; i < to; i++) {
    const f = i % FIELD_COUNT;
    const v = lengths[i] as number;
    totals[f] = (totals[f] as number) + v;
    if (v > (max[f] as number)) max[f] = v;
  }
}

/**
 * A plain array of the values of a typed array or list: a loop into an array of the right length, about five times
 * faster than `Array.from` on a typed array (which goes through the iterator); a loaded list of 30,000 integers is
 * copied on its first change.
 */
function numbersOf(a: ArrayLike<number>): number[] {
  const n = a.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = a[i] as number;
  return out;
}
