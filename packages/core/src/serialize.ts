import { SnapshotError } from './errors';
import { EntitySlots, escapeLine, type LoadedEntities } from './slots';
import { forEachPair, PairAdjacencyWriter, type PairAdjacency } from './pairs';
import {
  LineReader,
  parseLine,
  readPairRows,
  readRowLengths,
  readRowStarts,
  readStreamSpans,
  readStreamStarts,
  readChildMarks,
  readTerms,
  readWordLines,
  rowStarts,
  scanPostingsAndPairs,
  VarReader,
  type PostingScan,
} from './snapshotread';
import { TokenStreams } from './streams';
import { Trie, TRIE_MARK_EVERY, type PackedChildLists } from './trie';
import { CountColumn, IntColumn } from './intcolumn';
import { rankOf, termSet, type TermSet } from './termset';
import { writeVarint } from './varint';
import type { BuildOptions } from './params';
import { layoutOf, SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, SNAPSHOT_PREFIX, type SectionReader, type SnapshotHeader, type SnapshotLayout } from './snapshotlayout';

/**
 * Binary snapshot of an index: its raw tables, so loading never re-analyzes text.
 *
 * Layout: "LXGI" | u32 format version | u32 header length | header (UTF-8 JSON: options, surface counts, counters,
 * section sizes) | sections, in the order below. Four hold UTF-8 text, one line per item, so a reader can take them
 * a line at a time (JSON escapes every newline inside a string):
 * - `entities`: per slot, the entity as JSON (`null` for a free slot).
 * - `keys` (format 7 only): per slot, `null` for a free slot, else [id, URL, ACL, category path, list bits] as JSON,
 *   what loading rebuilds the slot's place in the index from (ids, link keys, ACL classes, categories) without
 *   reading the entities; before, each entity's line was searched for them. From format 8 they are five sections
 *   (see SlotKeySections in slots.ts): `ids`, `paths`, `urls` and `acls` of lines, `slotKeys` of varints, so a
 *   load decodes the ids at once, parses JSON only for the ACLs there are, and reads the URLs when the link keys
 *   are made.
 * - `entityRows` (format 8 on): per slot, the byte length of its line in `entities` (newline included), so loading
 *   finds each line without reading the section, which a reader of a file may leave there (see deferrable).
 * - `inbound`: per link key, `[key, [[from, text], …]]`.
 * - `words`: per term, its key (a word, or the words of a multi-token).
 * The others hold unsigned LEB128 varints:
 * - `terms`: per term, t − parent (0 for a single word), then for a multi-token its last word; df; occurrences.
 * - `trie` (format 8 on): per term, its children's count, then each child's gap from it, sorted by last word.
 * - `postings`: per single word with df > 0 (in id order), its df postings sorted by slot: slot gap, A, B.
 * - `postRows`: per single word, the byte length of its postings (0 for df 0), so loading finds each list's offset
 *   without reading the postings (format 7 on; before, loading counted the bytes that end a varint).
 * - `streams`: per live slot, its token stream's length, then each value (a field marker −(f + 1) as f, a word id
 *   w as w + 6).
 * - `lengths`: per live slot, its kept-word length per field, then (format 7 on) the byte length of its stream, so
 *   loading finds each stream's offset without reading the streams.
 * - `pairRows`: per single word, the byte length of its row in `pairs` (0 for a word without a pair).
 * - `pairs`: the rows of the pair adjacency as a loaded index holds them (see PairAdjacency): per single word with a
 *   pair, every word paired with it in ascending id order (gap from the previous word, from 0, then the count), so
 *   loading copies them. Format 5 held each pair once, (t, u) under t < u, and loading wrote both rows.
 * - `surfaces`: per surface of the header's list, its word + 1 (0 for a stopword), so loading stems nothing.
 * Small numbers dominate every section (gaps, counts, word ids), so most take one or two bytes. A loaded index keeps
 * the postings, streams and pair rows as these varints, and decodes the other sections into typed arrays. The frame
 * (magic, version, header, section bounds) is read by snapshotlayout.ts, from whole bytes or from a file one section
 * at a time.
 */
export { SNAPSHOT_FORMAT_VERSION };
const FIELDS = 6;

/**
 * The postings of single words as triples (slot, A, B): term t's are `changed.get(t)` when it has an entry, else,
 * for a stored word (a member of `words`, with rank r), the varints from bytes[start[r]] on as the snapshot stores
 * them (per posting its slot gap, A and B, sorted by slot). A decoded snapshot keeps them so, a quarter of their size
 * as Int32 triples, with nothing changed; the lists made or changed afterwards are in any slot order.
 */
export interface PostingTable {
  words: TermSet;
  start: Int32Array;
  /** the varints, or (a snapshot file's, format 8 on) a reader of them left in the file, a list read when decoded */
  bytes: Uint8Array | SectionReader;
  changed: ReadonlyMap<number, ArrayLike<number>>;
}

const NO_POSTINGS: ArrayLike<number> = new Int32Array(0);

/** The postings of single word `t` held by `df` entities (see PostingTable): its changed list, or its stored one decoded. */
export function postingList(p: PostingTable, t: number, df: number): ArrayLike<number> {
  const changed = p.changed.get(t);
  if (changed) return changed;
  const r = rankOf(p.words, t);
  if (r < 0) return NO_POSTINGS;
  const from = p.start[r] as number;
  if (p.bytes instanceof Uint8Array) return decodePostings(p.bytes, from, df);
  return decodePostings(p.bytes.read(from, (p.start[r + 1] as number) - from), 0, df);
}

/** The `n` postings stored as varints from b[from] on (per posting: slot gap, A, B) as triples (slot, A, B). */
export function decodePostings(b: Uint8Array, from: number, n: number): Int32Array {
  const out = new Int32Array(3 * n);
  let p = from;
  let slot = 0;
  for (let i = 0; i < out.length; i++) {
    let c = b[p++] as number;
    let x = c & 0x7f;
    for (let shift = 7; c >= 0x80; shift += 7) {
      c = b[p++] as number;
      x |= (c & 0x7f) << shift;
    }
    if (i % 3 === 0) {
      slot += x;
      x = slot;
    }
    out[i] = x;
  }
  return out;
}

export interface InboundLink {
  from: string;
  text: string;
}

/** The tables of an index as the serializer reads and writes them (see LexIndex.snapshotState). */
export interface IndexState {
  options: BuildOptions;
  entities: EntitySlots;
  /**
   * A decoded snapshot's only: per slot, the URL and ACL of its entity, read from its line at load for restoring the
   * link keys and ACL classes (the entities themselves stay lines).
   */
  loaded?: { urls: LoadedEntities['urls']; acls: ReadonlyArray<readonly string[] | undefined> };
  inbound: Map<string, InboundLink[]>;
  /** the key of each single word (term id → key); the term count is that of the columns below */
  wordKeys: Map<number, string>;
  /** per term its occurrences and document frequency (the lexicon's columns, which a restore takes as they are) */
  cnt: CountColumn;
  df: CountColumn;
  parent: Int32Array;
  lastWord: Int32Array;
  /** A decoded snapshot's (format 8 on): the trie's child lists, as stored (see Trie.fromPacked). */
  trie?: PackedChildLists;
  surfaceCount: Map<string, number>;
  /** The word (term id, −1 for a stopword) of each surface of `surfaceCount`, in its order. */
  surfaceWord: Int32Array;
  postings: PostingTable;
  streams: TokenStreams;
  lengths: Int32Array;
  pairs: PairAdjacency;
  counters: { pairCount: number; pairOccurrences: number; tokenOccurrences: number };
}

export { SnapshotError };

/** Growable buffer of unsigned LEB128 varints (values 0 .. 2^32 − 1). */
class VarWriter {
  buf = new Uint8Array(1 << 16);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u(v: number): void {
    this.room(5);
    this.n = writeVarint(this.buf, this.n, v);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

/** Growable buffer of UTF-8 lines, each ended by a newline. */
class LineWriter {
  private buf = new Uint8Array(1 << 16);
  private n = 0;
  private readonly enc = new TextEncoder();
  line(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.room(text.length * 3 + 1);
    this.n += this.enc.encodeInto(text, this.buf.subarray(this.n)).written;
    this.buf[this.n++] = 0x0a;
  }
  /** A line given as its UTF-8 bytes (without the newline). */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length + 1);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
    this.buf[this.n++] = 0x0a;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
  /** Bytes written so far. */
  get length(): number {
    return this.n;
  }
  /** Room for `k` more bytes (the buffer doubles). */
  private room(k: number): void {
    const need = this.n + k;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
}

/** The postings of single word `t` as triples sorted by slot. */
function sortedPostings(s: IndexState, t: number): ArrayLike<number> {
  const p = postingList(s.postings, t, s.df.get(t));
  let sorted = true;
  for (let i = 3; i < p.length && sorted; i += 3) if ((p[i] as number) < (p[i - 3] as number)) sorted = false;
  if (sorted) return p;
  const order = Array.from({ length: p.length / 3 }, (_x, i) => i).sort((a, b) => (p[a * 3] as number) - (p[b * 3] as number));
  const out = new Int32Array(p.length);
  order.forEach((from, i) => {
    out[i * 3] = p[from * 3] as number;
    out[i * 3 + 1] = p[from * 3 + 1] as number;
    out[i * 3 + 2] = p[from * 3 + 2] as number;
  });
  return out;
}

/**
 * New ids of the terms a snapshot keeps: every single word, and the multi-tokens held (a multi-token below
 * MIN_DF_DISTILLED has df 0, see Lexicon), renumbered in order so a parent still precedes its children; −1 for a
 * term left out.
 */
function keptTermIds(s: IndexState): Int32Array {
  const nTerms = s.df.length;
  const ids = new Int32Array(nTerms);
  let kept = 0;
  for (let t = 0; t < nTerms; t++) ids[t] = (s.parent[t] as number) < 0 || s.df.get(t) > 0 ? kept++ : -1;
  return ids;
}

/**
 * The snapshot of an index state as its parts, in order: the header, then each section. Their concatenation is the
 * snapshot; a writer that takes them one by one (a file, chunks in a database) never holds a second copy of the
 * whole, which is as large as the index files (218 MB for 100,000 generated entities of `bench --scale`).
 */
export function encodeIndexStateParts(s: IndexState): Uint8Array[] {
  const nTerms = s.df.length;
  const ids = keptTermIds(s);
  const terms = new VarWriter();
  for (let t = 0; t < nTerms; t++) {
    const id = ids[t] as number;
    if (id < 0) continue;
    const p = s.parent[t] as number;
    terms.u(p < 0 ? 0 : id - (ids[p] as number));
    if (p >= 0) terms.u(ids[s.lastWord[t] as number] as number);
    terms.u(s.df.get(t));
    terms.u(s.cnt.get(t));
  }
  const postings = new VarWriter();
  const postRows = new VarWriter();
  const pairs = new VarWriter();
  const pairRows = new VarWriter();
  for (let t = 0; t < nTerms; t++) {
    if ((s.parent[t] as number) >= 0) continue;
    const postFrom = postings.n;
    if (s.df.get(t) > 0) {
      const p = sortedPostings(s, t);
      let prev = 0;
      for (let i = 0; i < p.length; i += 3) {
        postings.u((p[i] as number) - prev);
        prev = p[i] as number;
        postings.u(p[i + 1] as number);
        postings.u(p[i + 2] as number);
      }
    }
    postRows.u(postings.n - postFrom);
    // t's row, renumbered (it is in word order, and the renumbering keeps it)
    const rowFrom = pairs.n;
    let prev = 0;
    forEachPair(s.pairs, t, (u, c) => {
      const v = ids[u] as number;
      pairs.u(v - prev);
      prev = v;
      pairs.u(c);
    });
    pairRows.u(pairs.n - rowFrom);
  }
  const streams = new VarWriter();
  const lengths = new VarWriter();
  const ents = s.entities;
  for (let slot = 0; slot < ents.length; slot++) {
    if (!ents.has(slot)) continue;
    const st = s.streams.get(slot) as Int32Array;
    const streamFrom = streams.n;
    streams.u(st.length);
    for (let i = 0; i < st.length; i++) {
      const v = st[i] as number;
      streams.u(v < 0 ? -v - 1 : (ids[v] as number) + FIELDS);
    }
    for (let f = 0; f < FIELDS; f++) lengths.u(s.lengths[slot * FIELDS + f] as number);
    lengths.u(streams.n - streamFrom);
  }
  const trie = encodeChildLists(s, ids);
  const surfaces = new VarWriter();
  for (const w of s.surfaceWord) surfaces.u(w < 0 ? 0 : (ids[w] as number) + 1);
  // a stored line is written back as it was read, an entity held as an object as JSON.stringify writes it; when
  // every slot is a stored line, the section is the buffers that hold them
  const entityRows = new VarWriter();
  let entities = ents.lineParts();
  if (entities) for (let slot = 0; slot < ents.length; slot++) entityRows.u(ents.storedLineBytes(slot));
  else {
    const writer = new LineWriter();
    for (let slot = 0; slot < ents.length; slot++) {
      const from = writer.length;
      const line = ents.storedLine(slot);
      if (line) writer.raw(line);
      else writer.line(JSON.stringify(ents.get(slot) ?? null));
      entityRows.u(writer.length - from);
    }
    entities = [writer.bytes()];
  }
  const slotKeys = encodeSlotKeys(ents);
  const inbound = new LineWriter();
  for (const [k, list] of s.inbound) inbound.line(JSON.stringify([k, list.map((x) => [x.from, x.text])]));
  const words = new LineWriter();
  for (let t = 0; t < nTerms; t++) if ((ids[t] as number) >= 0) words.line(s.wordKeys.get(t) ?? '');
  const sections: Array<[string, Uint8Array[]]> = [
    ['entities', entities],
    ['entityRows', [entityRows.bytes()]],
    ['ids', [slotKeys.ids]],
    ['slotKeys', [slotKeys.slotKeys]],
    ['paths', [slotKeys.paths]],
    ['urls', [slotKeys.urls]],
    ['acls', [slotKeys.acls]],
    ['inbound', [inbound.bytes()]],
    ['words', [words.bytes()]],
    ['trie', [trie]],
    ['terms', [terms.bytes()]],
    ['postings', [postings.bytes()]],
    ['postRows', [postRows.bytes()]],
    ['streams', [streams.bytes()]],
    ['lengths', [lengths.bytes()]],
    ['pairRows', [pairRows.bytes()]],
    ['pairs', [pairs.bytes()]],
    ['surfaces', [surfaces.bytes()]],
  ];
  const header: SnapshotHeader = {
    options: s.options,
    surfaces: [...s.surfaceCount.entries()],
    counters: s.counters,
    sections: sections.map(([name, parts]) => [name, parts.reduce((n, a) => n + a.length, 0)]),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(SNAPSHOT_PREFIX + json.length);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, SNAPSHOT_MAGIC, true);
  dv.setUint32(4, SNAPSHOT_FORMAT_VERSION, true);
  dv.setUint32(8, json.length, true);
  head.set(json, SNAPSHOT_PREFIX);
  return [head, ...sections.flatMap(([, parts]) => parts)];
}

/**
 * The sections that give each slot's place in the index (see SlotKeySections), as bytes; the category paths are
 * renumbered in the order the slots first use them, so a changed index writes what a rebuild writes.
 */
export function encodeSlotKeys(ents: EntitySlots): Record<'ids' | 'slotKeys' | 'paths' | 'urls' | 'acls', Uint8Array> {
  const idLines = new LineWriter();
  const slotKeys = new VarWriter();
  const paths = new LineWriter();
  const urls = new LineWriter();
  const acls = new LineWriter();
  const pathNumber = new Map<number, number>([[0, 0]]);
  paths.line('[]');
  for (let slot = 0; slot < ents.length; slot++) {
    const k = ents.keyParts(slot);
    if (!k) {
      idLines.line('');
      slotKeys.u(0);
      urls.line('');
      acls.line('');
      continue;
    }
    let path = pathNumber.get(k.path);
    if (path === undefined) {
      path = pathNumber.size;
      pathNumber.set(k.path, path);
      paths.line(JSON.stringify(ents.categoryPath(k.path)));
    }
    idLines.line(escapeLine(k.id));
    slotKeys.u(path * 4 + k.listed);
    urls.line(k.url === undefined ? '' : escapeLine(k.url));
    acls.line(k.acl === undefined ? '' : JSON.stringify(k.acl));
  }
  return { ids: idLines.bytes(), slotKeys: slotKeys.bytes(), paths: paths.bytes(), urls: urls.bytes(), acls: acls.bytes() };
}

/**
 * The `trie` section: the trie's child lists in the kept terms' numbering (`ids`), per term its children's count,
 * then each child (after it, so as its gap from it), sorted by last word, so a load takes them as they are (see
 * Trie.fromLists) instead of grouping and sorting every multi-token again.
 */
function encodeChildLists(s: IndexState, ids: Int32Array): Uint8Array {
  const nTerms = s.df.length;
  let nKept = 0;
  for (let t = 0; t < nTerms; t++) if ((ids[t] as number) >= 0) nKept++;
  const parent = new Int32Array(nKept);
  const lastWord = new Int32Array(nKept);
  for (let t = 0; t < nTerms; t++) {
    const id = ids[t] as number;
    if (id < 0) continue;
    const p = s.parent[t] as number;
    parent[id] = p < 0 ? -1 : (ids[p] as number);
    lastWord[id] = p < 0 ? -1 : (ids[s.lastWord[t] as number] as number);
  }
  const { start, kids } = runSteps(Trie.fromColumns(parent, IntColumn.from(lastWord, 0), nKept, 0, STEP_ITERATIONS)).childLists();
  const w = new VarWriter();
  for (let p = 0; p < nKept; p++) {
    const to = start[p + 1] as number;
    w.u(to - (start[p] as number));
    for (let k = start[p] as number; k < to; k++) w.u((kids[k] as number) - p);
  }
  return w.bytes();
}

/** The snapshot of an index state as one array: the concatenation of {@link encodeIndexStateParts}. */
export function encodeIndexState(s: IndexState): Uint8Array {
  return concatBytes(encodeIndexStateParts(s));
}

/** The concatenation of byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let total = 0;
  for (const a of parts) total += a.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const a of parts) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}

/**
 * Loop iterations between two pauses of a stepwise decode or restore (see `runSteps`): about a millisecond of
 * work or less, so a caller that yields when its time slice is used up stays responsive.
 */
export const STEP_ITERATIONS = 4096;

/**
 * Spare capacity of the term columns of a loaded index (1/64 of its terms, 4,096 at least; the decoder makes the parent
 * and last-word columns with it, so the lexicon takes them without a copy): the terms its first changes
 * make are appended in place, instead of the first new term copying every column (about 60 ms, and twice the memory
 * for a moment, on 1.5 M terms) while a server applies a one-document change between requests.
 */
export function termRoom(nTerms: number): number {
  return Math.max(4096, nTerms >> 6);
}

/** Runs a stepwise task to its end at once. */
export function runSteps<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs a stepwise task in slices of about `sliceMs`, awaiting `pause()` between slices, so other work (requests)
 * runs while a large index is decoded.
 */
export async function runStepsSliced<T>(steps: Generator<void, T, void>, pause: () => Promise<void>, sliceMs = 8): Promise<T> {
  let t0 = globalThis.performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (globalThis.performance.now() - t0 >= sliceMs) {
      await pause();
      t0 = globalThis.performance.now();
    }
  }
}

export function decodeIndexState(bytes: Uint8Array | SnapshotLayout): IndexState {
  return runSteps(decodeIndexStateSteps(bytes));
}

/**
 * `decodeIndexState` as a stepwise task: it yields every STEP_ITERATIONS iterations of its loops. It takes a whole
 * snapshot's bytes, or a snapshot read by sections (see readSnapshotLayout), whose buffers it keeps as they are.
 */
export function* decodeIndexStateSteps(input: Uint8Array | SnapshotLayout): Generator<void, IndexState, void> {
  const layout = input instanceof Uint8Array ? layoutOf(input) : input;
  const { version, header } = layout;
  const section = (n: string): Uint8Array => {
    const b = layout.sections.get(n);
    if (!b) throw new SnapshotError(`index snapshot lacks section ${n}`);
    return b;
  };
  /** A section's bytes to keep: its own buffer, or a copy of a view of the whole snapshot (so those bytes can go). */
  const own = (n: string): Uint8Array => (layout.owned ? section(n) : new Uint8Array(section(n)));
  const need = (n: string): VarReader => {
    const b = section(n);
    return new VarReader(b, 0, b.length, n);
  };
  const lines = (n: string): LineReader => {
    const b = section(n);
    return new LineReader(b, 0, b.length, n);
  };

  let loaded: LoadedEntities;
  // per term its line: a single word's key, '' for a multi-token
  const wordKeys = new Map<number, string>();
  let nTerms = 0;
  const inbound = new Map<string, InboundLink[]>();
  if (version === 4) {
    loaded = EntitySlots.fromObjects((header.slots ?? []).map((e) => e ?? undefined));
    for (const [k, l] of header.inbound ?? []) inbound.set(k, l.map(([from, text]) => ({ from, text })));
    for (const k of !header.terms ? [] : header.terms.split('\n')) {
      if (k !== '') wordKeys.set(nTerms, k);
      nTerms++;
    }
  } else {
    // the entities stay their lines, parsed when read; from format 8 each line is found by its stored length, and
    // the section may have been left in its file
    if (version >= 8) {
      const lineBytes = layout.deferred?.get('entities') ?? own('entities');
      const keys = { ids: section('ids'), slotKeys: need('slotKeys'), paths: section('paths'), urls: own('urls'), acls: section('acls') };
      loaded = yield* EntitySlots.fromRows(lineBytes, need('entityRows'), keys, 1024);
    } else loaded = yield* EntitySlots.fromLines(own('entities'), 1024, version >= 7 ? section('keys') : undefined);
    const ir = lines('inbound');
    for (let line = ir.next(); line !== null; line = ir.next()) {
      const [k, l] = parseLine(line, 'inbound') as [string, Array<[string, string]>];
      inbound.set(k, l.map(([from, text]) => ({ from, text })));
      if ((inbound.size & 4095) === 0) yield;
    }
    const wr = lines('words');
    for (let more = true; more; ) {
      const before = nTerms;
      nTerms = readWordLines(wr, wordKeys, nTerms, STEP_ITERATIONS);
      more = nTerms - before === STEP_ITERATIONS;
      yield;
    }
  }
  const slots = loaded.slots;
  const nSlots = slots.length;

  // every loop below is a plain function called per step: a loop inside this generator, resumed a few thousand
  // times, stays in unoptimized code (two to three times slower)
  // the counts go straight into the lexicon's columns (two bytes a term, see CountColumn), with room for the terms
  // of later changes: Int32 columns copied into them afterwards were 38 MB more at 1,000,000 entities
  const cnt = new CountColumn(nTerms + termRoom(nTerms));
  const df = new CountColumn(nTerms + termRoom(nTerms));
  cnt.length = nTerms;
  df.length = nTerms;
  // with room for the terms of later changes: the lexicon takes them as its columns (see termRoom)
  const parent = new Int32Array(nTerms + termRoom(nTerms)).subarray(0, nTerms);
  const lastWord = new Int32Array(nTerms + termRoom(nTerms)).subarray(0, nTerms);
  const tr = need('terms');
  for (let t = 0; t < nTerms; t += STEP_ITERATIONS) {
    readTerms(tr, t, Math.min(nTerms, t + STEP_ITERATIONS), parent, lastWord, df, cnt);
    yield;
  }
  tr.done();
  const postWords = termSet(nTerms, (t) => (parent[t] as number) < 0);
  const nWords = postWords.base[postWords.base.length - 1] as number;
  // format 8 on: the trie's child lists as stored, one child per multi-token
  let trie: PackedChildLists | undefined;
  if (version >= 8) {
    const multi = nTerms - nWords;
    const bytes = own('trie');
    const blocks = Math.ceil(nTerms / TRIE_MARK_EVERY);
    trie = { bytes, mark: new Int32Array(blocks), kidMark: new Int32Array(blocks), multi };
    const cr = new VarReader(bytes, 0, bytes.length, 'trie');
    const at = { k: 0 };
    for (let t = 0; t < nTerms; t += STEP_ITERATIONS) {
      readChildMarks(cr, t, Math.min(nTerms, t + STEP_ITERATIONS), nTerms, multi, trie.mark, trie.kidMark, at);
      yield;
    }
    cr.done();
    if (at.k !== multi) throw new SnapshotError('index snapshot is corrupt (section trie does not hold every multi-token)');
  }

  // the postings stay varints (see PostingTable), with an offset per single word (one term in ten or fewer), found
  // by rank: from format 7 each list's byte length is stored, before it was found by counting the bytes that end a
  // varint
  // left in its file when the reader could (see deferrable): a query reads a few lists, each read when decoded
  const postBytes = layout.deferred?.get('postings') ?? own('postings');
  const postStart = new Int32Array(nWords + 1);
  // format 5 holds each pair once, (t, u) under t < u, by t then u: put in both rows in that order, every row gets
  // its words in ascending order (see PairAdjacencyWriter); the section is read twice, to measure and to write
  let par = version >= 6 ? null : need('pairs');
  const pairWriter = new PairAdjacencyWriter(version >= 6 ? 0 : nTerms);
  if (version >= 7) {
    const rr = need('postRows');
    for (let w = 0; w < nWords; w += STEP_ITERATIONS) {
      readRowStarts(rr, postStart, w, Math.min(nWords, w + STEP_ITERATIONS));
      yield;
    }
    rr.done();
    if (postStart[nWords] !== postBytes.byteLength) throw new SnapshotError('index snapshot is corrupt (section postings does not match its rows)');
  } else {
    // formats before 7 are never left in a file (see deferrable)
    const scanned = postBytes instanceof Uint8Array ? postBytes : own('postings');
    const scan: PostingScan = { t: 0, word: 0, o: 0, from: 0, to: scanned.length };
    while (scan.t < nTerms) {
      scanPostingsAndPairs(STEP_ITERATIONS, scan, scanned, postStart, parent, df, par, pairWriter);
      yield;
    }
    postStart[scan.word] = scan.o;
    if (scan.o !== scanned.length) throw new SnapshotError('index snapshot is corrupt (section postings has trailing bytes)');
  }
  let pairs: PairAdjacency;
  if (par) {
    par.done();
    pairWriter.layout();
    par = need('pairs');
    for (let t = 0; t < nTerms; t += STEP_ITERATIONS) {
      readPairRows(par, t, Math.min(nTerms, t + STEP_ITERATIONS), parent, pairWriter);
      yield;
    }
    par.done();
    pairs = pairWriter.finish();
  } else {
    // the rows as they are held: a row length per single word, the rows copied
    const rr = need('pairRows');
    const pairBytes = own('pairs');
    // per single word (by rank), its row's length
    const rowLength = new Int32Array(nWords);
    const rowScan = { t: 0, word: 0 };
    while (rowScan.t < nTerms) {
      readRowLengths(rr, rowScan, Math.min(nTerms, rowScan.t + STEP_ITERATIONS), parent, rowLength);
      yield;
    }
    rr.done();
    let w = 0;
    const rows = termSet(nTerms, (t) => (parent[t] as number) < 0 && (rowLength[w++] as number) > 0);
    const start = rowStarts(rowLength, (rows.base[rows.base.length - 1] as number) + 1);
    if (start[start.length - 1] !== pairBytes.length) throw new SnapshotError('index snapshot is corrupt (section pairs does not match its rows)');
    yield;
    // each pair is in the rows of both its words: twice the header's count of pairs stands for the entries, which the
    // pair table reads only to choose when to settle its changes (counting the section's entries took 47 ms of a cold
    // ask at 1,000,000 entities)
    pairs = { rows, start, bytes: pairBytes, entries: 2 * header.counters.pairCount };
  }

  // the streams stay the section's varints (see TokenStreams): from format 7 each live slot's byte length is stored
  // with its field lengths, before its values were skipped
  // (and a one-shot reader may leave them in their file, see deferrable)
  const streamBytes = layout.deferred?.get('streams') ?? own('streams');
  const lr = need('lengths');
  const streamStart = new Float64Array(nSlots).fill(-1);
  const lengths = new Int32Array(nSlots * FIELDS);
  let streamEnd = 0;
  // before format 7, each stream's start is found by skipping the one before it
  let sr: VarReader | null = null;
  for (let slot = 0; slot < nSlots; slot += 1024) {
    const to = Math.min(nSlots, slot + 1024);
    if (version >= 7) streamEnd = readStreamSpans(lr, slots, slot, to, streamStart, lengths, streamEnd);
    else {
      sr ??= new VarReader(streamBytes as Uint8Array, 0, streamBytes.byteLength, 'streams');
      readStreamStarts(sr, lr, slots, slot, to, streamStart, lengths);
      streamEnd = sr.p;
    }
    yield;
  }
  if (streamEnd !== streamBytes.byteLength) throw new SnapshotError('index snapshot is corrupt (section streams does not match its lengths)');
  lr.done();
  const wr = need('surfaces');
  const surfaceWord = new Int32Array(header.surfaces.length);
  for (let i = 0; i < surfaceWord.length; i++) surfaceWord[i] = wr.u() - 1;
  wr.done();

  return {
    options: header.options,
    entities: slots,
    loaded: { urls: loaded.urls, acls: loaded.acls },
    inbound,
    wordKeys,
    cnt,
    df,
    parent,
    lastWord,
    ...(trie ? { trie } : {}),
    surfaceCount: new Map(header.surfaces),
    surfaceWord,
    postings: { words: postWords, start: postStart, bytes: postBytes, changed: new Map() },
    streams: TokenStreams.fromSection(streamBytes, streamStart),
    lengths,
    pairs,
    counters: header.counters,
  };
}
