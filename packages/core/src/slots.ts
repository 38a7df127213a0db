import type { Entity } from './entity';
import { SnapshotError } from './errors';
import { findMembers, memberNames } from './jsonline';
import { ByteColumn, IntColumn } from './intcolumn';
import { SlotIds } from './slotids';

export { escapeLine, unescapeLine } from './slotids';
import { LineReader, parseLine, type VarReader } from './snapshotread';
import type { SectionReader } from './snapshotlayout';

/**
 * Entities parsed from their stored lines kept for the next read, least recently used out first: the results of the
 * answers being served and the link targets they name, a few MB, where every entity parsed took about 1.3× its line.
 */
export const PARSED_ENTITIES = 4096;

const EMPTY = new Uint8Array(0);
const NO_CATEGORY: readonly string[] = [];
/** The lists of an entity whose presence is held per slot (see EntitySlots.lists), as bits. */
const LISTED = { headings: 1, terms: 2 } as const;
export type ListedField = keyof typeof LISTED;
const NULL_LINE = 0x6e; // "n" of the line `null` (a free slot)
/**
 * Bytes of each buffer a bulk build appends entity lines to: the lines grow in buffers of their own rather than one
 * that doubles, which would need the old and the new buffer at once (1.3 GB of lines at 1,000,000 entities).
 */
const LINE_CHUNK = 16 << 20;
/** Bytes of each read when a section left in its file is written whole (a single read is capped below 2 GiB). */
const DEFERRED_PIECE = 64 << 20;

/**
 * The entities of an index by slot. A loaded snapshot's entities, and those of a bulk build, stay UTF-8 JSON lines
 * (a loaded snapshot's in one buffer, a bulk build's in buffers of LINE_CHUNK bytes) with an offset per slot, and
 * an entity is parsed when it is read (a small cache keeps the last ones parsed); only its id is held as a string.
 * Entities added afterwards are held as objects, which take the place of the line of a slot they reuse. Writing a
 * snapshot writes the stored lines back as they are.
 */
export class EntitySlots {
  /** the buffers of the stored lines (a copy of a snapshot's entities section), each line ended by a newline */
  private chunks: Uint8Array[] = [];
  /** offset of each buffer's first byte in the concatenation of the buffers, and after the last */
  private chunkStart: number[] = [0];
  /** line i is the bytes [lineStart[i], lineStart[i + 1] − 1) of that concatenation, for i < lineCount */
  private lineStart = new Float64Array(1);
  private lineCount = 0;
  /**
   * the stored lines when a snapshot's section was left in its file (see SectionReader): each read as it is asked
   * for, at the offsets of `lineStart`, and `chunks` is empty
   */
  private deferred: SectionReader | null = null;
  /** the buffer being appended to by a bulk build, and its bytes used */
  private tail: Uint8Array = EMPTY;
  private tailUsed = 0;
  private readonly encoder = new TextEncoder();
  /** the buffer of the line read last, and the offsets of that line in it */
  private chunk: Uint8Array = EMPTY;
  private readonly at = new Float64Array(2);
  /** per slot: its entity as an object, or undefined (its stored line, or a free slot) */
  private readonly objects: Array<Entity | undefined> = [];
  /** per slot: its entity's id; undefined for a free slot */
  private ids = new SlotIds();
  /** per slot: its entity's category path, interned (see `category`); typed columns, as they are 1 M long at 1 M */
  private readonly categories = new IntColumn(0);
  /** interned category paths, by their JSON */
  private readonly pathId = new Map<string, number>();
  private readonly paths: Array<readonly string[]> = [];
  /** per slot: LISTED bits of the entity's non-empty lists (headings, defined terms) */
  private readonly listed = new ByteColumn(0);
  private readonly parsed = new Map<number, Entity>();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly names = new Map<string, Uint8Array[]>();
  private readonly ranges = new Float64Array(2);
  private readonly ranges4 = new Float64Array(4);

  constructor() {
    // path 0 is the empty one, so a free slot reads as no category
    this.pathId.set('[]', 0);
    this.paths.push(NO_CATEGORY);
  }

  /** Slots taken or freed so far: the next new slot's number. */
  get length(): number {
    return this.ids.length;
  }

  /** Whether `slot` holds an entity. */
  has(slot: number): boolean {
    return this.ids.has(slot);
  }

  /** The id of the entity at `slot`, or undefined for a free slot. */
  idAt(slot: number): string | undefined {
    return this.ids.get(slot);
  }

  /** Every slot's id, in slot order (undefined for a free slot): for a pass over them all, faster than idAt each. */
  idList(): Array<string | undefined> {
    return this.ids.all();
  }

  /**
   * The category path of the entity at `slot` (empty for a free slot), held for every entity: the ranker's category
   * filter reads it for every entity it scores.
   */
  category(slot: number): readonly string[] {
    return this.paths[this.categories.data[slot] ?? 0] ?? NO_CATEGORY;
  }

  /**
   * Whether the entity at `slot` has a non-empty list of `key` (headings or defined terms), known without reading a
   * stored line, so a pass over the entities for them (the likely prompts) reads only the lines that hold some.
   */
  lists(slot: number, key: ListedField): boolean {
    return ((this.listed.data[slot] ?? 0) & LISTED[key]) !== 0;
  }

  private setListed(slot: number, bits: number): void {
    if (this.listed.length <= slot) this.listed.extend(slot + 1 - this.listed.length);
    this.listed.data[slot] = bits;
  }

  private internCategory(slot: number, category: readonly string[]): void {
    this.setPath(slot, this.internPath(category));
  }

  /** The number of category path `category` (see `category`), interned if it is new. */
  private internPath(category: readonly string[]): number {
    // most entities of a large collection have none: path 0, without a key to make
    if (category.length === 0) return 0;
    const key = JSON.stringify(category);
    const known = this.pathId.get(key);
    if (known !== undefined) return known;
    const c = this.paths.length;
    this.pathId.set(key, c);
    this.paths.push(category);
    return c;
  }

  private setPath(slot: number, c: number): void {
    if (this.categories.length <= slot) this.categories.extend(slot + 1 - this.categories.length);
    this.categories.data[slot] = c;
  }

  /** Whether the entity at `slot` is its stored line. */
  private stored(slot: number): boolean {
    return slot < this.lineCount && this.objects[slot] === undefined && this.ids.has(slot);
  }

  /** The entity at `slot` (parsed from its line when stored so), or undefined for a free slot. */
  get(slot: number): Entity | undefined {
    const o = this.objects[slot];
    if (o !== undefined) return o;
    if (!this.stored(slot)) return undefined;
    let e = this.parsed.get(slot);
    if (e !== undefined) {
      this.parsed.delete(slot);
      this.parsed.set(slot, e);
      return e;
    }
    this.locate(slot);
    e = this.parseValue(this.at[0] as number, this.at[1] as number) as Entity;
    this.parsed.set(slot, e);
    if (this.parsed.size > PARSED_ENTITIES) this.parsed.delete(this.parsed.keys().next().value as number);
    return e;
  }

  /**
   * One field of the entity at `slot`, reading only that member of a stored line (a title or a category path costs a
   * scan of the line, not a parse of its text). Undefined for a free slot or an absent field.
   */
  field<K extends keyof Entity>(slot: number, key: K): Entity[K] | undefined {
    if (key === 'category') return this.category(slot) as Entity[K];
    const o = this.objects[slot] ?? this.parsed.get(slot);
    if (o !== undefined) return o[key];
    if (!this.stored(slot)) return undefined;
    let name = this.names.get(key);
    if (!name) {
      name = memberNames([key]);
      this.names.set(key, name);
    }
    const r = this.ranges;
    this.locate(slot);
    if (!findMembers(this.chunk, this.at[0] as number, this.at[1] as number, name, r)) throw corruptLine();
    return r[0] === -1 ? undefined : (this.parseValue(r[0] as number, r[1] as number) as Entity[K]);
  }

  /** Puts entity `e` at `slot` (a new slot or a free one), held as an object. */
  set(slot: number, e: Entity): void {
    this.objects[slot] = e;
    this.ids.set(slot, e.id);
    this.internCategory(slot, e.category);
    this.setListed(slot, (e.headings?.length ? LISTED.headings : 0) | (e.terms?.length ? LISTED.terms : 0));
    this.parsed.delete(slot);
  }

  /**
   * Puts entity `e` at `slot` as its JSON line, as a bulk build holds its entities: `slot` is the next slot and
   * every slot before it is a stored line. The object is not kept.
   */
  appendLine(slot: number, e: Entity): void {
    if (slot !== this.lineCount || slot !== this.ids.length) throw new RangeError(`appendLine: slot ${slot} is not the next line (${this.lineCount})`);
    this.appendText(slot, JSON.stringify(e));
    this.ids.set(slot, e.id);
    this.objects[slot] = undefined;
    this.internCategory(slot, e.category);
    this.setListed(slot, (e.headings?.length ? LISTED.headings : 0) | (e.terms?.length ? LISTED.terms : 0));
  }

  /** Appends line `slot`, given as its text or its UTF-8 bytes (without the newline). */
  private appendText(slot: number, line: string | Uint8Array): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const most = typeof line === 'string' ? line.length * 3 + 1 : line.length + 1;
    if (this.tail.length - this.tailUsed < most) {
      this.closeTail();
      this.tail = new Uint8Array(Math.max(LINE_CHUNK, most));
    }
    const from = (this.chunkStart[this.chunks.length] as number) + this.tailUsed;
    if (typeof line === 'string') this.tailUsed += this.encoder.encodeInto(line, this.tail.subarray(this.tailUsed)).written;
    else {
      this.tail.set(line, this.tailUsed);
      this.tailUsed += line.length;
    }
    this.tail[this.tailUsed++] = 0x0a;
    if (this.lineStart.length < slot + 2) {
      const grown = new Float64Array(Math.max(1024, this.lineStart.length * 2));
      grown.set(this.lineStart);
      this.lineStart = grown;
    }
    this.lineStart[slot] = from;
    this.lineStart[slot + 1] = (this.chunkStart[this.chunks.length] as number) + this.tailUsed;
    this.lineCount = slot + 1;
  }

  /**
   * Rewrites the stored lines of a bulk build (every slot a line, as `appendLine` makes them) with `change` applied to
   * each entity: a line whose entity `change` returns unchanged (the same object) is copied as it is. The ids, the
   * category paths and the lists' presence must stay those of the entity (a bulk build's title boilerplate).
   */
  rewriteLines(change: (e: Entity) => Entity): void {
    if (this.deferred) throw new RangeError('rewriteLines: the lines of a loaded snapshot are rewritten by a build');
    const count = this.lineCount;
    this.closeTail();
    const chunks = this.chunks;
    const chunkStart = this.chunkStart;
    const lineStart = this.lineStart;
    this.chunks = [];
    this.chunkStart = [0];
    this.lineStart = new Float64Array(lineStart.length);
    this.lineCount = 0;
    this.parsed.clear();
    // the buffer of the last line read may be an old one, let go below
    this.chunk = EMPTY;
    let c = 0;
    for (let slot = 0; slot < count; slot++) {
      const from = lineStart[slot] as number;
      while ((chunkStart[c + 1] as number) <= from) c++;
      const chunk = chunks[c] as Uint8Array;
      const line = chunk.subarray(from - (chunkStart[c] as number), (lineStart[slot + 1] as number) - 1 - (chunkStart[c] as number));
      const e = JSON.parse(this.decoder.decode(line)) as Entity;
      const changed = change(e);
      if (changed.id !== e.id) throw new RangeError('rewriteLines: an entity changed its id');
      this.appendText(slot, changed === e ? line : JSON.stringify(changed));
      // the old buffers go as soon as their last line is copied
      if (from - (chunkStart[c] as number) + line.length + 1 === chunk.length) chunks[c] = EMPTY;
    }
  }

  /** Ends the buffer being appended to: its used bytes become a stored buffer. */
  private closeTail(): void {
    if (this.tailUsed === 0) return;
    this.chunks.push(this.tail.subarray(0, this.tailUsed));
    this.chunkStart.push((this.chunkStart[this.chunks.length - 1] as number) + this.tailUsed);
    this.tail = EMPTY;
    this.tailUsed = 0;
  }

  /** Points `chunk` and `at` at the stored line of `slot` (without its newline). */
  private locate(slot: number): void {
    const from = this.lineStart[slot] as number;
    const to = (this.lineStart[slot + 1] as number) - 1;
    if (this.deferred) {
      // a buffer of its own per read: a line handed out (storedLine) stays as it was
      this.chunk = this.deferred.read(from, to - from);
      if (this.chunk.length !== to - from) throw new SnapshotError('index snapshot is truncated (section entities)');
      this.at[0] = 0;
      this.at[1] = to - from;
      return;
    }
    const starts = this.chunkStart;
    let c: number;
    if (this.tailUsed > 0 && from >= (starts[this.chunks.length] as number)) {
      // in the buffer a bulk build is appending to
      this.chunk = this.tail;
      c = this.chunks.length;
    } else {
      let lo = 0;
      let hi = this.chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= from) lo = mid;
        else hi = mid - 1;
      }
      c = lo;
      this.chunk = this.chunks[c] as Uint8Array;
    }
    const base = starts[c] as number;
    this.at[0] = from - base;
    this.at[1] = to - base;
  }

  /**
   * The entities section as the stored buffers, when every slot is a stored line (a bulk build, or a loaded snapshot
   * no change touched), so a writer takes them without a copy; else null.
   */
  lineParts(): Uint8Array[] | null {
    if (this.lineCount !== this.ids.length) return null;
    for (let slot = 0; slot < this.lineCount; slot++) if (!this.stored(slot)) return null;
    const deferred = this.deferred;
    if (deferred) {
      const parts: Uint8Array[] = [];
      for (let off = 0; off < deferred.byteLength; off += DEFERRED_PIECE) parts.push(deferred.read(off, Math.min(DEFERRED_PIECE, deferred.byteLength - off)));
      return parts;
    }
    this.closeTail();
    return this.chunks.slice();
  }

  /** The byte length of the stored line of `slot`, its newline included (see lineParts: every slot is a stored line). */
  storedLineBytes(slot: number): number {
    return (this.lineStart[slot + 1] as number) - (this.lineStart[slot] as number);
  }

  /** Frees `slot`. */
  clear(slot: number): void {
    this.objects[slot] = undefined;
    this.ids.set(slot, undefined);
    if (slot < this.categories.length) this.categories.data[slot] = 0;
    if (slot < this.listed.length) this.listed.data[slot] = 0;
    this.parsed.delete(slot);
  }

  /** The stored line of the entity at `slot` (without its newline), or null when it is an object or the slot is free. */
  storedLine(slot: number): Uint8Array | null {
    if (!this.stored(slot)) return null;
    this.locate(slot);
    return this.chunk.subarray(this.at[0] as number, this.at[1] as number);
  }

  /** The value of the JSON text at [from, to) of the buffer `locate` pointed at. */
  private parseValue(from: number, to: number): unknown {
    try {
      return JSON.parse(this.decoder.decode(this.chunk.subarray(from, to)));
    } catch {
      throw corruptLine();
    }
  }

  /**
   * What a snapshot keeps of the entity at `slot` to rebuild its place in the index without reading it (see
   * serialize.ts): its id, URL, ACL, category path (as its interned number, see `categoryPath`) and list bits; null
   * for a free slot. A stored line is searched for its URL and ACL only.
   */
  keyParts(slot: number): SlotKey | null {
    const id = this.ids.get(slot);
    if (id === undefined) return null;
    let url: unknown;
    let acl: unknown;
    const o = this.objects[slot] ?? this.parsed.get(slot);
    if (o !== undefined) {
      url = o.url;
      acl = o.acl;
    } else {
      const r = this.ranges4;
      this.locate(slot);
      if (!findMembers(this.chunk, this.at[0] as number, this.at[1] as number, URL_ACL, r)) throw corruptLine();
      url = r[0] === -1 ? undefined : this.parseValue(r[0] as number, r[1] as number);
      acl = r[2] === -1 ? undefined : this.parseValue(r[2] as number, r[3] as number);
    }
    return {
      id,
      url: url as string | undefined,
      acl: acl as readonly string[] | undefined,
      path: this.categories.data[slot] ?? 0,
      listed: this.listed.data[slot] ?? 0,
    };
  }

  /** The category path interned as number `path` (see keyParts). */
  categoryPath(path: number): readonly string[] {
    return this.paths[path] ?? NO_CATEGORY;
  }

  /**
   * Takes the entities section of a snapshot (`lines`, owned from then on) and what each slot's place in the index is
   * rebuilt from (the id, the URL for the link keys, the ACL for its class, the category path, whether the headings
   * and defined terms are empty): from the `keys` section, a short line per slot (format 7 on), or else found in each
   * entity's line without parsing the rest of it. A stepwise task (see `runSteps` in serialize.ts) that yields every
   * `every` lines.
   */
  static *fromLines(lines: Uint8Array, every: number, keys?: Uint8Array): Generator<void, LoadedEntities, void> {
    const slots = new EntitySlots();
    const load: LineLoad = {
      p: 0,
      starts: [],
      urls: [],
      acls: [],
      keys: keys ? new LineReader(keys, 0, keys.length, 'keys') : null,
      // a line is scanned to its end unless it has every member, so the lists' presence costs nothing more
      names: memberNames(['id', 'url', 'acl', 'category', 'headings', 'terms']),
      r: new Float64Array(12),
    };
    slots.chunks = [lines];
    slots.chunkStart = [0, lines.length];
    slots.chunk = lines;
    // a plain method per step: a loop inside this generator would stay in unoptimized code
    while (load.p < lines.length) {
      slots.loadLines(lines, load, every);
      yield;
    }
    load.keys?.done();
    load.starts.push(lines.length);
    slots.lineStart = Float64Array.from(load.starts);
    slots.lineCount = load.starts.length - 1;
    return { slots, urls: load.urls, acls: load.acls };
  }

  /**
   * Format 8 on: the entities section as its bytes, or as a reader of them left in their file (read a line at a time
   * when an entity is asked for), each slot's line found by its byte length in `rows` (the `entityRows` section), and
   * each slot's place in the index read from `keys` (see SlotKeySections); the URLs stay their section, read when
   * the link keys are made (see EntityGraph.keySteps). A stepwise task that yields every `every` slots.
   */
  static *fromRows(lines: Uint8Array | SectionReader, rows: VarReader, keys: SlotKeySections, every: number): Generator<void, LoadedEntities, void> {
    const slots = new EntitySlots();
    if (lines instanceof Uint8Array) {
      slots.chunks = [lines];
      slots.chunkStart = [0, lines.length];
      slots.chunk = lines;
    } else slots.deferred = lines;
    // the ids stay their section's bytes (see SlotIds)
    slots.ids = SlotIds.fromSection(keys.ids);
    const count = slots.ids.length;
    const pathNumber: number[] = [];
    const pr = new LineReader(keys.paths, 0, keys.paths.length, 'paths');
    for (let line = pr.next(); line !== null; line = pr.next()) {
      const path = parseLine(line, 'paths');
      if (!Array.isArray(path) || !path.every((x) => typeof x === 'string')) throw new SnapshotError('index snapshot is corrupt (section paths holds a line that is not a category path)');
      pathNumber.push(slots.internPath(path as string[]));
    }
    slots.lineStart = new Float64Array(count + 1);
    slots.categories.extend(count);
    slots.listed.extend(count);
    const load: RowLoad = { p: 0, slot: 0, acls: [], pathNumber, slotKeys: keys.slotKeys, aclLines: new LineReader(keys.acls, 0, keys.acls.length, 'acls') };
    while (!rows.atEnd()) {
      slots.loadRows(rows, load, every);
      yield;
    }
    keys.slotKeys.done();
    load.aclLines.done();
    if (load.slot !== count) throw new SnapshotError('index snapshot is corrupt (section ids does not match the entities)');
    if (load.p !== lines.byteLength) throw new SnapshotError('index snapshot is corrupt (section entityRows does not match the entities)');
    slots.lineStart[count] = load.p;
    slots.lineCount = count;
    return { slots, urls: keys.urls, acls: load.acls };
  }

  /** Takes up to `max` slots of the `entityRows` section (see fromRows). */
  private loadRows(rows: VarReader, load: RowLoad, max: number): void {
    const categories = this.categories.data;
    const listed = this.listed.data;
    for (let i = 0; i < max && !rows.atEnd(); i++) {
      const n = rows.u();
      const slot = load.slot++;
      const key = load.slotKeys.u();
      const aclLine = load.aclLines.next();
      if (slot >= this.ids.length || aclLine === null) throw new SnapshotError('index snapshot is corrupt (its key sections have fewer slots than entities)');
      this.lineStart[slot] = load.p;
      load.p += n;
      const free = !this.ids.has(slot);
      // a free slot's line is `null` and its newline (an entity's JSON object is longer), its id line empty
      if (n === 5 && free) {
        if (key !== 0 || aclLine !== '') throw new SnapshotError('index snapshot is corrupt (section slotKeys does not match the entities)');
        continue;
      }
      const path = load.pathNumber[key >> 2];
      if (path === undefined || free) throw new SnapshotError('index snapshot is corrupt (section slotKeys does not match the entities)');
      categories[slot] = path;
      listed[slot] = key & (LISTED.headings | LISTED.terms);
      if (aclLine !== '') {
        const acl = parseLine(aclLine, 'acls');
        if (!Array.isArray(acl)) throw new SnapshotError('index snapshot is corrupt (section acls holds a line that is not an ACL)');
        load.acls[slot] = acl as string[];
      }
    }
  }

  /** Takes up to `max` lines of a loaded entities section (see fromLines). */
  private loadLines(lines: Uint8Array, load: LineLoad, max: number): void {
    for (let i = 0; i < max && load.p < lines.length; i++) {
      const p = load.p;
      const nl = lines.indexOf(0x0a, p);
      if (nl < 0) throw new SnapshotError('index snapshot is corrupt (section entities does not end with a newline)');
      load.starts.push(p);
      const slot = this.ids.length;
      const free = lines[p] === NULL_LINE && nl - p === 4;
      if (load.keys) this.loadKeyLine(slot, free, load);
      else if (free) this.ids.set(slot, undefined);
      else this.scanLine(slot, lines, p, nl, load);
      load.p = nl + 1;
    }
  }

  /** The place of the entity at `slot` from its line of the `keys` section (see keyLine). */
  private loadKeyLine(slot: number, free: boolean, load: LineLoad): void {
    const line = (load.keys as LineReader).next();
    if (line === null) throw new SnapshotError('index snapshot is corrupt (section keys has fewer lines than entities)');
    if (line === 'null' || free) {
      if (line !== 'null' || !free) throw new SnapshotError('index snapshot is corrupt (section keys does not match the entities)');
      this.ids.set(slot, undefined);
      return;
    }
    const k = parseLine(line, 'keys') as unknown[];
    const [id, url, acl, category, listed] = Array.isArray(k) ? k : [];
    const ok =
      typeof id === 'string' &&
      (url === null || typeof url === 'string') &&
      (acl === null || Array.isArray(acl)) &&
      Array.isArray(category) &&
      typeof listed === 'number';
    if (!ok) throw new SnapshotError('index snapshot is corrupt (section keys holds a line that is not a slot key)');
    this.ids.set(slot, id);
    this.internCategory(slot, category.length ? (category as string[]) : NO_CATEGORY);
    this.setListed(slot, listed & (LISTED.headings | LISTED.terms));
    load.urls[slot] = url ?? undefined;
    load.acls[slot] = (acl as string[] | null) ?? undefined;
  }

  /** The place of the entity at `slot` from the members of its line, lines[p, nl). */
  private scanLine(slot: number, lines: Uint8Array, p: number, nl: number, load: LineLoad): void {
    const r = load.r;
    if (!findMembers(lines, p, nl, load.names, r) || r[0] === -1) throw corruptLine();
    const id = this.parseValue(r[0] as number, r[1] as number);
    const url = r[2] === -1 ? undefined : this.parseValue(r[2] as number, r[3] as number);
    const acl = r[4] === -1 ? undefined : this.parseValue(r[4] as number, r[5] as number);
    const empty = r[6] === -1 || (r[7] as number) - (r[6] as number) === 2;
    const category = empty ? NO_CATEGORY : this.parseValue(r[6] as number, r[7] as number);
    if (typeof id !== 'string' || (url !== undefined && typeof url !== 'string') || (acl !== undefined && !Array.isArray(acl))) throw corruptLine();
    if (!Array.isArray(category)) throw corruptLine();
    this.ids.set(slot, id);
    this.internCategory(slot, category as string[]);
    // a list is non-empty when its value is longer than `[]`
    this.setListed(slot, ((r[9] as number) - (r[8] as number) > 2 ? LISTED.headings : 0) | ((r[11] as number) - (r[10] as number) > 2 ? LISTED.terms : 0));
    load.urls[slot] = url as string | undefined;
    load.acls[slot] = acl as string[] | undefined;
  }

  /** Slots of entities given as objects (`undefined`: a free slot), as a bulk build or an older snapshot holds them. */
  static fromObjects(entities: ReadonlyArray<Entity | undefined>): LoadedEntities {
    const slots = new EntitySlots();
    const urls: Array<string | undefined> = [];
    const acls: Array<readonly string[] | undefined> = [];
    entities.forEach((e, slot) => {
      if (e) {
        slots.set(slot, e);
        urls[slot] = e.url;
        acls[slot] = e.acl;
      } else slots.ids.set(slot, undefined);
    });
    return { slots, urls, acls };
  }
}

/** The entities of a decoded snapshot, with what restoring the index reads of each (by slot; see EntitySlots.fromLines). */
export interface LoadedEntities {
  slots: EntitySlots;
  /** per slot its URL: as strings, or (format 8 on) the `urls` section, a line per slot (see escapeLine) */
  urls: ReadonlyArray<string | undefined> | Uint8Array;
  acls: ReadonlyArray<readonly string[] | undefined>;
}

/** Where a load of an entities section is (see EntitySlots.fromLines). */
interface LineLoad {
  /** the next line's first byte */
  p: number;
  starts: number[];
  urls: Array<string | undefined>;
  acls: Array<readonly string[] | undefined>;
  /** the `keys` section's lines, when the snapshot has them */
  keys: LineReader | null;
  names: Uint8Array[];
  r: Float64Array;
}

const URL_ACL = memberNames(['url', 'acl']);

function corruptLine(): SnapshotError {
  return new SnapshotError('index snapshot is corrupt (section entities holds a line that does not parse)');
}

/**
 * The sections of a snapshot (format 8 on) that give each slot's place in the index, one entry per slot:
 * - `ids`: its entity's id as a line (see escapeLine), an empty line for a free slot;
 * - `slotKeys`: a varint, its category path's number in `paths` times 4 plus its list bits (0 for a free slot);
 * - `paths`: the category paths (as JSON), the empty one first, then in the order the slots first use them;
 * - `urls`: its entity's URL as a line (empty when it has none);
 * - `acls`: its entity's ACL as JSON, an empty line when it has none.
 */
export interface SlotKeySections {
  ids: Uint8Array;
  slotKeys: VarReader;
  paths: Uint8Array;
  urls: Uint8Array;
  acls: Uint8Array;
}

/** What a snapshot keeps of an entity for its place in the index (see EntitySlots.keyParts). */
export interface SlotKey {
  id: string;
  url: string | undefined;
  acl: readonly string[] | undefined;
  path: number;
  listed: number;
}

/** Where a load of the format 8 key sections is (see EntitySlots.fromRows). */
interface RowLoad {
  p: number;
  /** the next slot */
  slot: number;
  acls: Array<readonly string[] | undefined>;
  /** per path of the `paths` section, its interned number */
  pathNumber: number[];
  slotKeys: VarReader;
  aclLines: LineReader;
}
