/** Callers (distinct group sets) whose view is remembered per index version (least recently used out first). */
const MAX_CALLERS = 256;
/** Distinct views (sets of visible classes) kept per index version, with their memos (least recently used out first). */
const MAX_VIEWS = 64;

/** A hit in a Map used as an LRU: the entry moves to the most recent end (Maps iterate in insertion order). */
function lruGet<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

/** Adds to a Map used as an LRU, dropping the least recently used entry beyond `max`. */
function lruSet<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}

/** The slots of an index and which of them hold an entity (see EntitySlots). */
export interface SlotSet {
  readonly length: number;
  has(slot: number): boolean;
}

/**
 * Document ACLs, kept compactly per slot. An entity's `acl` (a list of groups) is interned as an ACL class: the set
 * of its distinct groups (so a thousand documents of one tenant share one class). An entity without `acl` is public:
 * every caller sees it. An entity with an empty `acl` belongs to no group: only a caller who sees everything (no
 * groups given) sees it.
 *
 * A caller is described by its groups (undefined: sees everything). What it may see is an {@link AclView}: a byte
 * per slot, built once per index version and caller class set, and cached (bounded). When the caller sees every class
 * (or the collection has no restricted entity), there is no view: answering takes the unrestricted path unchanged.
 *
 * Restricted classes also keep the occurrences of each surface form in their entities' own text, so the display form
 * of a word shown to a restricted caller comes from the documents it may see (see {@link visibleSurfaceCount}).
 */
export class AclTable {
  private readonly groupId = new Map<string, number>();
  private readonly classId = new Map<string, number>();
  /** per class: its group ids (sorted) */
  private readonly classGroups: Int32Array[] = [];
  /** per class: surface id → occurrences in its entities' own text */
  private readonly classSurfaces: Array<Map<number, number>> = [];
  /** surface id → occurrences in the own text of all restricted entities */
  private readonly restrictedSurfaces = new Map<number, number>();
  /** per class: live entities */
  private readonly classLive: number[] = [];
  /** per slot: its class, −1 for a public entity */
  private slotClass: number[] = [];
  /** live restricted entities */
  restricted = 0;
  /** views of the current version, by caller key (sorted groups) */
  private views: { version: number; byCaller: Map<string, AclView | null>; byClasses: Map<string, AclView> } = {
    version: -1,
    byCaller: new Map(),
    byClasses: new Map(),
  };

  /** The class of an entity's ACL (−1: public), interned on first sight. */
  classOf(e: { readonly acl?: readonly string[] }): number {
    if (e.acl === undefined) return -1;
    const groups = [...new Set(e.acl)].sort();
    const key = groups.join('\u0000');
    let c = this.classId.get(key);
    if (c === undefined) {
      c = this.classGroups.length;
      this.classId.set(key, c);
      const ids = groups.map((g) => {
        let id = this.groupId.get(g);
        if (id === undefined) {
          id = this.groupId.size;
          this.groupId.set(g, id);
        }
        return id;
      });
      this.classGroups.push(Int32Array.from(ids).sort());
      this.classSurfaces.push(new Map());
      this.classLive.push(0);
    }
    return c;
  }

  /** Records the ACL of the entity at `slot`; returns its class (−1: public). */
  set(slot: number, e: { readonly acl?: readonly string[] }): number {
    const c = this.classOf(e);
    while (this.slotClass.length <= slot) this.slotClass.push(-1);
    this.slotClass[slot] = c;
    if (c >= 0) {
      this.restricted++;
      this.classLive[c] = (this.classLive[c] as number) + 1;
    }
    return c;
  }

  /** Forgets the ACL of a freed slot. */
  clear(slot: number): void {
    const c = this.slotClass[slot] ?? -1;
    if (c >= 0) {
      this.restricted--;
      this.classLive[c] = (this.classLive[c] as number) - 1;
    }
    this.slotClass[slot] = -1;
  }

  /** The class of the entity at `slot` (−1: public). */
  classAt(slot: number): number {
    return this.slotClass[slot] ?? -1;
  }

  /**
   * Whether the text of the entity at slot `from` may feed the anchor field of the one at `to`: only when every
   * caller who sees `to` sees `from` too (`from` is public, or both are restricted and every group of `to` is a group
   * of `from`), so a restricted document's link text never reaches a caller through a document it may see.
   */
  mayFeed(from: number, to: number): boolean {
    const cf = this.classAt(from);
    if (cf < 0) return true;
    const ct = this.classAt(to);
    if (ct < 0) return false;
    if (cf === ct) return true;
    const gf = this.classGroups[cf] as Int32Array;
    for (const g of this.classGroups[ct] as Int32Array) if (gf.indexOf(g) < 0) return false;
    return true;
  }

  /** Adds (or subtracts) one occurrence of each surface of a sentence of a restricted entity's own text. */
  addSurfaces(c: number, sids: readonly number[], sign: 1 | -1): void {
    const m = this.classSurfaces[c] as Map<number, number>;
    const all = this.restrictedSurfaces;
    for (const sid of sids) {
      const v = (m.get(sid) ?? 0) + sign;
      if (v === 0) m.delete(sid);
      else m.set(sid, v);
      const w = (all.get(sid) ?? 0) + sign;
      if (w === 0) all.delete(sid);
      else all.set(sid, w);
    }
  }

  /**
   * The caller's view for the current index version: null when it sees everything (no groups given, no restricted
   * entity, or a group in every class); else the slots it may see. Cached per version in two small LRUs: by caller
   * (its distinct groups, sorted; at most 256), and the views themselves by the classes they see (at most 64, each
   * holding the per-view memos of the statistics computed for it), so callers with different groups but the same
   * visible classes share one view, and a busy tenant's view stays while rare ones come and go.
   */
  view(groups: readonly string[] | undefined, slots: SlotSet, version: number): AclView | null {
    if (groups === undefined || this.restricted === 0) return null;
    if (this.views.version !== version) this.views = { version, byCaller: new Map(), byClasses: new Map() };
    const callerKey = [...new Set(groups)].sort().join('\u0000');
    const cached = lruGet(this.views.byCaller, callerKey);
    if (cached !== undefined) return cached;
    const mine = new Set<number>();
    for (const g of groups) {
      const id = this.groupId.get(g);
      if (id !== undefined) mine.add(id);
    }
    const nClasses = this.classGroups.length;
    const classVisible = new Uint8Array(nClasses);
    const seen: number[] = [];
    let hidden = 0;
    for (let c = 0; c < nClasses; c++) {
      if ((this.classLive[c] as number) === 0) continue;
      let ok = false;
      for (const g of this.classGroups[c] as Int32Array) if (mine.has(g)) ok = true;
      if (ok) {
        classVisible[c] = 1;
        seen.push(c);
      } else hidden++;
    }
    let view: AclView | null = null;
    if (hidden > 0) {
      const key = seen.join(',');
      view = lruGet(this.views.byClasses, key) ?? null;
      if (!view) {
        view = this.buildView(classVisible, seen, slots, key);
        lruSet(this.views.byClasses, key, view, MAX_VIEWS);
      }
    }
    lruSet(this.views.byCaller, callerKey, view, MAX_CALLERS);
    return view;
  }

  private buildView(classVisible: Uint8Array, classes: number[], slots: SlotSet, key: string): AclView {
    const n = slots.length;
    const visible = new Uint8Array(n);
    const sc = this.slotClass;
    let live = 0;
    for (let s = 0; s < n; s++) {
      if (!slots.has(s)) continue;
      const c = sc[s] ?? -1;
      if (c < 0 || classVisible[c] === 1) {
        visible[s] = 1;
        live++;
      }
    }
    return new AclView(key, visible, classes, live);
  }

  /**
   * Occurrences of a surface form in the own text of the entities a view sees: its total, less the restricted
   * classes' occurrences, plus the visible classes' ones.
   */
  visibleSurfaceCount(view: AclView, sid: number, total: number): number {
    let n = total - (this.restrictedSurfaces.get(sid) ?? 0);
    for (const c of view.classes) n += (this.classSurfaces[c] as Map<number, number>).get(sid) ?? 0;
    return n;
  }

  /** Forgets every slot (a snapshot is being restored); interned groups and classes are kept. */
  reset(): void {
    this.slotClass = [];
    this.restricted = 0;
    this.classLive.fill(0);
    for (const m of this.classSurfaces) m.clear();
    this.restrictedSurfaces.clear();
    this.views = { version: -1, byCaller: new Map(), byClasses: new Map() };
  }
}

/** Visible document frequency and occurrences of a term, as a view's memo holds them. */
export interface VisibleStats {
  df: number;
  cnt: number;
}

/**
 * What one set of callers may see in one index version: a byte per slot (1: visible), and memos of the statistics
 * computed over the visible entities only (document frequencies, associations), which live as long as the view.
 */
export class AclView {
  readonly stats = new Map<number, VisibleStats>();
  readonly assoc = new Map<string, unknown>();
  readonly docAssoc = new Map<number, unknown>();

  constructor(
    readonly key: string,
    /** per slot: 1 when the view sees the entity there */
    readonly visible: Uint8Array,
    /** the restricted classes the view sees */
    readonly classes: readonly number[],
    /** live entities the view sees */
    readonly live: number,
  ) {}
}
