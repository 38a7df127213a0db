import type { Entity } from './entity';
import { runSteps, STEP_ITERATIONS, type InboundLink, type IndexState } from './serialize';
import { EntitySlots, unescapeLine, type LoadedEntities } from './slots';
import { LineReader } from './snapshotread';
import type { IndexVersion } from './version';

/** The links of one entity to one target (see {@link EntityGraph.outlinks}). */
export interface OutLink {
  /** Target without its fragment. */
  url: string;
  /** Target as linked. */
  full: string;
  /** Title of the target entity when indexed, else the anchor text of the first link. */
  title: string;
  /** Summed weight of the links: 10 per see-also or related link, 1 per other link. */
  weight: number;
}

/** Key under which links and entities meet: a URL without fragment, or an id. */
export function linkKey(url: string): string {
  const h = url.indexOf('#');
  return h >= 0 ? url.slice(0, h) : url;
}

/**
 * The entities of an index by slot, and the link graph between them: every entity is reachable by its id and its
 * URL (the link keys; the first registered entity owns a shared key), and every link is recorded under the key it
 * points at, resolved or not, so the anchor texts of an entity's inbound links can feed its anchor field. A removed
 * entity's slot is reused by the next one added.
 */
export class EntityGraph {
  /** entities by slot (see slots.ts: a loaded snapshot's stay its lines) */
  entities = new EntitySlots();
  /**
   * The maps from keys to slots (see slotOf, keySlot). A restored snapshot's are made when first asked for, or by
   * `keySteps` (a server makes them while it decodes): at 1,000,000 entities they take 0.6 s, which a one-off reader
   * whose answer resolves no link does not spend.
   */
  private keyMaps: KeyMaps | null = { slotOf: new Map(), keySlot: new Map() };
  /** a restored snapshot's URLs by slot, until its key maps are made */
  private restoredUrls: LoadedEntities['urls'] | null = null;
  private freeSlots: number[] = [];
  /** live entities */
  live = 0;
  /** link key → links pointing at it (from any entity, resolved or not) */
  inbound = new Map<string, InboundLink[]>();
  /** outbound links grouped by target, per entity, for the current version (targets' titles depend on it) */
  private linkCache: { version: number; map: WeakMap<Entity, readonly OutLink[]> } = { version: -1, map: new WeakMap() };

  constructor(private readonly version: IndexVersion) {}

  /** entity id → slot */
  get slotOf(): Map<string, number> {
    return (this.keyMaps ?? runSteps(this.keySteps())).slotOf;
  }

  /** link key (url or id) → slot, for resolving links to entities */
  get keySlot(): Map<string, number> {
    return (this.keyMaps ?? runSteps(this.keySteps())).keySlot;
  }

  /** Makes the key maps of a restored snapshot (see keyMaps), as a stepwise task; returns them. */
  *keySteps(): Generator<void, KeyMaps, void> {
    if (this.keyMaps) return this.keyMaps;
    const slots = this.entities;
    const restored = this.restoredUrls;
    // a reader of its own: a second making of the maps (a caller that asks for them meanwhile) reads from the start
    const urls = restored instanceof Uint8Array ? new LineReader(restored, 0, restored.length, 'urls') : restored;
    const slotOf = new Map<string, number>();
    const keySlot = new Map<string, number>();
    // a change meanwhile makes the maps itself first (see slotOf), so these ids are those the maps are made for
    const ids = slots.idList();
    for (let slot = 0; slot < slots.length; slot++) {
      if ((slot & (STEP_ITERATIONS - 1)) === 0) yield;
      // a snapshot's `urls` section has a line for every slot: read in step with them
      const line = urls instanceof LineReader ? urls.next() : undefined;
      const id = ids[slot];
      if (id === undefined) continue;
      slotOf.set(id, slot);
      const url = urls instanceof LineReader ? (line ? unescapeLine(line, 'urls') : undefined) : urls ? urls[slot] : slots.field(slot, 'url');
      // the first registered entity owns a shared key, as in `register`: slot order is registration order
      if (!keySlot.has(id)) keySlot.set(id, slot);
      if (url) {
        const k = linkKey(url);
        if (!keySlot.has(k)) keySlot.set(k, slot);
      }
    }
    // a caller that asked for them meanwhile made them already: theirs stay, changes may have followed
    this.keyMaps ??= { slotOf, keySlot };
    this.restoredUrls = null;
    return this.keyMaps;
  }

  get(id: string): Entity | undefined {
    const s = this.slotOf.get(id);
    return s === undefined ? undefined : this.entities.get(s);
  }

  /** The slot of the indexed entity a link points at: by id, else by its URL (fragment aside). */
  private target(url: string): number | undefined {
    return this.slotOf.get(url) ?? this.keySlot.get(linkKey(url));
  }

  private entityKeys(e: Entity): string[] {
    const keys = [e.id];
    if (e.url) keys.push(linkKey(e.url));
    return keys;
  }

  /**
   * Gives an entity a slot (a free one first) and its link keys; returns the slot. `asLine`: the entity is held as
   * its JSON line, not as the object (a bulk build, which takes every slot in order; see EntitySlots.appendLine).
   */
  register(e: Entity, asLine = false): number {
    const slot = this.freeSlots.length ? (this.freeSlots.pop() as number) : this.entities.length;
    if (asLine) this.entities.appendLine(slot, e);
    else this.entities.set(slot, e);
    this.slotOf.set(e.id, slot);
    for (const k of this.entityKeys(e)) if (!this.keySlot.has(k)) this.keySlot.set(k, slot);
    this.live++;
    return slot;
  }

  /** Records the entity's outbound links; returns the slots whose anchor text changed. */
  registerLinks(e: Entity): Set<number> {
    const touched = new Set<number>();
    const own = new Set(this.entityKeys(e));
    for (const l of e.links) {
      const k = linkKey(l.url);
      if (own.has(k) || !l.text.trim()) continue;
      let list = this.inbound.get(k);
      if (!list) {
        list = [];
        this.inbound.set(k, list);
      }
      list.push({ from: e.id, text: l.text });
      const t = this.keySlot.get(k);
      if (t !== undefined) touched.add(t);
    }
    return touched;
  }

  /**
   * Frees the slot of entity `e` and drops its outbound links and link keys; returns the other slots whose anchor
   * text changed.
   */
  unregister(slot: number, e: Entity): Set<number> {
    const touched = new Set<number>();
    for (const l of e.links) {
      const k = linkKey(l.url);
      const list = this.inbound.get(k);
      if (!list) continue;
      const rest = list.filter((x) => x.from !== e.id);
      if (rest.length) this.inbound.set(k, rest);
      else this.inbound.delete(k);
      const t = this.keySlot.get(k);
      if (t !== undefined && t !== slot) touched.add(t);
    }
    for (const k of this.entityKeys(e)) if (this.keySlot.get(k) === slot) this.keySlot.delete(k);
    this.slotOf.delete(e.id);
    this.entities.clear(slot);
    this.freeSlots.push(slot);
    this.live--;
    return touched;
  }

  /**
   * Anchor texts of links pointing at an entity, in a canonical order (independent of insertion order); with
   * `mayFeed`, only those of the source entities (by slot) it accepts.
   */
  anchorTexts(e: Entity, mayFeed?: (fromSlot: number) => boolean): string[] {
    const out: Array<InboundLink> = [];
    const seen = new Set<string>();
    for (const k of this.entityKeys(e)) {
      if (seen.has(k)) continue;
      seen.add(k);
      const list = this.inbound.get(k);
      if (!list) continue;
      for (const x of list) {
        if (x.from === e.id) continue;
        if (mayFeed) {
          const from = this.slotOf.get(x.from);
          if (from === undefined || !mayFeed(from)) continue;
        }
        out.push(x);
      }
    }
    out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    return out.map((x) => x.text);
  }

  /**
   * The links of an entity grouped by (target without fragment, full target), in order of first occurrence, each with
   * the title of the first link of the group (the target entity's title when it is indexed, else the anchor text) and
   * the summed link weight (10 for an explicit see-also or related link, 1 otherwise). Cached per index version.
   */
  outlinks(e: Entity): readonly OutLink[] {
    if (this.linkCache.version !== this.version.n) this.linkCache = { version: this.version.n, map: new WeakMap() };
    let out = this.linkCache.map.get(e);
    if (out) return out;
    const byKey = new Map<string, OutLink>();
    for (const l of e.links) {
      const cur = byKey.get(l.url);
      const weight = l.kind === 'see-also' || l.kind === 'related' ? 10 : 1;
      if (cur) cur.weight += weight;
      else {
        const target = this.target(l.url);
        const title = target === undefined ? undefined : this.entities.field(target, 'title');
        byKey.set(l.url, { url: l.url.split('#')[0] as string, full: l.url, title: title ?? l.text, weight });
      }
    }
    out = [...byKey.values()];
    this.linkCache.map.set(e, out);
    return out;
  }

  /** Category paths (joined with " > ") with every prefix, → number of entities under it. */
  categoryTree(): Map<string, number> {
    const tree = new Map<string, number>();
    for (let slot = 0; slot < this.entities.length; slot++) {
      const category = this.entities.field(slot, 'category');
      if (!category) continue;
      for (let i = 1; i <= category.length; i++) {
        const path = category.slice(0, i).join(' > ');
        tree.set(path, (tree.get(path) ?? 0) + 1);
      }
    }
    return tree;
  }

  /** Outbound links of the live entities, and how many of them resolve to an indexed entity. */
  linkCounts(): { links: number; resolved: number } {
    let resolved = 0;
    let links = 0;
    for (let slot = 0; slot < this.entities.length; slot++) {
      const list = this.entities.field(slot, 'links');
      if (!list) continue;
      links += list.length;
      for (const l of list) if (this.keySlot.has(linkKey(l.url))) resolved++;
    }
    return { links, resolved };
  }

  /**
   * Takes the entities and inbound links of a snapshot; the maps derived from them (from each entity's id and URL,
   * which a decoded snapshot read from the lines at load) are made when first asked for (see keySteps).
   */
  *restore(s: IndexState): Generator<void, void, void> {
    const slots = s.entities;
    this.entities = slots;
    this.inbound = s.inbound;
    this.keyMaps = null;
    this.restoredUrls = s.loaded ? s.loaded.urls : null;
    this.freeSlots = [];
    this.live = 0;
    for (let slot = 0; slot < slots.length; slot++) {
      if ((slot & (STEP_ITERATIONS - 1)) === 0) yield;
      if (slots.has(slot)) this.live++;
      else this.freeSlots.push(slot);
    }
    this.freeSlots.reverse();
  }
}

/** The maps from keys to slots of an entity graph. */
interface KeyMaps {
  slotOf: Map<string, number>;
  keySlot: Map<string, number>;
}
