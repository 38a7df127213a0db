import type { Entity } from './entity';
import { SnapshotError } from './errors';
import { findMembers, memberNames } from './jsonline';

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
 * The entities of an index by slot. A loaded snapshot's entities stay its UTF-8 JSON lines, one buffer with an
 * offset per slot, and an entity is parsed when it is read (a small cache keeps the last ones parsed); only its id
 * is held as a string. Entities added afterwards, and every entity of a bulk build, are held as objects, which take
 * the place of the line of a slot they reuse. Writing a snapshot writes the stored lines back as they are.
 */
export class EntitySlots {
  /** the stored lines (a copy of a snapshot's entities section), each ended by a newline */
  private lines: Uint8Array = EMPTY;
  /** line i is lines[lineStart[i], lineStart[i + 1] − 1), for i < lineCount */
  private lineStart = new Float64Array(1);
  private lineCount = 0;
  /** per slot: its entity as an object, or undefined (its stored line, or a free slot) */
  private readonly objects: Array<Entity | undefined> = [];
  /** per slot: its entity's id; undefined for a free slot */
  private readonly ids: Array<string | undefined> = [];
  /** per slot: its entity's category path, interned (see `category`) */
  private readonly categories: number[] = [];
  /** interned category paths, by their JSON */
  private readonly pathId = new Map<string, number>();
  private readonly paths: Array<readonly string[]> = [];
  /** per slot: LISTED bits of the entity's non-empty lists (headings, defined terms) */
  private readonly listed: number[] = [];
  private readonly parsed = new Map<number, Entity>();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly names = new Map<string, Uint8Array[]>();
  private readonly ranges = new Float64Array(2);

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
    return this.ids[slot] !== undefined;
  }

  /** The id of the entity at `slot`, or undefined for a free slot. */
  idAt(slot: number): string | undefined {
    return this.ids[slot];
  }

  /**
   * The category path of the entity at `slot` (empty for a free slot), held for every entity: the ranker's category
   * filter reads it for every entity it scores.
   */
  category(slot: number): readonly string[] {
    return this.paths[this.categories[slot] ?? 0] ?? NO_CATEGORY;
  }

  /**
   * Whether the entity at `slot` has a non-empty list of `key` (headings or defined terms), known without reading a
   * stored line, so a pass over the entities for them (the likely prompts) reads only the lines that hold some.
   */
  lists(slot: number, key: ListedField): boolean {
    return ((this.listed[slot] ?? 0) & LISTED[key]) !== 0;
  }

  private setListed(slot: number, bits: number): void {
    while (this.listed.length < slot) this.listed.push(0);
    this.listed[slot] = bits;
  }

  private internCategory(slot: number, category: readonly string[]): void {
    const key = JSON.stringify(category);
    let c = this.pathId.get(key);
    if (c === undefined) {
      c = this.paths.length;
      this.pathId.set(key, c);
      this.paths.push(category);
    }
    while (this.categories.length < slot) this.categories.push(0);
    this.categories[slot] = c;
  }

  /** Whether the entity at `slot` is its stored line. */
  private stored(slot: number): boolean {
    return slot < this.lineCount && this.objects[slot] === undefined && this.ids[slot] !== undefined;
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
    e = this.parseValue(this.lineStart[slot] as number, (this.lineStart[slot + 1] as number) - 1) as Entity;
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
    if (!findMembers(this.lines, this.lineStart[slot] as number, (this.lineStart[slot + 1] as number) - 1, name, r)) throw corruptLine();
    return r[0] === -1 ? undefined : (this.parseValue(r[0] as number, r[1] as number) as Entity[K]);
  }

  /** Puts entity `e` at `slot` (a new slot or a free one), held as an object. */
  set(slot: number, e: Entity): void {
    this.objects[slot] = e;
    this.ids[slot] = e.id;
    this.internCategory(slot, e.category);
    this.setListed(slot, (e.headings?.length ? LISTED.headings : 0) | (e.terms?.length ? LISTED.terms : 0));
    this.parsed.delete(slot);
  }

  /** Frees `slot`. */
  clear(slot: number): void {
    this.objects[slot] = undefined;
    this.ids[slot] = undefined;
    this.categories[slot] = 0;
    this.listed[slot] = 0;
    this.parsed.delete(slot);
  }

  /** The stored line of the entity at `slot` (without its newline), or null when it is an object or the slot is free. */
  storedLine(slot: number): Uint8Array | null {
    return this.stored(slot) ? this.lines.subarray(this.lineStart[slot] as number, (this.lineStart[slot + 1] as number) - 1) : null;
  }

  private parseValue(from: number, to: number): unknown {
    try {
      return JSON.parse(this.decoder.decode(this.lines.subarray(from, to)));
    } catch {
      throw corruptLine();
    }
  }

  /**
   * Takes the entities section of a snapshot (`lines`, owned from then on): per line, the id, URL and ACL its
   * entity's place in the index is rebuilt from (the link keys, the ACL class), found without parsing the rest of
   * the line. A stepwise task (see `runSteps` in serialize.ts) that yields every `every` lines.
   */
  static *fromLines(lines: Uint8Array, every: number): Generator<void, LoadedEntities, void> {
    const slots = new EntitySlots();
    const starts: number[] = [];
    const urls: Array<string | undefined> = [];
    const acls: Array<readonly string[] | undefined> = [];
    // a line is scanned to its end unless it has every member, so the lists' presence costs nothing more
    const names = memberNames(['id', 'url', 'acl', 'category', 'headings', 'terms']);
    const r = new Float64Array(12);
    slots.lines = lines;
    for (let p = 0; p < lines.length; ) {
      const nl = lines.indexOf(0x0a, p);
      if (nl < 0) throw new SnapshotError('index snapshot is corrupt (section entities does not end with a newline)');
      starts.push(p);
      const slot = slots.ids.length;
      if (lines[p] === NULL_LINE && nl - p === 4) {
        slots.ids.push(undefined);
      } else {
        if (!findMembers(lines, p, nl, names, r) || r[0] === -1) throw corruptLine();
        const id = slots.parseValue(r[0] as number, r[1] as number);
        const url = r[2] === -1 ? undefined : slots.parseValue(r[2] as number, r[3] as number);
        const acl = r[4] === -1 ? undefined : slots.parseValue(r[4] as number, r[5] as number);
        const empty = r[6] === -1 || (r[7] as number) - (r[6] as number) === 2;
        const category = empty ? NO_CATEGORY : slots.parseValue(r[6] as number, r[7] as number);
        if (typeof id !== 'string' || (url !== undefined && typeof url !== 'string') || (acl !== undefined && !Array.isArray(acl))) throw corruptLine();
        if (!Array.isArray(category)) throw corruptLine();
        slots.ids.push(id);
        slots.internCategory(slot, category as string[]);
        // a list is non-empty when its value is longer than `[]`
        slots.setListed(slot, ((r[9] as number) - (r[8] as number) > 2 ? LISTED.headings : 0) | ((r[11] as number) - (r[10] as number) > 2 ? LISTED.terms : 0));
        urls[slot] = url as string | undefined;
        acls[slot] = acl as string[] | undefined;
      }
      p = nl + 1;
      if (((slot + 1) & (every - 1)) === 0) yield;
    }
    starts.push(lines.length);
    slots.lineStart = Float64Array.from(starts);
    slots.lineCount = starts.length - 1;
    return { slots, urls, acls };
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
      } else slots.ids[slot] = undefined;
    });
    return { slots, urls, acls };
  }
}

/** The entities of a decoded snapshot, with what restoring the index reads of each (by slot; see EntitySlots.fromLines). */
export interface LoadedEntities {
  slots: EntitySlots;
  urls: ReadonlyArray<string | undefined>;
  acls: ReadonlyArray<readonly string[] | undefined>;
}

function corruptLine(): SnapshotError {
  return new SnapshotError('index snapshot is corrupt (section entities holds a line that does not parse)');
}
