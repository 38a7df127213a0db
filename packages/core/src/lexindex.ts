import { entityTexts, F_ANCHOR, F_CATEGORY, F_TAGS } from './analyze';
import { IntPairMap } from './intmap';

import { buildAnswer, type Answer } from './answer';
import type { Entity } from './entity';
import {
  DEFAULT_BUILD,
  FIELD_COUNT,
  resolveParams,
  SOFT_MATCH_DEPTH,
  SOFT_MATCH_MIN_DICE,
  SOFT_MATCH_MIN_JOINT,
  SOFT_MATCH_TERMS,
  type BuildOptions,
  type PmiVariant,
  type QueryParams,
} from './params';
import { IntColumn } from './intcolumn';
import { decodeIndexState, encodeIndexState, type InboundLink, type IndexState } from './serialize';
import { Analyzer, forEachWord, isIdentifier, MT_SEP, normalize } from './tokenizer';

/**
 * Postings and per-entity vectors pack the per-field counts of a term in two 31-bit integers:
 *   A = title | heading << 7 | category << 14 | tags << 21   (each capped at 127)
 *   B = anchor << 16 | body                                  (anchor capped at 32767, body at 65535)
 * The caps (FIELD_CAP) are applied identically on every path, so incremental updates and rebuilds agree.
 */
const FIELD_CAP = [127, 127, 127, 127, 32767, 65535];

/** BM25 idf of a term held by `df` of `n` entities: ln(1 + (n − df + 0.5) / (df + 0.5)). */
function bm25Idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/**
 * tf̃ of one posting: its packed field counts (a, b) weighted by `w` (title, heading, category, tags, anchor, body)
 * and length-normalized by the slot's normalizers at norms[o .. o + FIELD_COUNT).
 */
function fieldTf(a: number, b: number, w: readonly number[], norms: Float64Array, o: number): number {
  return (
    (w[0] as number) * (a & 127) * (norms[o] as number) +
    (w[1] as number) * ((a >>> 7) & 127) * (norms[o + 1] as number) +
    (w[2] as number) * ((a >>> 14) & 127) * (norms[o + 2] as number) +
    (w[3] as number) * ((a >>> 21) & 127) * (norms[o + 3] as number) +
    (w[4] as number) * (b >>> 16) * (norms[o + 4] as number) +
    (w[5] as number) * (b & 65535) * (norms[o + 5] as number)
  );
}

export function unpackTf(a: number, b: number, out: number[]): void {
  out[0] = a & 127;
  out[1] = (a >>> 7) & 127;
  out[2] = (a >>> 14) & 127;
  out[3] = (a >>> 21) & 127;
  out[4] = b >>> 16;
  out[5] = b & 65535;
}

/** Multi-tokens at or above this document frequency are "distilled": used for matching and listed in the tables. */
export const MIN_DF_DISTILLED = 2;

export interface IndexStats {
  entities: number;
  /** distinct multi-tokens (1..maxWords words) with a non-zero count */
  multiTokens: number;
  /** of which single words */
  singleTokens: number;
  /** multi-tokens of 2+ words held by at least MIN_DF_DISTILLED entities */
  distilledMultiTokens: number;
  /** distinct co-occurring token pairs */
  pairs: number;
  /** total pair occurrences */
  pairOccurrences: number;
  postings: number;
  categories: number;
  links: number;
  resolvedLinks: number;
  /** distinct word sets among the distilled multi-tokens (orderings of the same words count once) */
  sortedKeys: number;
  buildOptions: BuildOptions;
}

export interface ExportedTables {
  lexicon: Array<{ token: string; display: string; count: number; df: number }>;
  xembeddings: Array<{ token: string; related: string; pmi: number; nab: number }>;
  categories: Array<{ token: string; category: string; count: number }>;
}

export interface RankedHit {
  id: string;
  score: number;
}

/** A term of the prompt after matching, with its query weight. */
/** The links of one entity to one target (see {@link LexIndex.outlinks}). */
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

export interface QueryTerm {
  termId: number;
  key: string;
  weight: number;
  words: number;
  expansion: boolean;
}

/** Key under which links and entities meet: a URL without fragment, or an id. */
export function linkKey(url: string): string {
  const h = url.indexOf('#');
  return h >= 0 ? url.slice(0, h) : url;
}

const EMPTY: number[] = [];
/** bound of the multi-token postings cache, in integers (3 per posting) */
const PHRASE_CACHE_INTS = 1 << 23;
/** capped per-field counts of one bag entry (applyBag) */
const PACK_SCRATCH = new Array<number>(FIELD_COUNT).fill(0);

/**
 * The distilled tables of a collection and the engine that answers from them.
 *
 * Invariant: every table is a sum of per-entity contributions, so `add` and `remove` keep the tables exactly equal
 * to a rebuild from scratch over the live entities (checked by a property test).
 *
 * Storage: the lexicon holds every multi-token of 1..maxWords words as a trie of word ids with its document
 * frequency and occurrence count; only single words have stored postings. Each entity keeps its kept words as one
 * token stream (a forward index: per sentence a field marker, then word ids), from which the postings of a
 * multi-token are found at query time (a phrase match over the entities holding its rarest word, cached per version)
 * and from which an entity's contribution is subtracted on removal. A single word held by one entity keeps its only
 * posting in three flat columns (sole*), not in an array of its own.
 */
export class LexIndex {
  readonly options: BuildOptions;
  readonly analyzer: Analyzer;

  // entities, by slot
  private slots: Array<Entity | undefined> = [];
  private slotOf = new Map<string, number>();
  private freeSlots: number[] = [];
  private live = 0;
  /** link key (url or id) → slot, for resolving links to entities */
  private keySlot = new Map<string, number>();
  /** link key → links pointing at it (from any entity, resolved or not) */
  private inbound = new Map<string, InboundLink[]>();

  // lexicon: single words by string; a multi-token of n words is the child (parent, last word) of its first n−1
  // words, so no multi-token string is ever built while indexing
  private termId = new Map<string, number>();
  /** the word of a single-word term; '' for multi-tokens */
  private terms: string[] = [];
  private parent = new IntColumn(1 << 14);
  private lastWord = new IntColumn(1 << 14);
  private child = new IntPairMap(1 << 14);
  /** per-term scratch for collecting one entity's terms: stamp of the last entity that saw it, and its bag slot */
  private stamp = new IntColumn(1 << 14);
  private bagSlot = new IntColumn(1 << 14);
  private stampNow = 0;
  /** per term: occurrences over all fields (sum of the capped per-field counts of each entity) */
  private cnt = new IntColumn(1 << 14);
  private df = new IntColumn(1 << 14);
  /** words per term (1..4) */
  private words = new IntColumn(1 << 14);
  private liveTerms = 0;
  private liveSingles = 0;
  /**
   * Surface forms, interned: surface → id; per id its string, its word (term id, −1 for a stopword) and its
   * occurrences in entities' own text; per word the ids of its live surfaces. Display form = the most frequent.
   * Every word of every text is looked up here once, which also replaces the analyzer's key lookup.
   */
  private surfId = new Map<string, number>();
  private surfStr: string[] = [];
  private surfWord = new IntColumn(1 << 14);
  private surfCnt = new IntColumn(1 << 14);
  private wordSurfaces: Array<number[] | undefined> = [];
  /** scratch of `scan` (one sentence's word ids and surface ids) */
  private readonly scanWords: number[] = [];
  private readonly scanSids: number[] = [];
  private readonly keyScratch: number[] = [];
  /** per-field counts of the entity being collected (FIELD_COUNT per bag entry), all zero between entities */
  private tfScratch = new Int32Array(4096 * FIELD_COUNT);
  /** scratch of one entity's token stream while it is built */
  private streamScratch = new IntColumn(1 << 12);

  // postings of single words: with df ≥ 2, triples (slot, A, B); with df = 1, the sole posting in the sole* columns
  private postings: Array<number[] | Int32Array | undefined> = [];
  private soleSlot = new IntColumn(1 << 14);
  private soleA = new IntColumn(1 << 14);
  private soleB = new IntColumn(1 << 14);
  /** per slot: stamp of the last phrase match that kept it as a candidate (see candidates) */
  private slotStamp: Int32Array | null = null;
  private slotStampNow = 0;
  /** postings of multi-tokens found by phrase matching, for the current version (bounded) */
  private phraseCache: { version: number; map: Map<number, Int32Array>; ints: number } = { version: -1, map: new Map(), ints: 0 };
  // per slot: the token stream (see the class comment) and kept-word lengths per field
  private streams: Array<Int32Array | undefined> = [];
  private lengths: number[] = [];
  private lengthTotals = new Array<number>(FIELD_COUNT).fill(0);

  // pairs: unordered (min, max) word ids → count (authoritative when present); CSR adjacency derived from it
  private pairMap: IntPairMap | null = new IntPairMap(1 << 14);
  private pairCsr: { off: Int32Array; data: Int32Array } | null = null;
  private pairCount = 0;
  private pairOccurrences = 0;
  private tokenOccurrences = 0;

  /** cache of per-slot length normalizers for one (bBody, bShort) setting */
  private normCache: { key: string; norms: Float64Array } | null = null;
  /** associations per (token, variant, minJoint, limit) for the current version */
  private assocCache: { version: number; map: Map<string, ReadonlyArray<{ termId: number; pmi: number; nab: number }>> } = {
    version: -1,
    map: new Map(),
  };
  /** outbound links grouped by target, per entity, for the current version (targets' titles depend on it) */
  private linkCache: { version: number; map: WeakMap<Entity, readonly OutLink[]> } = { version: -1, map: new WeakMap() };
  /** document-level associates per term (soft match) for the current version */
  private docAssocCache: { version: number; map: Map<number, ReadonlyArray<{ termId: number; dice: number; joint: number }>> } = {
    version: -1,
    map: new Map(),
  };
  /** zeroed joint counts per term, reused by {@link docAssociations} */
  private jointScratch: Int32Array | null = null;
  private version = 0;

  constructor(opts: Partial<BuildOptions> = {}) {
    this.options = { ...DEFAULT_BUILD, ...opts };
    if (this.options.maxWords < 1 || this.options.maxWords > 4) throw new RangeError('maxWords must be within 1..4');
    this.analyzer = new Analyzer({ stopwords: this.options.stopwords, stem: this.options.stem });
  }

  /** Builds an index over entities (duplicate ids: the last one wins). */
  static build(
    entities: readonly Entity[],
    opts: Partial<BuildOptions> = {},
    onProgress?: (done: number, total: number) => void,
  ): LexIndex {
    const idx = new LexIndex(opts);
    // Register every entity and link first, so each entity is indexed once with all its inbound anchor text.
    const unique = new Map<string, Entity>();
    for (const e of entities) unique.set(e.id, e);
    let chars = 0;
    for (const e of unique.values()) {
      idx.register(e);
      for (const [, text] of entityTexts(e)) chars += text.length;
    }
    for (const e of unique.values()) idx.registerLinks(e);
    idx.reserve(chars);
    let done = 0;
    for (const e of unique.values()) {
      idx.indexSlot(idx.slotOf.get(e.id) as number, true);
      done++;
      if (onProgress && (done % 200 === 0 || done === unique.size)) onProgress(done, unique.size);
    }
    return idx;
  }

  /**
   * Sizes the term columns, the trie and the pair map for about `chars` characters of text (one multi-token per
   * ~8 characters, one pair per ~16, as measured on documentation and abstracts), so a bulk build rarely rehashes.
   */
  private reserve(chars: number): void {
    const terms = this.terms.length + (chars >> 3);
    for (const c of [this.parent, this.lastWord, this.stamp, this.bagSlot, this.df, this.cnt, this.words, this.soleSlot, this.soleA, this.soleB]) c.grow(terms);
    this.child.reserve(this.child.size + (chars >> 3));
    this.thawPairs().reserve(this.pairCount + (chars >> 4));
  }

  /** Compact binary snapshot of every table (see serialize.ts). */
  serialize(): Uint8Array {
    return encodeIndexState(this.snapshotState());
  }

  static deserialize(bytes: Uint8Array): LexIndex {
    const s = decodeIndexState(bytes);
    const idx = new LexIndex(s.options);
    idx.restoreState(s);
    return idx;
  }

  get size(): number {
    return this.live;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  get(id: string): Entity | undefined {
    const s = this.slotOf.get(id);
    return s === undefined ? undefined : this.slots[s];
  }

  /** Adds an entity, or replaces the entity with the same id. Updates every table exactly. */
  add(e: Entity): void {
    if (this.slotOf.has(e.id)) this.remove(e.id);
    const slot = this.register(e);
    const touched = this.registerLinks(e);
    for (const t of touched) if (t !== slot) this.reindexAnchors(t);
    this.indexSlot(slot, true);
  }

  /** Removes an entity by id; its contributions are subtracted exactly. Returns false when absent. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const e = this.slots[slot] as Entity;
    this.unindexSlot(slot, e, true);
    // its outbound links no longer feed other entities' anchor text
    const touched = new Set<number>();
    for (const l of e.links) {
      const k = linkKey(l.url);
      const list = this.inbound.get(k);
      if (!list) continue;
      const rest = list.filter((x) => x.from !== id);
      if (rest.length) this.inbound.set(k, rest);
      else this.inbound.delete(k);
      const t = this.keySlot.get(k);
      if (t !== undefined && t !== slot) touched.add(t);
    }
    for (const k of this.entityKeys(e)) if (this.keySlot.get(k) === slot) this.keySlot.delete(k);
    this.slotOf.delete(id);
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
    this.live--;
    for (const t of touched) this.reindexAnchors(t);
    this.version++;
    return true;
  }

  private entityKeys(e: Entity): string[] {
    const keys = [e.id];
    if (e.url) keys.push(linkKey(e.url));
    return keys;
  }

  private register(e: Entity): number {
    const slot = this.freeSlots.length ? (this.freeSlots.pop() as number) : this.slots.length;
    this.slots[slot] = e;
    this.slotOf.set(e.id, slot);
    for (const k of this.entityKeys(e)) if (!this.keySlot.has(k)) this.keySlot.set(k, slot);
    this.live++;
    return slot;
  }

  /** Records the entity's outbound links; returns the slots whose anchor text changed. */
  private registerLinks(e: Entity): Set<number> {
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

  /** Anchor texts of links pointing at an entity, in a canonical order (independent of insertion order). */
  private anchorTexts(e: Entity): string[] {
    const out: Array<InboundLink> = [];
    const seen = new Set<string>();
    for (const k of this.entityKeys(e)) {
      if (seen.has(k)) continue;
      seen.add(k);
      const list = this.inbound.get(k);
      if (list) for (const x of list) if (x.from !== e.id) out.push(x);
    }
    out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    return out.map((x) => x.text);
  }

  private indexSlot(slot: number, withOwn: boolean): void {
    const e = this.slots[slot] as Entity;
    const lengths = new Array<number>(FIELD_COUNT).fill(0);
    const stream = this.streamOf(e, this.anchorTexts(e), withOwn, lengths);
    this.streams[slot] = stream;
    this.applyBag(slot, this.bagOf(stream), +1);
    for (let f = 0; f < FIELD_COUNT; f++) {
      const v = lengths[f] as number;
      this.lengths[slot * FIELD_COUNT + f] = v;
      this.lengthTotals[f] = (this.lengthTotals[f] as number) + v;
    }
    this.normCache = null;
    this.version++;
  }

  /**
   * The token stream of an entity: for every sentence of its texts (own fields, then the anchor texts of links
   * pointing at it), the marker −(field + 1), then the ids of its kept words (stopwords are not kept, so runs bridge
   * them). Adds the kept-word lengths per field to `lengths`; with `withOwn`, also adds the surfaces and pairs of
   * the entity's own text from the same pass (see applyOwn).
   */
  private streamOf(e: Entity, anchors: readonly string[], withOwn: boolean, lengths: number[]): Int32Array {
    const out = this.streamScratch;
    out.length = 0;
    const texts = entityTexts(e);
    const own = texts.length;
    for (const a of anchors) texts.push([F_ANCHOR, a]);
    for (let x = 0; x < texts.length; x++) {
      const [field, text] = texts[x] as [number, string];
      if (!text) continue;
      const ownText = withOwn && x < own;
      this.scan(text, (words, sids) => {
        const n = words.length;
        lengths[field] = (lengths[field] as number) + n;
        if (ownText) this.ownSentence(field, sids, words, +1);
        out.grow(out.length + n + 1);
        const d = out.data;
        let o = out.length;
        d[o++] = -(field + 1);
        for (let i = 0; i < n; i++) d[o++] = words[i] as number;
        out.length = o;
      });
    }
    return out.view().slice();
  }

  /**
   * The multi-tokens of a token stream with their per-field counts: every run of 1..maxWords words within a
   * sentence. The ids are the bag's terms in first-seen order; `tfs` holds FIELD_COUNT counts per bag entry in a
   * buffer reused from entity to entity (applyBag zeroes what it read).
   */
  private bagOf(stream: Int32Array): { ids: number[]; tfs: Int32Array } {
    const stampNow = ++this.stampNow;
    const ids: number[] = [];
    let tfs = this.tfScratch;
    const maxW = this.options.maxWords;
    let field = 0;
    const n = stream.length;
    for (let i = 0; i < n; i++) {
      let t = stream[i] as number;
      if (t < 0) {
        field = -t - 1;
        continue;
      }
      for (let w = 1; ; w++) {
        let b: number;
        // the columns grow when ensureChild makes a term: read them through `this` each time
        if (this.stamp.data[t] === stampNow) b = this.bagSlot.data[t] as number;
        else {
          this.stamp.data[t] = stampNow;
          b = ids.length;
          this.bagSlot.data[t] = b;
          ids.push(t);
          if ((b + 1) * FIELD_COUNT > tfs.length) {
            const g = new Int32Array(tfs.length * 2);
            g.set(tfs);
            tfs = g;
            this.tfScratch = g;
          }
        }
        tfs[b * FIELD_COUNT + field] = (tfs[b * FIELD_COUNT + field] as number) + 1;
        if (w >= maxW || i + w >= n) break;
        const next = stream[i + w] as number;
        if (next < 0) break;
        t = this.ensureChild(t, next);
      }
    }
    return { ids, tfs };
  }

  /**
   * Surface forms and pairs: contributions of an entity's own text (not anchors), added or subtracted. Pairs join
   * single words whose positions are 1..pairWindow apart in a sentence (title, headings, body), per occurrence.
   */
  private applyOwn(e: Entity, sign: 1 | -1): void {
    for (const [field, text] of entityTexts(e)) {
      if (!text) continue;
      this.scan(text, (words, sids) => this.ownSentence(field, sids, words, sign));
    }
  }

  /**
   * The kept words of a text by sentence, as the analyzer splits them (stopwords skipped, so runs bridge them):
   * calls `onSentence(wordIds, surfaceIds)` with scratch arrays that are reused for the next sentence.
   */
  private scan(text: string, onSentence: (words: readonly number[], sids: readonly number[]) => void): void {
    const words = this.scanWords;
    const sids = this.scanSids;
    words.length = 0;
    sids.length = 0;
    forEachWord(normalize(text), (sf, boundaryBefore) => {
      if (boundaryBefore && words.length > 0) {
        onSentence(words, sids);
        words.length = 0;
        sids.length = 0;
      }
      let id = this.surfId.get(sf);
      if (id === undefined) id = this.newSurface(sf);
      const w = this.surfWord.data[id] as number;
      if (w >= 0) {
        words.push(w);
        sids.push(id);
      }
    });
    if (words.length > 0) onSentence(words, sids);
    words.length = 0;
    sids.length = 0;
  }

  private newSurface(sf: string): number {
    const id = this.surfStr.length;
    const k = this.analyzer.computeKey(sf);
    this.surfStr.push(sf);
    this.surfWord.extend(1);
    this.surfWord.data[id] = k ? this.ensureWord(k) : -1;
    this.surfCnt.extend(1);
    this.surfId.set(sf, id);
    return id;
  }

  private ownSentence(field: number, sids: readonly number[], words: readonly number[], sign: 1 | -1): void {
    for (const sid of sids) this.addSurface(sid, sign);
    const n = words.length;
    if (field === F_CATEGORY || field === F_TAGS || n < 2) return;
    const win = this.options.pairWindow;
    const pm = this.thawPairs();
    this.pairCsr = null;
    for (let i = 0; i < n; i++) {
      const a = words[i] as number;
      for (let j = i + 1; j <= i + win && j < n; j++) {
        const b = words[j] as number;
        if (a === b) continue;
        const before = a < b ? pm.add(a, b, sign) : pm.add(b, a, sign);
        const after = before + sign;
        if (before === 0 && after > 0) this.pairCount++;
        else if (before > 0 && after === 0) this.pairCount--;
        this.pairOccurrences += sign;
      }
    }
  }

  private addSurface(sid: number, sign: 1 | -1): void {
    const cnt = this.surfCnt.data;
    const before = cnt[sid] as number;
    const v = before + sign;
    cnt[sid] = v;
    if (before === 0 && v > 0) {
      const w = this.surfWord.data[sid] as number;
      const l = this.wordSurfaces[w];
      if (l) l.push(sid);
      else this.wordSurfaces[w] = [sid];
    } else if (before > 0 && v <= 0) {
      const w = this.surfWord.data[sid] as number;
      const l = this.wordSurfaces[w];
      if (l) {
        const i = l.indexOf(sid);
        if (i >= 0) l.splice(i, 1);
        if (!l.length) this.wordSurfaces[w] = undefined;
      }
    }
  }

  /** Live surface forms of a single word (term id), with their occurrence counts. */
  private surfaceCounts(word: number | undefined): Array<[string, number]> {
    const l = word === undefined ? undefined : this.wordSurfaces[word];
    if (!l) return [];
    return l.map((sid): [string, number] => [this.surfStr[sid] as string, this.surfCnt.data[sid] as number]);
  }

  private unindexSlot(slot: number, e: Entity, withOwn: boolean): void {
    const stream = this.streams[slot];
    if (stream) {
      this.applyBag(slot, this.bagOf(stream), -1);
      this.streams[slot] = undefined;
      for (let f = 0; f < FIELD_COUNT; f++) {
        this.lengthTotals[f] = (this.lengthTotals[f] as number) - (this.lengths[slot * FIELD_COUNT + f] as number);
        this.lengths[slot * FIELD_COUNT + f] = 0;
      }
    }
    if (withOwn) this.applyOwn(e, -1);
    this.normCache = null;
    this.version++;
  }

  /** Re-derives an entity's anchor field after the links pointing at it changed. */
  private reindexAnchors(slot: number): void {
    const e = this.slots[slot];
    if (!e) return;
    this.unindexSlot(slot, e, false);
    this.indexSlot(slot, false);
  }

  private newTerm(word: string, parent: number, last: number, words: number): number {
    const id = this.terms.length;
    if (id >= 0x7fffffff) throw new RangeError('too many distinct multi-tokens for one index');
    this.terms.push(word);
    this.cnt.extend(1);
    this.df.extend(1);
    this.soleSlot.extend(1);
    this.soleA.extend(1);
    this.soleB.extend(1);
    this.words.extend(1);
    this.words.data[id] = words;
    this.parent.extend(1);
    this.parent.data[id] = parent;
    this.lastWord.extend(1);
    this.lastWord.data[id] = last;
    this.stamp.extend(1);
    this.bagSlot.extend(1);
    this.postings.push(undefined);
    return id;
  }

  private ensureWord(key: string): number {
    let id = this.termId.get(key);
    if (id === undefined) {
      id = this.newTerm(key, -1, -1, 1);
      this.termId.set(key, id);
    }
    return id;
  }

  /** The multi-token extending term `p` by word `w`. */
  private ensureChild(p: number, w: number): number {
    const next = this.terms.length;
    const id = this.child.getOrSet(p, w, next);
    if (id === next) this.newTerm('', p, w, (this.words.data[p] as number) + 1);
    return id;
  }

  /** Word ids of a term, first to last. */
  private wordIds(t: number): number[] {
    const out: number[] = [];
    for (let x = t; x >= 0; x = this.parent.data[x] as number) {
      if ((this.words.data[x] as number) === 1) {
        out.push(x);
        break;
      }
      out.push(this.lastWord.data[x] as number);
    }
    return out.reverse();
  }

  private sortedKeyOf(t: number): string {
    const ids = this.keyScratch;
    ids.length = 0;
    for (let x = t; x >= 0; x = this.parent.data[x] as number) {
      if ((this.words.data[x] as number) === 1) {
        ids.push(x);
        break;
      }
      ids.push(this.lastWord.data[x] as number);
    }
    return sortedKey(ids);
  }

  /** Adds or subtracts one entity's capped counts of term `t` (call after its posting changed). */
  private addCounts(t: number, occ: number, sign: 1 | -1): void {
    this.cnt.data[t] = (this.cnt.data[t] as number) + sign * occ;
    const before = this.df.data[t] as number;
    const after = before + sign;
    this.df.data[t] = after;
    const single = this.words.data[t] === 1;
    if (single) this.tokenOccurrences += sign * occ;
    if (before === 0 && after > 0) {
      this.liveTerms++;
      if (single) this.liveSingles++;
    } else if (before > 0 && after === 0) {
      this.liveTerms--;
      if (single) this.liveSingles--;
    }
  }

  /**
   * Adds (or subtracts) an entity's bag of terms: counts and document frequency of every term, postings of its
   * single words. Zeroes the bag's counts in the reused buffer.
   */
  private applyBag(slot: number, bag: { ids: number[]; tfs: Int32Array }, sign: 1 | -1): void {
    const n = bag.ids.length;
    const tfs = bag.tfs;
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
      if (this.words.data[t] === 1) {
        if (sign > 0) this.addPosting(t, slot, c[0]! | (c[1]! << 7) | (c[2]! << 14) | (c[3]! << 21), (c[4]! << 16) | c[5]!);
        else this.removePosting(t, slot);
      }
      this.addCounts(t, occ, sign);
    }
  }

  /** Call before the df update. */
  private addPosting(t: number, slot: number, a: number, b: number): void {
    const df = this.df.data[t] as number;
    if (df === 0) {
      this.soleSlot.data[t] = slot;
      this.soleA.data[t] = a;
      this.soleB.data[t] = b;
    } else if (df === 1) {
      this.postings[t] = [this.soleSlot.data[t] as number, this.soleA.data[t] as number, this.soleB.data[t] as number, slot, a, b];
    } else {
      this.mutablePostings(t).push(slot, a, b);
    }
  }

  /** Postings loaded from a snapshot are typed-array views; copy one on its first change. */
  private mutablePostings(t: number): number[] {
    let p = this.postings[t];
    if (!Array.isArray(p)) {
      p = Array.from(p ?? []);
      this.postings[t] = p;
    }
    return p;
  }

  /** Call before the df update. */
  private removePosting(t: number, slot: number): void {
    const df = this.df.data[t] as number;
    if (df === 1) {
      if (this.soleSlot.data[t] !== slot) throw new Error(`index invariant broken: term ${t} is not held by slot ${slot}`);
      return;
    }
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
        if (df === 2) {
          this.soleSlot.data[t] = p[0] as number;
          this.soleA.data[t] = p[1] as number;
          this.soleB.data[t] = p[2] as number;
          this.postings[t] = undefined;
        }
        return;
      }
    }
    throw new Error(`index invariant broken: no posting of term ${t} for slot ${slot}`);
  }

  /** The authoritative pair map; rebuilt from the CSR form after a snapshot load. */
  private thawPairs(): IntPairMap {
    if (this.pairMap) return this.pairMap;
    const csr = this.pairCsr as { off: Int32Array; data: Int32Array };
    const m = new IntPairMap(Math.max(1024, csr.data.length >> 2));
    for (let t = 0; t + 1 < csr.off.length; t++) {
      for (let i = csr.off[t] as number; i < (csr.off[t + 1] as number); i += 2) {
        const u = csr.data[i] as number;
        if (t < u) m.set(t, u, csr.data[i + 1] as number);
      }
    }
    this.pairMap = m;
    return m;
  }

  /** Adjacency of the pair table (both directions), derived and cached until the next change. */
  pairAdjacency(): { off: Int32Array; data: Int32Array } {
    if (this.pairCsr && this.pairCsr.off.length >= 1) return this.pairCsr;
    const pm = this.thawPairs();
    const n = this.terms.length;
    const deg = new Int32Array(n + 1);
    pm.forEach((x, y) => {
      deg[x] = (deg[x] as number) + 1;
      deg[y] = (deg[y] as number) + 1;
    });
    const off = new Int32Array(n + 1);
    for (let t = 0; t < n; t++) off[t + 1] = (off[t] as number) + 2 * (deg[t] as number);
    const fill = off.slice(0, n);
    const data = new Int32Array(off[n] as number);
    pm.forEach((x, y, c) => {
      const fx = fill[x] as number;
      data[fx] = y;
      data[fx + 1] = c;
      fill[x] = fx + 2;
      const fy = fill[y] as number;
      data[fy] = x;
      data[fy + 1] = c;
      fill[y] = fy + 2;
    });
    this.pairCsr = { off, data };
    return this.pairCsr;
  }

  // ---------------------------------------------------------------- reading the tables

  /** Document frequency of a key (0 when absent). */
  dfOf(key: string): number {
    const t = this.lookup(key.split(MT_SEP));
    return t === undefined ? 0 : (this.df.data[t] as number);
  }

  /** The term of a multi-token key ("w1~w2~…"), when it occurs. */
  termIdOf(key: string): number | undefined {
    const t = this.lookup(key.split(MT_SEP));
    return t !== undefined && (this.df.data[t] as number) > 0 ? t : undefined;
  }

  /** The term of a sequence of word keys, whether or not it occurs now. */
  private lookup(keys: readonly string[]): number | undefined {
    let t = this.termId.get(keys[0] as string);
    for (let i = 1; i < keys.length && t !== undefined; i++) {
      const w = this.termId.get(keys[i] as string);
      if (w === undefined) return undefined;
      const c = this.child.get(t, w);
      t = c < 0 ? undefined : c;
    }
    return t;
  }

  /** The key of a term: its words' keys joined with "~". */
  termKey(t: number): string {
    if (this.words.data[t] === 1) return this.terms[t] as string;
    return this.wordIds(t)
      .map((w) => this.terms[w] as string)
      .join(MT_SEP);
  }

  termDf(t: number): number {
    return this.df.data[t] as number;
  }

  /** Occurrences of a term over all fields. */
  termCount(t: number): number {
    return (this.cnt.data[t] as number) | 0;
  }

  /** The display form of a key: each word's most frequent surface form. */
  display(key: string): string {
    return key
      .split(MT_SEP)
      .map((w) => {
        let best = w;
        let bc = -1;
        for (const [sf, c] of this.surfaceCounts(this.termId.get(w))) {
          if (c > bc || (c === bc && sf < best)) [best, bc] = [sf, c];
        }
        return best;
      })
      .join(' ');
  }

  /** Surface forms of a single-word key, most frequent first. */
  surfacesOf(key: string, limit = 6): string[] {
    return this.surfaceCounts(this.termId.get(key))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map((x) => x[0]);
  }

  /**
   * Multi-tokens whose words are these keys in any order (distilled ones only, df ≥ MIN_DF_DISTILLED): each
   * distinct ordering of the words is looked up in the trie, at most 4! = 24 for four words, so a prompt's word
   * order does not matter. Orderings come in a canonical order (by word ids).
   */
  sortedLookup(keys: readonly string[]): number[] {
    const ids: number[] = [];
    for (const k of keys) {
      const w = this.termId.get(k);
      if (w === undefined) return EMPTY;
      ids.push(w);
    }
    ids.sort((x, y) => x - y);
    const out: number[] = [];
    const n = ids.length;
    // distinct permutations in lexicographic order (next-permutation over the sorted ids)
    for (;;) {
      let t = ids[0] as number;
      for (let i = 1; i < n && t >= 0; i++) t = this.child.get(t, ids[i] as number);
      if (t >= 0 && (this.df.data[t] as number) >= MIN_DF_DISTILLED) out.push(t);
      let i = n - 2;
      while (i >= 0 && (ids[i] as number) >= (ids[i + 1] as number)) i--;
      if (i < 0) break;
      let j = n - 1;
      while ((ids[j] as number) <= (ids[i] as number)) j--;
      [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
      for (let l = i + 1, r = n - 1; l < r; l++, r--) [ids[l], ids[r]] = [ids[r] as number, ids[l] as number];
    }
    return out;
  }

  /** Postings of a term as triples (slot, A, B): stored for single words, found by phrase matching for multi-tokens. */
  postingsOf(t: number): ArrayLike<number> {
    const df = this.df.data[t] ?? 0;
    if (df === 0) return EMPTY;
    if (this.words.data[t] !== 1) return this.phrasePostings(t);
    if (df === 1) return [this.soleSlot.data[t] as number, this.soleA.data[t] as number, this.soleB.data[t] as number];
    return this.postings[t] as ArrayLike<number>;
  }

  /**
   * Narrows the entities holding the rarest word `rare` of a phrase to those holding all its words, before their
   * token streams are searched: the postings of each other word (rarest first) pass a stamp along, as long as a
   * posting list costs less to walk than the streams it may spare (about 32 words per candidate). Returns the slot
   * stamps (a slot holds every word checked when its stamp is `slotStampNow`), or null when nothing was checked.
   */
  private candidates(rare: number, ws: readonly number[]): Int32Array | null {
    const others = [...new Set(ws)].filter((w) => w !== rare).sort((x, y) => (this.df.data[x] as number) - (this.df.data[y] as number));
    let count = this.df.data[rare] as number;
    if (!others.length || (this.df.data[others[0] as number] as number) > count * 32) return null;
    if (!this.slotStamp || this.slotStamp.length < this.slots.length) this.slotStamp = new Int32Array(Math.max(1024, this.slots.length * 2));
    const st = this.slotStamp;
    let now = ++this.slotStampNow;
    const base = this.postingsOf(rare);
    for (let i = 0; i < base.length; i += 3) st[base[i] as number] = now;
    for (const w of others) {
      if ((this.df.data[w] as number) > count * 32) break;
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
   * word run within a sentence, per field, with the same caps as stored postings. Cached for the current version,
   * up to PHRASE_CACHE_INTS integers (then the cache starts over).
   */
  private phrasePostings(t: number): Int32Array {
    if (this.phraseCache.version !== this.version || this.phraseCache.ints > PHRASE_CACHE_INTS) {
      this.phraseCache = { version: this.version, map: new Map(), ints: 0 };
    }
    const hit = this.phraseCache.map.get(t);
    if (hit) return hit;
    const ws = this.wordIds(t);
    const n = ws.length;
    let rare = ws[0] as number;
    for (const w of ws) if ((this.df.data[w] as number) < (this.df.data[rare] as number)) rare = w;
    const base = this.postingsOf(rare);
    const out = new Int32Array(3 * (this.df.data[t] as number));
    let o = 0;
    const first = ws[0] as number;
    const c = PACK_SCRATCH;
    const holds = this.candidates(rare, ws);
    for (let p = 0; p < base.length; p += 3) {
      const slot = base[p] as number;
      if (holds && holds[slot] !== this.slotStampNow) continue;
      const st = this.streams[slot] as Int32Array;
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
      if (!any) continue;
      for (let f = 0; f < FIELD_COUNT; f++) if ((c[f] as number) > FIELD_CAP[f]!) c[f] = FIELD_CAP[f]!;
      if (o + 3 > out.length) throw new Error(`index invariant broken: multi-token ${t} occurs in more entities than its df`);
      out[o] = slot;
      out[o + 1] = c[0]! | (c[1]! << 7) | (c[2]! << 14) | (c[3]! << 21);
      out[o + 2] = (c[4]! << 16) | c[5]!;
      o += 3;
    }
    if (o !== out.length) throw new Error(`index invariant broken: multi-token ${t} found in ${o / 3} entities, df ${out.length / 3}`);
    this.phraseCache.map.set(t, out);
    this.phraseCache.ints += out.length;
    return out;
  }

  slotEntity(slot: number): Entity | undefined {
    return this.slots[slot];
  }

  /**
   * The links of an entity grouped by (target without fragment, full target), in order of first occurrence, each with
   * the title of the first link of the group (the target entity's title when it is indexed, else the anchor text) and
   * the summed link weight (10 for an explicit see-also or related link, 1 otherwise). Cached per index version.
   */
  outlinks(e: Entity): readonly OutLink[] {
    if (this.linkCache.version !== this.version) this.linkCache = { version: this.version, map: new WeakMap() };
    let out = this.linkCache.map.get(e);
    if (out) return out;
    const byKey = new Map<string, OutLink>();
    for (const l of e.links) {
      const cur = byKey.get(l.url);
      const weight = l.kind === 'see-also' || l.kind === 'related' ? 10 : 1;
      if (cur) cur.weight += weight;
      else byKey.set(l.url, { url: l.url.split('#')[0] as string, full: l.url, title: this.get(l.url)?.title ?? l.text, weight });
    }
    out = [...byKey.values()];
    this.linkCache.map.set(e, out);
    return out;
  }

  /** Per-slot field normalizers 1 / (1 − b + b·len/avglen), flat FIELD_COUNT per slot, cached per b setting. */
  norms(p: QueryParams): Float64Array {
    const key = `${p.bBody}|${p.bShort}|${this.version}`;
    if (this.normCache && this.normCache.key === key) return this.normCache.norms;
    const n = this.slots.length;
    const out = new Float64Array(n * FIELD_COUNT);
    const live = Math.max(1, this.live);
    for (let f = 0; f < FIELD_COUNT; f++) {
      const avg = (this.lengthTotals[f] as number) / live || 1;
      const b = f === FIELD_COUNT - 1 ? p.bBody : p.bShort;
      for (let s = 0; s < n; s++) {
        const len = this.lengths[s * FIELD_COUNT + f] ?? 0;
        // an empty field holds no occurrence; with b = 1 its normalizer would be 1/0 (and 0·∞ is NaN)
        out[s * FIELD_COUNT + f] = len > 0 ? 1 / (1 - b + (b * len) / avg) : 0;
      }
    }
    this.normCache = { key, norms: out };
    return out;
  }

  /** Associated tokens of a term by PMI (variant chosen per query), strongest first. */
  associations(
    t: number,
    variant: PmiVariant,
    minJoint: number,
    limit: number,
  ): ReadonlyArray<{ termId: number; pmi: number; nab: number }> {
    // x-embeddings are a table of the index: computed on first use per (token, variant, minJoint, limit) and kept
    // until the index changes (bounded, so a stream of distinct prompts cannot grow it without end)
    if (this.assocCache.version !== this.version || this.assocCache.map.size >= 50_000) this.assocCache = { version: this.version, map: new Map() };
    const key = `${t}|${variant}|${minJoint}|${limit}`;
    const hit = this.assocCache.map.get(key);
    if (hit) return hit;
    const out = this.computeAssociations(t, variant, minJoint, limit);
    this.assocCache.map.set(key, out);
    return out;
  }

  private computeAssociations(
    t: number,
    variant: PmiVariant,
    minJoint: number,
    limit: number,
  ): Array<{ termId: number; pmi: number; nab: number }> {
    const adj = this.pairAdjacency();
    const from = adj.off[t] ?? 0;
    const to = adj.off[t + 1] ?? 0;
    if (from === to) return [];
    const na = this.termCount(t);
    const totalTok = Math.max(1, this.tokenOccurrences);
    const totalPairs = Math.max(1, this.pairOccurrences);
    // bounded selection: keep the `limit` best in a small array sorted best-first
    const out: Array<{ termId: number; pmi: number; nab: number }> = [];
    const worse = (x: { termId: number; pmi: number; nab: number }, y: { termId: number; pmi: number; nab: number }) =>
      x.pmi - y.pmi || x.nab - y.nab || cmpStr(this.termKey(y.termId), this.termKey(x.termId));
    for (let i = from; i < to; i += 2) {
      const nab = adj.data[i + 1] as number;
      if (nab < minJoint) continue;
      const u = adj.data[i] as number;
      const nb = this.termCount(u);
      if (nb <= 0 || na <= 0) continue;
      const pmi = pmiScore(variant, nab, na, nb, totalTok, totalPairs);
      if (out.length >= limit) {
        const last = out[out.length - 1] as { termId: number; pmi: number; nab: number };
        if (pmi < last.pmi || (pmi === last.pmi && nab < last.nab)) continue;
      }
      const item = { termId: u, pmi, nab };
      let j = out.length;
      out.push(item);
      while (j > 0 && worse(out[j - 1] as typeof item, item) < 0) {
        out[j] = out[j - 1] as typeof item;
        j--;
      }
      out[j] = item;
      if (out.length > limit) out.pop();
    }
    return out;
  }

  /**
   * Document-level associates of a single word (the soft match's stand-ins): the single words that share the most
   * entities with it, by Dice 2·n_tu / (df_t + df_u), with n_tu ≥ {@link SOFT_MATCH_MIN_JOINT} and Dice ≥
   * {@link SOFT_MATCH_MIN_DICE}, at most {@link SOFT_MATCH_TERMS}, strongest first (ties by key). One pass over the
   * token streams of the entities holding it; kept until the index changes.
   */
  docAssociations(t: number): ReadonlyArray<{ termId: number; dice: number; joint: number }> {
    if (this.docAssocCache.version !== this.version || this.docAssocCache.map.size >= 50_000) {
      this.docAssocCache = { version: this.version, map: new Map() };
    }
    const hit = this.docAssocCache.map.get(t);
    if (hit) return hit;
    // joint counts in a zeroed scratch column indexed by term (the touched terms are zeroed again after use)
    if (!this.jointScratch || this.jointScratch.length < this.terms.length) this.jointScratch = new Int32Array(Math.max(1024, this.terms.length));
    const joint = this.jointScratch;
    const touched: number[] = [];
    const post = this.postingsOf(t);
    const seen = this.stamp.data;
    for (let i = 0; i < post.length; i += 3) {
      const st = this.streams[post[i] as number];
      if (!st) continue;
      // each word counts once per entity: stamp it with this entity's pass
      const now = ++this.stampNow;
      for (let j = 0; j < st.length; j++) {
        const u = st[j] as number;
        if (u < 0 || u === t || seen[u] === now) continue;
        seen[u] = now;
        if (joint[u] === 0) touched.push(u);
        joint[u] = (joint[u] as number) + 1;
      }
    }
    const dft = this.df.data[t] as number;
    const out: Array<{ termId: number; dice: number; joint: number }> = [];
    for (const u of touched) {
      const n = joint[u] as number;
      joint[u] = 0;
      if (n < SOFT_MATCH_MIN_JOINT) continue;
      const dice = (2 * n) / (dft + (this.df.data[u] as number));
      if (dice >= SOFT_MATCH_MIN_DICE) out.push({ termId: u, dice, joint: n });
    }
    out.sort((x, y) => y.dice - x.dice || cmpStr(this.termKey(x.termId), this.termKey(y.termId)));
    if (out.length > SOFT_MATCH_TERMS) out.length = SOFT_MATCH_TERMS;
    this.docAssocCache.map.set(t, out);
    return out;
  }

  // ---------------------------------------------------------------- answering

  /** Matches a prompt against the lexicon: the weighted query terms, and the prompt words found nowhere. */
  matchPrompt(prompt: string, p: QueryParams): { terms: QueryTerm[]; missing: string[]; words: string[] } {
    const ignore = new Set(p.ignore.map((w) => this.analyzer.key(w.toLowerCase())).filter(Boolean));
    const byId = new Map<number, QueryTerm>();
    const missing: string[] = [];
    const words: string[] = [];
    const n = Math.max(1, this.live);
    const add = (key: string, weight: number, nw: number, expansion: boolean): boolean => {
      const t = this.termIdOf(key);
      if (t === undefined) return false;
      if ((this.df.data[t] as number) / n > p.maxDfRatio) return true; // noise cut: known but not discriminating
      const q = byId.get(t);
      if (q) q.weight += weight;
      else byId.set(t, { termId: t, key, weight, words: nw, expansion });
      return true;
    };
    const covered = new Set<QueryTerm>();
    for (const s of this.analyzer.sentences(prompt)) {
      const keys = s.keys.filter((k) => !ignore.has(k));
      for (const k of keys) {
        words.push(k);
        if (p.minTokenWords <= 1 && !add(k, isIdentifier(k) ? p.identifierWeight : 1, 1, false)) missing.push(k);
      }
      // multi-tokens: longest match first, left to right, without overlaps; sortedLookup makes word order free.
      // At most keys.length × (maxTokenWords − 1) windows, each up to 24 trie lookups: linear in the prompt length.
      const maxW = Math.min(p.maxTokenWords, this.options.maxWords);
      let i = 0;
      while (i < keys.length) {
        let taken = 0;
        for (let w = Math.min(maxW, keys.length - i); w >= 2 && w >= p.minTokenWords; w--) {
          const win = keys.slice(i, i + w);
          const key = win.join(MT_SEP);
          const t = this.termIdOf(key);
          let hit = false;
          if (t !== undefined && (this.df.data[t] as number) >= p.minDf) hit = add(key, p.multiTokenWeight, w, false);
          if (!hit) {
            for (const u of this.sortedLookup(win)) {
              if ((this.df.data[u] as number) >= p.minDf) hit = add(this.termKey(u), p.multiTokenWeight, w, false) || hit;
            }
          }
          if (hit) {
            taken = w;
            // the words of a matched phrase weigh phraseWordWeight each (once per prompt word)
            if (p.phraseWordWeight !== 1) {
              for (let z = i; z < i + w; z++) {
                const tz = this.termIdOf(keys[z] as string);
                const qz = tz === undefined ? undefined : byId.get(tz);
                if (qz && !qz.expansion && !covered.has(qz)) {
                  covered.add(qz);
                  qz.weight -= 1 - p.phraseWordWeight;
                }
              }
            }
            break;
          }
        }
        i += taken > 0 ? taken : 1;
      }
    }
    if (p.expand && p.expandPerToken > 0) {
      const base = [...byId.values()].filter((q) => q.words === 1);
      for (const q of base) {
        for (const a of this.associations(q.termId, p.pmi, p.minJointCount, p.expandPerToken)) {
          const key = this.termKey(a.termId);
          if (byId.has(a.termId)) continue;
          add(key, p.expandWeight, key.split(MT_SEP).length, true);
        }
      }
    }
    return { terms: [...byId.values()], missing, words };
  }

  /** Ranks entities for prompt terms with field-weighted BM25 (BM25F). Returns the top `k` slots with raw scores. */
  rank(terms: QueryTerm[], p: QueryParams, k: number): { slots: number[]; scores: number[]; maxScore: number } {
    const n = this.slots.length;
    const norms = this.norms(p);
    const scores = new Float64Array(n);
    const touched: number[] = [];
    const w = [p.wTitle, p.wHeading, p.wCategory, p.wTags, p.wAnchor, p.wBody];
    const N = Math.max(1, this.live);
    const k1 = p.k1;
    let maxScore = 0;
    const catFilter = p.category ? p.category.toLowerCase() : '';
    for (const q of terms) {
      const qw = q.weight * bm25Idf(N, this.df.data[q.termId] as number);
      maxScore += qw * (k1 + 1);
      const post = this.postingsOf(q.termId);
      for (let i = 0; i < post.length; i += 3) {
        const s = post[i] as number;
        const tf = fieldTf(post[i + 1] as number, post[i + 2] as number, w, norms, s * FIELD_COUNT);
        if (tf <= 0) continue;
        if (scores[s] === 0) touched.push(s);
        scores[s] = (scores[s] as number) + (qw * tf * (k1 + 1)) / (k1 + tf);
      }
    }
    // bounded selection of the k best (min-heap on score; ties broken by slot for determinism); the soft match
    // re-scores the top SOFT_MATCH_DEPTH, so it selects at least that many
    const soft = p.softMatch > 0;
    const depth = soft ? Math.max(k, SOFT_MATCH_DEPTH) : k;
    const heap: number[] = [];
    const better = (x: number, y: number) => (scores[x] as number) > (scores[y] as number) || (scores[x] === scores[y] && x < y);
    for (const s of touched) {
      if (catFilter && !categoryStartsWith(this.slots[s] as Entity, catFilter)) continue;
      if (heap.length < depth) {
        heap.push(s);
        siftUp(heap, heap.length - 1, better);
      } else if (better(s, heap[0] as number)) {
        heap[0] = s;
        siftDown(heap, 0, better);
      }
    }
    heap.sort((x, y) => (better(x, y) ? -1 : 1));
    if (soft && heap.length > 1) {
      const top = heap.length > SOFT_MATCH_DEPTH ? heap.slice(0, SOFT_MATCH_DEPTH) : heap;
      this.softRescore(terms, p, top, scores, norms);
      top.sort((x, y) => (better(x, y) ? -1 : 1));
      const ranked = top === heap ? heap : top.concat(heap.slice(SOFT_MATCH_DEPTH));
      if (ranked.length > k) ranked.length = k;
      return { slots: ranked, scores: ranked.map((s) => scores[s] as number), maxScore };
    }
    return { slots: heap, scores: heap.map((s) => scores[s] as number), maxScore };
  }

  /**
   * The soft match (`softMatch`, params.ts): adds to `scores` of the given slots what each prompt word would gain if
   * the entity's occurrences of the word's document-level associates were occurrences of it, `softMatch × Dice ×
   * min(1, idf_u / idf_t)²` each, saturated together with the word's own occurrences. Never lowers a score, and a score stays within the prompt's
   * best achievable one (every word's part stays below its weight · idf · (k1 + 1)).
   */
  private softRescore(terms: readonly QueryTerm[], p: QueryParams, slots: readonly number[], scores: Float64Array, norms: Float64Array): void {
    const words = terms.filter((q) => q.words === 1 && !q.expansion);
    if (!words.length) return;
    const inPrompt = new Set(terms.map((q) => q.termId));
    const N = Math.max(1, this.live);
    const idfOf = (t: number): number => bm25Idf(N, this.df.data[t] as number);
    // associate u → [prompt word index, strength, …]; strength = Dice · min(1, idf_u / idf_t)²: an associate more
    // common than the prompt word says less than it does, and stands in for it less
    const via = new Map<number, number[]>();
    words.forEach((q, qi) => {
      const idfT = idfOf(q.termId);
      for (const a of this.docAssociations(q.termId)) {
        if (inPrompt.has(a.termId)) continue;
        const r = idfT > 0 ? Math.min(1, idfOf(a.termId) / idfT) : 1;
        const strength = a.dice * r * r;
        const l = via.get(a.termId);
        if (l) l.push(qi, strength);
        else via.set(a.termId, [qi, strength]);
      }
    });
    if (!via.size) return;
    const k1 = p.k1;
    const qw = words.map((q) => q.weight * idfOf(q.termId));
    const w = [p.wTitle, p.wHeading, p.wCategory, p.wTags, p.wAnchor, p.wBody];
    // per re-scored slot and prompt word: the word's own tf̃ and the Dice-weighted tf̃ of its associates, read from the
    // postings of those few terms (cheaper than the entities' long term vectors)
    const W = words.length;
    const at = new Map<number, number>();
    slots.forEach((s, i) => at.set(s, i));
    const own = new Float64Array(slots.length * W);
    const stand = new Float64Array(slots.length * W);
    const visit = (t: number, onTf: (row: number, tf: number) => void): void => {
      const post = this.postingsOf(t);
      for (let i = 0; i < post.length; i += 3) {
        const row = at.get(post[i] as number);
        if (row === undefined) continue;
        const tf = fieldTf(post[i + 1] as number, post[i + 2] as number, w, norms, (post[i] as number) * FIELD_COUNT);
        if (tf > 0) onTf(row, tf);
      }
    };
    words.forEach((q, qi) => visit(q.termId, (row, tf) => (own[row * W + qi] = tf)));
    for (const [u, l] of via) {
      visit(u, (row, tf) => {
        for (let j = 0; j < l.length; j += 2) {
          const c = row * W + (l[j] as number);
          stand[c] = (stand[c] as number) + (l[j + 1] as number) * tf;
        }
      });
    }
    slots.forEach((s, row) => {
      let bonus = 0;
      for (let qi = 0; qi < W; qi++) {
        const extra = stand[row * W + qi] as number;
        if (extra <= 0) continue;
        const e = own[row * W + qi] as number;
        const x = e + p.softMatch * extra;
        bonus += (qw[qi] as number) * ((x * (k1 + 1)) / (k1 + x) - (e * (k1 + 1)) / (k1 + e));
      }
      scores[s] = (scores[s] as number) + bonus;
    });
  }

  /** Ranking only: the top `k` entity ids with scores in 0..1 (share of the best achievable score). */
  search(prompt: string, params: Partial<QueryParams> = {}): RankedHit[] {
    const p = resolveParams(params);
    const { terms } = this.matchPrompt(prompt, p);
    if (!terms.length) return [];
    const r = this.rank(terms, p, p.k);
    return r.slots.map((s, i) => ({
      id: (this.slots[s] as Entity).id,
      score: r.maxScore > 0 ? Math.min(1, (r.scores[i] as number) / r.maxScore) : 0,
    }));
  }

  /** The full answer object: ranked, cited results and the answer sections (DESIGN.md). */
  ask(prompt: string, params: Partial<QueryParams> = {}, now: () => number = defaultClock): Answer {
    return buildAnswer(this, prompt, resolveParams(params), now);
  }

  // ---------------------------------------------------------------- stats and tables

  stats(): IndexStats {
    let postings = 0;
    for (let t = 0; t < this.terms.length; t++) {
      const df = this.df.data[t] as number;
      postings += df;
    }
    let distilled = 0;
    const sortedKeys = new Set<string>();
    for (let t = 0; t < this.terms.length; t++) {
      if ((this.words.data[t] as number) > 1 && (this.df.data[t] as number) >= MIN_DF_DISTILLED) {
        distilled++;
        sortedKeys.add(this.sortedKeyOf(t));
      }
    }
    let resolved = 0;
    let links = 0;
    for (const e of this.slots) {
      if (!e) continue;
      links += e.links.length;
      for (const l of e.links) if (this.keySlot.has(linkKey(l.url))) resolved++;
    }
    return {
      entities: this.live,
      multiTokens: this.liveTerms,
      singleTokens: this.liveSingles,
      distilledMultiTokens: distilled,
      pairs: this.pairCount,
      pairOccurrences: this.pairOccurrences,
      postings,
      categories: this.categoryTree().size,
      links,
      resolvedLinks: resolved,
      sortedKeys: sortedKeys.size,
      buildOptions: { ...this.options },
    };
  }

  /** Category paths (joined with " > ") with every prefix, → number of entities under it. */
  categoryTree(): Map<string, number> {
    const tree = new Map<string, number>();
    for (const e of this.slots) {
      if (!e) continue;
      for (let i = 1; i <= e.category.length; i++) {
        const path = e.category.slice(0, i).join(' > ');
        tree.set(path, (tree.get(path) ?? 0) + 1);
      }
    }
    return tree;
  }

  /**
   * The distilled tables in a plain, canonical form (sorted), for SQL export and for comparing indexes:
   * the lexicon (single words and multi-tokens held by ≥ 2 entities), the x-embeddings (top associations of each
   * single word) and multi-token → category counts.
   */
  exportTables(opts: { maxRelatedPerToken?: number; pmi?: PmiVariant; minJoint?: number; allTerms?: boolean } = {}): ExportedTables {
    const maxRel = opts.maxRelatedPerToken ?? 10;
    const lexicon: ExportedTables['lexicon'] = [];
    const xembeddings: ExportedTables['xembeddings'] = [];
    const categories: ExportedTables['categories'] = [];
    const order = this.terms
      .map((_w, t) => t)
      .filter((t) => {
        const df = this.df.data[t] as number;
        if (df <= 0) return false;
        return opts.allTerms || this.words.data[t] === 1 || df >= MIN_DF_DISTILLED;
      })
      .map((t) => ({ key: this.termKey(t), t }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { key, t } of order) {
      lexicon.push({ token: key, display: this.display(key), count: this.termCount(t), df: this.df.data[t] as number });
      if (maxRel > 0) {
        for (const a of this.associations(t, opts.pmi ?? 'xllm', opts.minJoint ?? 1, maxRel)) {
          xembeddings.push({ token: key, related: this.termKey(a.termId), pmi: a.pmi, nab: a.nab });
        }
      }
    }
    this.categoryRows(order, categories);
    return { lexicon, xembeddings, categories };
  }

  /**
   * Term → category counts for the terms of `order` (rows in `order`, then by path): one pass over the token
   * streams of the entities with a category, grouped by path, instead of one phrase match per multi-token.
   */
  private categoryRows(order: ReadonlyArray<{ key: string; t: number }>, rows: ExportedTables['categories']): void {
    const rank = new Int32Array(this.terms.length).fill(-1);
    order.forEach((o, i) => (rank[o.t] = i));
    const byPath = new Map<string, number[]>();
    this.slots.forEach((e, slot) => {
      if (!e || !e.category.length) return;
      const path = e.category.join(' > ');
      const l = byPath.get(path);
      if (l) l.push(slot);
      else byPath.set(path, [slot]);
    });
    const paths = [...byPath.keys()].sort(cmpStr);
    const acc = new Int32Array(this.terms.length);
    const rowTerm: number[] = [];
    const rowPath: number[] = [];
    const rowCount: number[] = [];
    paths.forEach((path, pi) => {
      const touched: number[] = [];
      for (const slot of byPath.get(path) as number[]) {
        const bag = this.bagOf(this.streams[slot] as Int32Array);
        bag.ids.forEach((t, i) => {
          let occ = 0;
          for (let f = 0; f < FIELD_COUNT; f++) {
            const v = bag.tfs[i * FIELD_COUNT + f] as number;
            bag.tfs[i * FIELD_COUNT + f] = 0;
            occ += v > FIELD_CAP[f]! ? FIELD_CAP[f]! : v;
          }
          if ((rank[t] as number) < 0) return;
          if (acc[t] === 0) touched.push(t);
          acc[t] = (acc[t] as number) + occ;
        });
      }
      for (const t of touched) {
        rowTerm.push(rank[t] as number);
        rowPath.push(pi);
        rowCount.push(acc[t] as number);
        acc[t] = 0;
      }
    });
    // stable counting sort by the term's place in `order` (paths stay in order within a term)
    const start = new Int32Array(order.length + 1);
    for (const r of rowTerm) start[r + 1] = (start[r + 1] as number) + 1;
    for (let i = 0; i < order.length; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
    const placed = new Array<number>(rowTerm.length);
    rowTerm.forEach((r, i) => {
      placed[start[r] as number] = i;
      start[r] = (start[r] as number) + 1;
    });
    for (const i of placed) {
      rows.push({ token: (order[rowTerm[i] as number] as { key: string }).key, category: paths[rowPath[i] as number] as string, count: rowCount[i] as number });
    }
  }

  /** Internal state for the serializer. */
  snapshotState(): IndexState {
    const adj = this.pairAdjacency();
    return {
      options: this.options,
      slots: this.slots,
      inbound: this.inbound,
      terms: this.terms,
      cnt: this.cnt.view(),
      df: this.df.view(),
      parent: this.parent.view(),
      lastWord: this.lastWord.view(),
      soleSlot: this.soleSlot.view(),
      soleA: this.soleA.view(),
      soleB: this.soleB.view(),
      surfaceCount: this.liveSurfaces(),
      postings: this.postings,
      streams: this.streams,
      lengths: this.lengths,
      pairOff: adj.off,
      pairData: adj.data,
      counters: {
        pairCount: this.pairCount,
        pairOccurrences: this.pairOccurrences,
        tokenOccurrences: this.tokenOccurrences,
      },
    };
  }

  /** Surface form → occurrences, for the live surfaces in id (first-seen) order. */
  private liveSurfaces(): Map<string, number> {
    const out = new Map<string, number>();
    const cnt = this.surfCnt.data;
    for (let id = 0; id < this.surfStr.length; id++) if ((cnt[id] as number) > 0) out.set(this.surfStr[id] as string, cnt[id] as number);
    return out;
  }

  /** Rebuilds derived maps after the serializer filled the raw state. */
  restoreState(s: IndexState): void {
    this.slots = s.slots;
    this.inbound = s.inbound;
    this.terms = s.terms;
    this.cnt = IntColumn.from(s.cnt);
    this.df = IntColumn.from(s.df);
    this.parent = IntColumn.from(s.parent);
    this.lastWord = IntColumn.from(s.lastWord);
    this.stamp = IntColumn.from(new Int32Array(s.df.length));
    this.bagSlot = IntColumn.from(new Int32Array(s.df.length));
    this.stampNow = 0;
    this.soleSlot = IntColumn.from(s.soleSlot);
    this.soleA = IntColumn.from(s.soleA);
    this.soleB = IntColumn.from(s.soleB);
    this.postings = s.postings;
    this.streams = s.streams;
    this.lengths = Array.from(s.lengths);
    this.pairMap = null;
    this.pairCsr = { off: s.pairOff, data: s.pairData };
    this.pairCount = s.counters.pairCount;
    this.pairOccurrences = s.counters.pairOccurrences;
    this.tokenOccurrences = s.counters.tokenOccurrences;
    this.slotOf = new Map();
    this.keySlot = new Map();
    this.freeSlots = [];
    this.live = 0;
    this.slots.forEach((e, slot) => {
      if (!e) {
        this.freeSlots.push(slot);
        return;
      }
      this.slotOf.set(e.id, slot);
      this.live++;
    });
    // the first registered entity owns a shared key, as in `register`: slot order is registration order
    this.slots.forEach((e, slot) => {
      if (e) for (const k of this.entityKeys(e)) if (!this.keySlot.has(k)) this.keySlot.set(k, slot);
    });
    this.freeSlots.reverse();
    this.termId = new Map();
    const nTerms = this.df.length;
    this.words = IntColumn.from(new Int32Array(nTerms));
    this.child = new IntPairMap(Math.max(1024, nTerms));
    this.liveTerms = 0;
    this.liveSingles = 0;
    const par = this.parent.data;
    for (let t = 0; t < nTerms; t++) {
      const p = par[t] as number;
      // a parent is always created before its children, so its word count is known here
      const w = p < 0 ? 1 : (this.words.data[p] as number) + 1;
      this.words.data[t] = w;
      if (p < 0) this.termId.set(this.terms[t] as string, t);
      else this.child.set(p, this.lastWord.data[t] as number, t);
      const df = this.df.data[t] as number;
      if (df > 0) {
        this.liveTerms++;
        if (w === 1) this.liveSingles++;
      }
    }
    this.surfId = new Map();
    this.surfStr = [];
    this.surfWord = new IntColumn(1 << 10);
    this.surfCnt = new IntColumn(1 << 10);
    this.wordSurfaces = [];
    for (const [sf, c] of s.surfaceCount) {
      const id = this.newSurface(sf);
      this.addSurface(id, 1);
      this.surfCnt.data[id] = c;
    }
    this.lengthTotals = new Array<number>(FIELD_COUNT).fill(0);
    for (let i = 0; i < this.lengths.length; i++) {
      const f = i % FIELD_COUNT;
      this.lengthTotals[f] = (this.lengthTotals[f] as number) + (this.lengths[i] as number);
    }
    this.normCache = null;
    this.version++;
  }
}

/** The word ids of a multi-token in ascending order, two UTF-16 units each (no separator needed): its words as a set. */
function sortedKey(ids: number[]): string {
  // insertion sort: at most maxWords (4) ids
  for (let i = 1; i < ids.length; i++) {
    const v = ids[i] as number;
    let j = i - 1;
    while (j >= 0 && (ids[j] as number) > v) {
      ids[j + 1] = ids[j] as number;
      j--;
    }
    ids[j + 1] = v;
  }
  let k = '';
  for (const id of ids) k += String.fromCharCode(id & 0xffff, id >>> 16);
  return k;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function defaultClock(): number {
  return globalThis.performance.now();
}


function categoryStartsWith(e: Entity, prefix: string): boolean {
  return e.category.join(' > ').toLowerCase().startsWith(prefix);
}

/** PMI of a pair in one of three variants; n counts are occurrences, totals normalize to probabilities. */
export function pmiScore(v: PmiVariant, nab: number, na: number, nb: number, totalTok: number, totalPairs: number): number {
  if (v === 'xllm') return nab / Math.sqrt(na * nb);
  const pab = nab / totalPairs;
  const pa = na / totalTok;
  const pb = nb / totalTok;
  const pmi = Math.log2(pab / (pa * pb));
  if (v === 'log') return pmi;
  const h = -Math.log2(pab);
  return h > 0 ? Math.max(-1, Math.min(1, pmi / h)) : 1;
}

function siftUp(h: number[], i: number, better: (a: number, b: number) => boolean): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    // min-heap: the worst element at the root
    if (better(h[parent] as number, h[i] as number)) {
      [h[parent], h[i]] = [h[i] as number, h[parent] as number];
      i = parent;
    } else return;
  }
}

function siftDown(h: number[], i: number, better: (a: number, b: number) => boolean): void {
  const n = h.length;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let worst = i;
    if (l < n && better(h[worst] as number, h[l] as number)) worst = l;
    if (r < n && better(h[worst] as number, h[r] as number)) worst = r;
    if (worst === i) return;
    [h[worst], h[i]] = [h[i] as number, h[worst] as number];
    i = worst;
  }
}
