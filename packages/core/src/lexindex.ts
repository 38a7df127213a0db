import { AclTable } from './acl';
import { entityTexts, F_ANCHOR, F_CATEGORY, F_TAGS } from './analyze';
import { buildAnswer, type Answer } from './answer';
import { Associations, type Association, type DocAssociate } from './associations';
import type { Entity } from './entity';
import { EntityGraph, linkKey, type OutLink } from './graph';
import type { EntitySlots } from './slots';
import { IntColumn } from './intcolumn';
import { Lexicon } from './lexicon';
import { Matcher, type PromptMatch, type QueryTerm } from './matcher';
import { PairTable, type PairAdjacency } from './pairs';
import { DEFAULT_BUILD, FIELD_COUNT, resolveParams, type BuildOptions, type PmiVariant, type QueryParams } from './params';
import { Postings } from './postings';
import { likelyPrompts } from './prompts';
import { Ranker, type RankExplanation, type RankResult } from './ranker';
import { inThreadRunCounter, type RunCounterFactory } from './runsketch';
import { fullScope, viewScope, type Scope } from './scope';
import { standardPrompt, type StandardPrompt } from './standardize';
import { decodeIndexStateSteps, encodeIndexState, encodeIndexStateParts, runSteps, type IndexState } from './serialize';
import type { SnapshotLayout } from './snapshotlayout';
import { learnTitleAffixes, NO_TITLE_AFFIXES, withoutTitleBoilerplate } from './titles';
import { exportTables, indexStats, type ExportedTables, type IndexStats, type TableSources } from './tables';
import { Analyzer } from './tokenizer';
import { typicalBestOf } from './confidence';
import { IndexVersion } from './version';

export { pmiScore } from './associations';
export { linkKey, type OutLink } from './graph';
export { MIN_DF_DISTILLED } from './lexicon';
export type { QueryTerm } from './matcher';
export type { RankExplanation, RankResult, TermExplanation } from './ranker';
export { unpackTf } from './postings';
export type { Scope } from './scope';
export type { ExportedTables, IndexStats } from './tables';

export interface RankedHit {
  id: string;
  score: number;
}

/**
 * Who is asking, as the service that authenticated the caller knows it (never a query parameter).
 * `aclGroups`: the caller's ACL groups; undefined: the caller sees every entity. A caller with groups sees the
 * entities without `acl` and those whose `acl` names one of its groups, and nothing of any other (DESIGN.md).
 */
export interface Caller {
  aclGroups?: readonly string[];
}

/**
 * A key that is equal for two callers exactly when they see the same documents of any collection: '*' for a caller
 * who sees everything, else its distinct groups sorted. Every cache of answers keys on it.
 */
export function callerKey(caller: Caller = {}): string {
  return caller.aclGroups === undefined ? '*' : JSON.stringify([...new Set(caller.aclGroups)].sort());
}

/**
 * The distilled tables of a collection and the engine that answers from them: one object over the storage modules
 * (entities and links in `graph.ts`, the lexicon of multi-tokens in `lexicon.ts`, postings and token streams in
 * `postings.ts`, pairs in `pairs.ts`) and the query-time ones (`matcher.ts`, `ranker.ts`, `associations.ts`).
 *
 * Invariant: every table is a sum of per-entity contributions, so `add` and `remove` keep the tables exactly equal
 * to a rebuild from scratch over the live entities (checked by a property test). An entity is indexed in one pass
 * over its texts: its token stream (the forward index), from which the lexicon collects its multi-tokens and the
 * postings of its single words, and the surfaces and pairs of its own text; its contribution is subtracted on removal
 * by walking its token stream again.
 */
export class LexIndex {
  private opts: BuildOptions;
  readonly analyzer: Analyzer;

  private readonly version = new IndexVersion();
  private readonly graph: EntityGraph;
  private readonly lex: Lexicon;
  private readonly post: Postings;
  private readonly pairs: PairTable;
  private readonly assoc: Associations;
  private readonly matcher: Matcher;
  private readonly ranker: Ranker;
  private readonly acl = new AclTable();
  /** during a bulk build's first pass: the pairs are counted from the streams by its run counter, not per sentence */
  private pairsFromStreams = false;
  /** ACL class of the entity whose own text is being scanned (−1: public), for its surfaces */
  private ownClass = -1;
  /** scratch of one entity's token stream while it is built */
  private readonly streamScratch = new IntColumn(1 << 12);

  constructor(opts: Partial<BuildOptions> = {}) {
    this.opts = { ...DEFAULT_BUILD, ...opts };
    if (this.opts.maxWords < 1 || this.options.maxWords > 4) throw new RangeError('maxWords must be within 1..4');
    this.analyzer = new Analyzer({ stopwords: this.options.stopwords, stem: this.options.stem });
    this.graph = new EntityGraph(this.version);
    this.lex = new Lexicon(this.analyzer, this.options.maxWords);
    this.post = new Postings(this.lex, this.graph);
    this.pairs = new PairTable(this.options.pairWindow);
    this.assoc = new Associations(this.lex, this.post, this.pairs, this.version);
    this.matcher = new Matcher(this.lex, this.graph, this.assoc, this.analyzer, this.options.maxWords);
    this.ranker = new Ranker(this.lex, this.graph, this.post, this.assoc, this.version);
  }

  /** Builds an index over entities (duplicate ids: the last one wins). */
  static build(
    entities: readonly Entity[],
    opts: Partial<BuildOptions> = {},
    onProgress?: (done: number, total: number) => void,
  ): LexIndex {
    const unique = new Map<string, Entity>();
    for (const e of entities) unique.set(e.id, e);
    const builder = LexIndex.builder(opts);
    for (const e of unique.values()) builder.add(e);
    unique.clear();
    return builder.finish(onProgress);
  }

  /**
   * A bulk build fed one entity at a time, for a caller that reads them in pages: each entity is held as its JSON
   * line from `add` on (see EntitySlots), so the caller can let the object go. `finish` makes the index; it equals
   * `build` over the same entities in the same order. `runCounter`: where its first pass counts the runs of the token
   * streams (see RunCounter; on this thread by default).
   */
  static builder(opts: Partial<BuildOptions> = {}, runCounter: RunCounterFactory = inThreadRunCounter): IndexBuilder {
    const idx = new LexIndex(opts);
    // characters of every text, which size the pair table and the run sketch
    let chars = 0;
    let done = false;
    const open = () => {
      if (done) throw new Error('this index builder has finished');
    };
    return {
      get size() {
        return idx.graph.live;
      },
      has: (id) => idx.graph.slotOf.has(id),
      entityAt: (n) => idx.graph.entities.get(n),
      add(e) {
        open();
        if (idx.graph.slotOf.has(e.id)) throw new RangeError(`index builder: entity ${e.id} was already added`);
        // Registered with its links as it comes, so each entity is indexed once with all its inbound anchor text.
        const slot = idx.graph.register(e, true);
        idx.acl.set(slot, e);
        idx.graph.registerLinks(e);
        for (const [, text] of entityTexts(e)) chars += text.length;
      },
      finish(onProgress) {
        open();
        done = true;
        return idx.finishBulk(chars, runCounter, onProgress);
      },
    };
  }

  /** The end of a bulk build (see `builder`): the title boilerplate, then the two passes over the entities. */
  private finishBulk(textChars: number, runCounter: RunCounterFactory, onProgress?: (done: number, total: number) => void): LexIndex {
    const ents = this.graph.entities;
    const total = ents.length;
    const titleAffixes = this.opts.titleAffixes ?? learnTitleAffixes(titlesOf(ents));
    let chars = textChars;
    if (titleAffixes.prefix || titleAffixes.suffix) {
      // recorded in the options (and so in snapshots) when there is boilerplate to keep out of later additions too
      this.opts = { ...this.opts, titleAffixes };
      ents.rewriteLines((e) => {
        const stripped = withoutTitleBoilerplate(e, titleAffixes);
        chars -= e.title.length - stripped.title.length;
        return stripped;
      });
    }
    // progress counts each entity's two passes as half of it
    let steps = 0;
    const step = () => {
      steps++;
      if (onProgress && (steps % 400 === 0 || steps === 2 * total)) onProgress(steps >> 1, total);
    };
    // first pass: every entity's token stream (its surfaces on the way); the counter counts its runs into a sketch
    // and the pairs of its own text (on another thread when the caller gives such a counter: the pairs took about a
    // seventh of the build's thread at 1,000,000 entities). About a pair per 16 characters of a small collection; a
    // larger one repeats its pairs, and its table grows by doubling past the room reserved (about 2 M pairs at
    // 100,000 generated entities, where chars >> 4 reserved 16 M entries).
    const counter = runCounter({ runs: chars >> 3, window: this.options.pairWindow, pairs: Math.min(chars >> 4, PAIR_RESERVE_MAX) });
    this.pairsFromStreams = true;
    // the streams are appended to the postings' streams as varints, as a loaded snapshot holds them (an Int32 per
    // value took twice the bytes), with their lengths
    const streams = this.post.streams;
    const lengths = new Int32Array(total * FIELD_COUNT);
    let streamWords = 0;
    try {
      for (let slot = 0; slot < total; slot++) {
        const s = this.streamOfSlot(slot, true);
        counter.addStream(s.stream, this.lex.maxWords);
        streamWords += s.stream.length;
        streams.append(slot, s.stream);
        lengths.set(s.lengths, slot * FIELD_COUNT);
        step();
      }
    } catch (err) {
      counter.abort?.();
      throw err;
    } finally {
      this.pairsFromStreams = false;
    }
    // second pass: the terms of each stream, where only the runs that may occur twice are made multi-tokens; the
    // multi-tokens held by one entity are then dropped (see Lexicon)
    const { sketch, pairs } = counter.finish();
    this.pairs.adopt(pairs);
    this.lex.reserve(sketch.admittedEstimate());
    this.lex.beginExact(sketch);
    // an entity holds about 0.6 distinct words per word of its stream (abstracts and documentation)
    this.post.beginBulk(Math.ceil(streamWords * 0.6));
    for (let slot = 0; slot < total; slot++) {
      this.post.index(slot, streams.get(slot) as Int32Array, lengths.subarray(slot * FIELD_COUNT, (slot + 1) * FIELD_COUNT), true);
      this.version.n++;
      step();
    }
    this.post.endBulk();
    this.lex.distill();
    // the pairs as a loaded index holds them (rows of varints), and the map that counted them let go
    this.pairs.adjacency(this.lex.size);
    // recorded in the options like the title boilerplate, so snapshots and later additions keep it
    const typicalBest = this.opts.typicalBest ?? this.learnTypicalBest();
    if (typicalBest !== undefined) this.opts = { ...this.opts, typicalBest };
    return this;
  }

  /** Build-time options (what the tables hold; see BuildOptions), the learned title boilerplate and typical best score included. */
  get options(): BuildOptions {
    return this.opts;
  }

  /** The collection's typical best score, from its titles asked of it under the default parameters (confidence.ts). */
  private learnTypicalBest(): number | undefined {
    const p = resolveParams();
    const scope = this.scopeFor();
    const titles: string[] = [];
    const entities = this.graph.entities;
    for (let slot = 0; slot < entities.length; slot++) {
      const title = entities.field(slot, 'title');
      if (title && title.trim()) titles.push(title);
    }
    return typicalBestOf(titles, (title) => {
      const { terms } = this.matcher.matchPrompt(title, p, scope);
      if (!terms.length) return null;
      const r = this.ranker.rank(terms, p, 1, scope);
      return r.slots.length ? (r.scores[0] as number) : null;
    });
  }

  /** Compact binary snapshot of every table (see serialize.ts). */
  serialize(): Uint8Array {
    return encodeIndexState(this.snapshotState());
  }

  /** The snapshot as its parts (header, then each section), for a writer that takes them one by one. */
  serializeParts(): Uint8Array[] {
    return encodeIndexStateParts(this.snapshotState());
  }

  static deserialize(bytes: Uint8Array | SnapshotLayout): LexIndex {
    return runSteps(LexIndex.deserializeSteps(bytes));
  }

  /**
   * `deserialize` as a stepwise task (see `runStepsSliced` in serialize.ts): a server decodes a large index in
   * slices between requests instead of stalling them.
   */
  static *deserializeSteps(bytes: Uint8Array | SnapshotLayout): Generator<void, LexIndex, void> {
    const s = yield* decodeIndexStateSteps(bytes);
    const idx = new LexIndex(s.options);
    yield* idx.restoreSteps(s);
    return idx;
  }

  /**
   * Makes what a restored index otherwise makes when first asked for (the maps from its entities' keys to their
   * slots), as a stepwise task: a server runs it while it loads a version, so no request pays it.
   */
  *prepareSteps(): Generator<void, void, void> {
    yield* this.graph.keySteps();
  }

  get size(): number {
    return this.graph.live;
  }

  has(id: string): boolean {
    return this.graph.slotOf.has(id);
  }

  get(id: string): Entity | undefined {
    return this.graph.get(id);
  }

  /** Adds an entity, or replaces the entity with the same id. Updates every table exactly. */
  add(added: Entity): void {
    const e = withoutTitleBoilerplate(added, this.options.titleAffixes ?? NO_TITLE_AFFIXES);
    if (this.graph.slotOf.has(e.id)) this.remove(e.id);
    const slot = this.graph.register(e);
    this.acl.set(slot, e);
    const touched = this.graph.registerLinks(e);
    for (const t of touched) if (t !== slot) this.reindexAnchors(t);
    this.indexSlot(slot, true);
  }

  /** Removes an entity by id; its contributions are subtracted exactly. Returns false when absent. */
  remove(id: string): boolean {
    const slot = this.graph.slotOf.get(id);
    if (slot === undefined) return false;
    const e = this.graph.entities.get(slot) as Entity;
    this.unindexSlot(slot, e, true);
    // its outbound links no longer feed other entities' anchor text
    const touched = this.graph.unregister(slot, e);
    this.acl.clear(slot);
    for (const t of touched) this.reindexAnchors(t);
    this.version.n++;
    return true;
  }

  private indexSlot(slot: number, withOwn: boolean): void {
    const { stream, lengths } = this.streamOfSlot(slot, withOwn);
    this.post.index(slot, stream.slice(), lengths);
    this.version.n++;
  }

  /** The token stream (a scratch view, see streamOf) and field lengths of the entity at `slot`. */
  private streamOfSlot(slot: number, withOwn: boolean): { stream: Int32Array; lengths: number[] } {
    const e = this.graph.entities.get(slot) as Entity;
    const lengths = new Array<number>(FIELD_COUNT).fill(0);
    // a link's text feeds the anchor field only when every caller who sees the entity sees the link's source
    const anchors = this.acl.restricted === 0 ? this.graph.anchorTexts(e) : this.graph.anchorTexts(e, (from) => this.acl.mayFeed(from, slot));
    this.ownClass = this.acl.classOf(e);
    return { stream: this.streamOf(e, anchors, withOwn, lengths), lengths };
  }

  private unindexSlot(slot: number, e: Entity, withOwn: boolean): void {
    this.post.unindex(slot);
    if (withOwn) this.applyOwn(e, -1);
    this.version.n++;
  }

  /** Re-derives an entity's anchor field after the links pointing at it changed. */
  private reindexAnchors(slot: number): void {
    const e = this.graph.entities.get(slot);
    if (!e) return;
    this.unindexSlot(slot, e, false);
    this.indexSlot(slot, false);
  }

  /**
   * The token stream of an entity: for every sentence of its texts (own fields, then the anchor texts of links
   * pointing at it), the marker −(field + 1), then the ids of its kept words (stopwords are not kept, so runs bridge
   * them). Adds the kept-word lengths per field to `lengths`; with `withOwn`, also adds the surfaces and pairs of
   * the entity's own text from the same pass (see applyOwn). The stream is a view of a scratch buffer, valid until
   * the next call: the caller copies it where it keeps it.
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
      this.lex.scan(text, (words, sids) => {
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
    return out.view();
  }

  /**
   * Surface forms and pairs: contributions of an entity's own text (not anchors), added or subtracted. Pairs join
   * single words whose positions are 1..pairWindow apart in a sentence (title, headings, body), per occurrence.
   */
  private applyOwn(e: Entity, sign: 1 | -1): void {
    this.ownClass = this.acl.classOf(e);
    for (const [field, text] of entityTexts(e)) {
      if (!text) continue;
      this.lex.scan(text, (words, sids) => this.ownSentence(field, sids, words, sign));
    }
  }

  private ownSentence(field: number, sids: readonly number[], words: readonly number[], sign: 1 | -1): void {
    this.lex.addSurfaces(sids, sign);
    if (this.ownClass >= 0) this.acl.addSurfaces(this.ownClass, sids, sign);
    if (field === F_CATEGORY || field === F_TAGS || words.length < 2 || this.pairsFromStreams) return;
    this.pairs.addSentence(words, sign);
  }

  // ---------------------------------------------------------------- reading the tables

  /** Adjacency of the pair table (both directions), derived and cached until the next change. */
  pairAdjacency(): PairAdjacency {
    return this.pairs.adjacency(this.lex.size);
  }

  /** Document frequency of a key (0 when absent). */
  dfOf(key: string): number {
    return this.lex.dfOf(key);
  }

  /** The term of a multi-token key ("w1~w2~…"), when it occurs. */
  termIdOf(key: string): number | undefined {
    return this.lex.termIdOf(key);
  }

  /** The key of a term: its words' keys joined with "~". */
  termKey(t: number): string {
    return this.lex.termKey(t);
  }

  termDf(t: number): number {
    return this.lex.df.get(t);
  }

  /** Occurrences of a term over all fields. */
  termCount(t: number): number {
    return this.lex.termCount(t);
  }

  /**
   * The display form of a key: each word's most frequent surface form (for a restricted scope, among the surfaces of
   * the entities the caller sees).
   */
  display(key: string, scope?: Scope): string {
    const view = scope?.view;
    if (!view) return this.lex.display(key);
    return this.lex.display(key, (sid, total) => this.acl.visibleSurfaceCount(view, sid, total));
  }

  /** Surface forms of a single-word key, most frequent first. */
  surfacesOf(key: string, limit = 6): string[] {
    return this.lex.surfacesOf(key, limit);
  }

  /** Distilled multi-tokens (df ≥ MIN_DF_DISTILLED) whose words are these keys in any order (see matcher.ts). */
  sortedLookup(keys: readonly string[]): number[] {
    return this.matcher.sortedLookup(keys);
  }

  /**
   * The multi-tokens of 2..maxWords words in the first `maxSentences` sentences of the entity at `slot` that hold one
   * of `words` (word ids), read from its token stream (its own fields: title, headings, terms, category, tags and body; not the anchor
   * text of links to it): calls `onTerm` with each one's term id, once per occurrence.
   */
  multiTokensNear(slot: number, words: ReadonlySet<number>, maxWords: number, maxSentences: number, onTerm: (t: number) => void): void {
    const stream = this.post.streams.get(slot);
    if (!stream) return;
    const maxW = Math.min(maxWords, this.options.maxWords);
    let from = 0;
    let sentences = 0;
    while (from < stream.length && sentences < maxSentences) {
      // a sentence: a field marker (−field − 1), then its word ids up to the next marker
      const field = -(stream[from] as number) - 1;
      let to = from + 1;
      let holds = false;
      for (; to < stream.length && (stream[to] as number) >= 0; to++) if (!holds && words.has(stream[to] as number)) holds = true;
      if (holds && field !== F_ANCHOR) {
        sentences++;
        for (let i = from + 1; i < to; i++) {
          let t = stream[i] as number;
          for (let w = 2; w <= maxW && i + w - 1 < to; w++) {
            t = this.lex.childOf(t, stream[i + w - 1] as number);
            if (t < 0) break;
            onTerm(t);
          }
        }
      }
      from = to;
    }
  }

  /** Word ids of a term (single words are terms), first to last. */
  wordIds(t: number): number[] {
    return this.lex.wordIds(t);
  }

  /** How many links of the collection point at a URL or id (its fragment aside). */
  inboundCount(url: string): number {
    return this.graph.inbound.get(linkKey(url))?.length ?? 0;
  }

  /**
   * Whether the entity at `slot` holds term `t`: its counts in the entity's token stream (see Postings.countsIn), a
   * scan of one stream where a walk of a common word's postings read hundreds of thousands.
   */
  slotHolds(slot: number, t: number): boolean {
    const counts = [0, 0];
    this.post.countsIn(slot, t, counts);
    return counts[0] !== 0 || counts[1] !== 0;
  }

  /** Postings of a term as triples (slot, A, B): stored for single words, found by phrase matching for multi-tokens. */
  postingsOf(t: number): ArrayLike<number> {
    return this.post.postingsOf(t);
  }

  /** The entity at `slot` (a loaded snapshot's is parsed from its stored line when read; see slots.ts). */
  slotEntity(slot: number): Entity | undefined {
    return this.graph.entities.get(slot);
  }

  /** The links of an entity grouped by target, with titles and summed weights (see graph.ts); cached per version. */
  outlinks(e: Entity): readonly OutLink[] {
    return this.graph.outlinks(e);
  }

  /** Associated tokens of a term by PMI (variant chosen per query), strongest first; for a scope, from what it sees. */
  associations(t: number, variant: PmiVariant, minJoint: number, limit: number, scope?: Scope): readonly Association[] {
    return this.assoc.associations(t, variant, minJoint, limit, scope?.view ?? null);
  }

  /** Document-level associates of a single word, the soft match's stand-ins (see associations.ts). */
  docAssociations(t: number): readonly DocAssociate[] {
    return this.assoc.docAssociations(t);
  }

  // ---------------------------------------------------------------- answering

  /**
   * What a caller's queries read: the whole index for a caller who sees everything, else its view (the entities it
   * may see, built once per index version and cached) and the statistics counted over them.
   */
  scopeFor(caller: Caller = {}): Scope {
    const view = this.acl.view(caller.aclGroups, this.graph.entities, this.version.n);
    return view ? viewScope(view, this.post) : fullScope(this.lex, this.graph);
  }

  /**
   * A key equal for two callers who see the same entities of this index state: '*' for every caller who sees all of
   * them (no groups, no restricted entity in the collection, or groups that reach every restricted entity), else
   * {@link callerKey} (its distinct groups, sorted). It depends on the index's content and the groups only (not on
   * the order in which ACL classes were interned), so replicas sharing a cache agree on it. Answer caches key on it:
   * a tenant who may see everything shares the entries of unrestricted callers (and the answers warmed for them).
   */
  audienceKey(caller: Caller = {}): string {
    return this.acl.view(caller.aclGroups, this.graph.entities, this.version.n) === null ? '*' : callerKey(caller);
  }

  /** Whether a caller's scope sees the entity a link points at (true when it points at no indexed entity). */
  seesLink(url: string, scope: Scope): boolean {
    const view = scope.view;
    if (!view) return true;
    const slot = this.graph.keySlot.get(linkKey(url)) ?? this.graph.slotOf.get(url);
    return slot === undefined || view.visible[slot] === 1;
  }

  /** Matches a prompt against the lexicon: the weighted query terms, and the prompt words found nowhere. */
  matchPrompt(prompt: string, p: QueryParams, scope?: Scope): PromptMatch {
    return this.matcher.matchPrompt(prompt, p, scope);
  }

  /**
   * Ranks entities for prompt terms with field-weighted BM25 (BM25F). Returns the top `k` slots with raw scores;
   * `exhaustive` scores every posting (see Ranker.rank).
   */
  rank(terms: QueryTerm[], p: QueryParams, k: number, scope?: Scope, exhaustive = false): RankResult {
    return this.ranker.rank(terms, p, k, scope, exhaustive);
  }

  /** The raw scores of ranked slots decomposed by term and field, with the ranking's scope (see ranker.ts `explain`). */
  explainRanked(terms: readonly QueryTerm[], p: QueryParams, slots: readonly number[], scores: readonly number[], scope?: Scope): RankExplanation[] {
    return this.ranker.explain(terms, p, slots, scores, scope);
  }

  /**
   * Ranking only: the top `k` entity ids with scores in 0..1 (share of the best achievable score), among the entities
   * the caller may see.
   */
  search(prompt: string, params: Partial<QueryParams> = {}, caller: Caller = {}): RankedHit[] {
    const p = resolveParams(params);
    const scope = this.scopeFor(caller);
    const { terms } = this.matcher.matchPrompt(prompt, p, scope);
    if (!terms.length) return [];
    const r = this.ranker.rank(terms, p, p.k, scope);
    return r.slots.map((s, i) => ({
      id: this.graph.entities.idAt(s) as string,
      score: r.maxScore > 0 ? Math.min(1, (r.scores[i] as number) / r.maxScore) : 0,
    }));
  }

  /**
   * The prompt as the engine understands it for a caller (see standardize.ts): matching only, no ranking, so it
   * costs a few microseconds. Two prompts with equal standard keys get equal answers (but for the echoed `prompt`
   * and the timings) under the same parameters, caller and index state.
   */
  standardize(prompt: string, params: Partial<QueryParams> = {}, caller: Caller = {}): StandardPrompt {
    return standardPrompt(this.matcher.matchPrompt(prompt, resolveParams(params), this.scopeFor(caller)));
  }

  /**
   * The full answer object: ranked, cited results and the answer sections (DESIGN.md), made only of what the caller
   * may see. With `standard` (this prompt's `standardize` under the same parameters and caller, on this index
   * state), matching is not done again.
   */
  ask(prompt: string, params: Partial<QueryParams> = {}, caller: Caller = {}, now: () => number = defaultClock, standard?: StandardPrompt): Answer {
    return buildAnswer(this, prompt, resolveParams(params), this.scopeFor(caller), now, standard);
  }

  /**
   * The prompts this collection is most likely asked (titles, defined terms, headings, frequent distilled
   * multi-tokens, taken in turn; see prompts.ts), lazily, for warming an answer cache. Reads the index as it is
   * while iterated: stop iterating once the index changes.
   */
  likelyPrompts(): Iterable<string> {
    return likelyPrompts(this.graph.entities, this.lex);
  }

  // ---------------------------------------------------------------- stats and tables

  private tables(): TableSources {
    return { options: this.options, graph: this.graph, lex: this.lex, post: this.post, pairs: this.pairs, assoc: this.assoc };
  }

  stats(): IndexStats {
    return indexStats(this.tables());
  }

  /** Category paths (joined with " > ") with every prefix, → number of entities under it. */
  categoryTree(): Map<string, number> {
    return this.graph.categoryTree();
  }

  /**
   * The distilled tables in a plain, canonical form (sorted), for SQL export and for comparing indexes:
   * the lexicon (single words and multi-tokens held by ≥ 2 entities), the x-embeddings (top associations of each
   * single word) and multi-token → category counts.
   */
  exportTables(opts: { maxRelatedPerToken?: number; pmi?: PmiVariant; minJoint?: number; allTerms?: boolean } = {}): ExportedTables {
    return exportTables(this.tables(), opts);
  }

  // ---------------------------------------------------------------- snapshot

  /** Internal state for the serializer. */
  snapshotState(): IndexState {
    const adj = this.pairAdjacency();
    const { lex, post } = this;
    const surfaces = lex.liveSurfaces();
    return {
      options: this.options,
      entities: this.graph.entities,
      inbound: this.graph.inbound,
      wordKeys: lex.wordKeys,
      cnt: lex.cnt,
      df: lex.df,
      parent: lex.parent.view(),
      lastWord: lex.lastWord.view(),
      surfaceCount: surfaces.counts,
      surfaceWord: surfaces.words,
      postings: post.table,
      streams: post.streams,
      lengths: post.lengths.view(),
      pairs: adj,
      counters: {
        pairCount: this.pairs.count,
        pairOccurrences: this.pairs.occurrences,
        tokenOccurrences: lex.tokenOccurrences,
      },
    };
  }

  /** Rebuilds derived maps after the serializer filled the raw state. */
  private *restoreSteps(s: IndexState): Generator<void, void, void> {
    yield* this.graph.restore(s);
    // the postings' per-term columns first: the lexicon's restore looks up the words of the surfaces
    yield* this.post.restore(s);
    yield* this.lex.restore(s);
    this.pairs.restore(s.pairs, s.counters.pairCount, s.counters.pairOccurrences);
    yield* this.restoreAcl(s);
    this.version.n++;
  }

  /**
   * Rebuilds the ACL table from the entities (a snapshot keeps each entity's `acl` with it, read from its line at
   * load): the class of every slot, and the surfaces of the restricted entities' own text, found by scanning it
   * again (public entities cost nothing).
   */
  private *restoreAcl(s: IndexState): Generator<void, void, void> {
    this.acl.reset();
    const slots = this.graph.entities;
    let scanned = 0;
    for (let slot = 0; slot < slots.length; slot++) {
      if (!slots.has(slot)) continue;
      const acl = s.loaded ? s.loaded.acls[slot] : slots.field(slot, 'acl');
      // a public entity's class is the one a slot has by default after the reset: nothing to record
      if (acl === undefined) continue;
      const c = this.acl.set(slot, { acl });
      if (c < 0) continue;
      for (const [, text] of entityTexts(slots.get(slot) as Entity)) {
        if (text) this.lex.scan(text, (_words, sids) => this.acl.addSurfaces(c, sids, 1));
      }
      // a scan costs about what a slice of the other restore steps does per entity times the text's words
      if ((++scanned & 63) === 0) yield;
    }
  }
}

function defaultClock(): number {
  return globalThis.performance.now();
}

/** The most pairs a bulk build reserves room for before it counts them (see finishBulk). */
const PAIR_RESERVE_MAX = 1 << 21;

/** A bulk build fed one entity at a time (see LexIndex.builder). */
export interface IndexBuilder {
  /** Entities added so far. */
  readonly size: number;
  /** Whether an entity with this id was added. */
  has(id: string): boolean;
  /** The n-th entity added (0-based), read back from its line. */
  entityAt(n: number): Entity | undefined;
  /** Adds an entity; its id must be new to this build. */
  add(e: Entity): void;
  /** Makes the index (once). */
  finish(onProgress?: (done: number, total: number) => void): LexIndex;
}

/** The titles of a bulk build's entities, read from their lines. */
function* titlesOf(ents: EntitySlots): Generator<string> {
  for (let slot = 0; slot < ents.length; slot++) yield ents.field(slot, 'title') ?? '';
}
