import { AppError, DEFAULT_RETAIN_VERSIONS } from '@lexigraph/contracts';
import { Deduper, encodeDelta, LexIndex, type IndexStats, type RunCounterFactory } from '@lexigraph/core';
import type { ChainLink, PipelineStore, PublishChain } from './ports';
import { workerRunCounter } from './run-counter';
import { removeSegmentFile, writeSegmentFile, writeSnapshot, type SnapshotManifest, type WrittenSegment } from './snapshot';

export interface BuildReport {
  collection: string;
  version: number;
  /** `full`: a whole snapshot was built; `delta`: only the documents changed since the previous version were stored. */
  kind: 'full' | 'delta';
  /** Entities indexed (full), or documents the delta lists (delta). */
  entities: number;
  /** Stored documents left out as exact or near duplicates of another (in id order, the first one is kept). */
  duplicates: number;
  /** The tables' figures (full builds; a delta does not open the index). */
  stats?: IndexStats;
  /** What a delta holds, and the chain it extends. */
  delta?: { upserts: number; deletes: number; parentVersion: number; baseVersion: number };
  /** Size of the published segment in bytes (the whole snapshot, or the delta). */
  bytes: number;
  manifest: SnapshotManifest;
  /** Versions removed by retention after this publish (with their data, rows and snapshot files), ascending. */
  removedVersions: number[];
  /** The built index (full builds only). */
  index?: LexIndex;
  timings: { loadMs: number; buildMs: number; publishMs: number };
}

/**
 * When a publish may be a delta instead of a full build (a "merge" of the chain into a new snapshot). A chain grows
 * by one delta per publish until it holds `maxChain` deltas, or until its deltas list more documents than
 * `maxShare` of its snapshot's entities (at least `minDocs`); the next publish is then a full build.
 */
export interface DeltaPolicy {
  maxChain: number;
  maxShare: number;
  minDocs: number;
  /**
   * A delta lists the documents changed after its parent read its documents (the store's `clock()`, which stops at
   * the start of the oldest transaction still open, so a write committed after that read is not missed), less this
   * margin (none by default); listing an unchanged document again is harmless (it replaces itself), but counts
   * against the delta's size.
   */
  overlapMs: number;
}

/**
 * The most documents a reader applies in place (deltas, or a bridge) instead of loading a version whole: a few
 * milliseconds each. A full build that replaces a published version stores the delta from it (its bridge) when at
 * most this many documents changed.
 */
export const IN_PLACE_MAX_DOCUMENTS = 2_000;

export const DEFAULT_DELTA_POLICY: DeltaPolicy = { maxChain: 64, maxShare: 0.1, minDocs: 1_000, overlapMs: 0 };

export interface BuildIndexOptions {
  /** Build options handed to the engine (see LexIndex.build). */
  build?: Parameters<typeof LexIndex.build>[1];
  /**
   * Where a full build counts the runs of its token streams (see RunCounter): by default on a worker thread when the
   * machine has a second core and the build is large (workerRunCounter), else on the build's thread.
   */
  runCounter?: RunCounterFactory;
  /** Progress of the engine build: entities processed out of total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Versions of the collection kept after the publish, counting the published one (default 3, from
   * `INDEX_RETAIN_VERSIONS` in the apps): older superseded versions and failed ones older than the oldest kept are
   * removed from the store, and older snapshot files from `<dataDir>/indexes/`; the chains of kept versions stay.
   */
  retainVersions?: number;
  /** Always build a full snapshot (no delta). */
  full?: boolean;
  /**
   * Also store the SQL-readable mirror of the tables (lexicon, x-embeddings, token categories) with a full build
   * (`INDEX_SQL_TABLES` in the apps; default off: answers never read it, and it takes several times the index's
   * space and most of a publish's time).
   */
  sqlTables?: boolean;
  /** When a delta is published instead of a full build (default DEFAULT_DELTA_POLICY). */
  delta?: Partial<DeltaPolicy>;
}

/**
 * Publishes the index of `collection` from its stored documents: a delta (the documents changed since the
 * published version, a small segment whose cost is that of the change) when the published chain has room for it
 * (see DeltaPolicy), else a full build (exact and near duplicates among the stored documents, in id order, are left
 * out; a delta does not look for near duplicates among the unchanged documents, the next full build does). The
 * version is stored with its stats and, for a full build, its SQL tables; retention then removes the versions it no
 * longer keeps (`retainVersions`), and the cold-start snapshot file and manifest are written under
 * `<dataDir>/indexes/`. A failed build or publish marks the version failed and rethrows; the previously published
 * version keeps serving. Throws AppError EMPTY_COLLECTION when there is nothing to index.
 */
export async function buildIndex(
  store: PipelineStore,
  dataDir: string,
  collection: string,
  options: BuildIndexOptions = {},
): Promise<BuildReport> {
  const retain = options.retainVersions ?? DEFAULT_RETAIN_VERSIONS;
  if (!Number.isInteger(retain) || retain < 1) throw new Error(`retainVersions must be a positive integer, got ${retain}`);
  const chain = await store.publishedChain(collection);
  if (!options.full && chain) {
    const report = await publishDelta(store, dataDir, collection, retain, chain, { ...DEFAULT_DELTA_POLICY, ...options.delta });
    if (report) return report;
  }
  return publishFull(store, dataDir, collection, retain, chain?.at(-1), options);
}

async function publishFull(
  store: PipelineStore,
  dataDir: string,
  collection: string,
  retain: number,
  head: ChainLink | undefined,
  options: BuildIndexOptions,
): Promise<BuildReport> {
  const t0 = performance.now();
  const docsAsOf = await store.clock();
  // The documents are read in pages and each is held as its JSON line from then on (see LexIndex.builder), so the
  // build never holds the collection as objects. Pages of a distributed crawl are stored one by one in no fixed
  // order: near-duplicate removal happens here, over the documents in id order, so the index does not depend on
  // which worker stored what first.
  const builder = LexIndex.builder(options.build, options.runCounter ?? workerRunCounter());
  const deduper = new Deduper((n) => builder.entityAt(n));
  const dropped: Array<{ id: string; duplicateOf: string; kind: 'exact' | 'near' }> = [];
  for await (const page of store.entityPages(collection)) {
    for (const e of page) {
      const dup = deduper.offer(e);
      if (dup) dropped.push({ id: e.id, ...dup });
      else builder.add(e);
    }
  }
  const entities = builder.size;
  if (entities === 0) {
    throw new AppError('EMPTY_COLLECTION', `collection "${collection}" has no documents to index; ingest some first`, { collection });
  }
  // The bridge from the published version: its readers take this version in place. Read after the documents, so
  // it may list a change the snapshot lacks (harmless: the next delta lists it again), never miss one it holds.
  const changes = head?.docsAsOf ? await store.changesSince(collection, head.docsAsOf, IN_PLACE_MAX_DOCUMENTS) : null;
  const bridge = head && changes ? { version: head.version, bytes: encodeDelta(changes), upserts: changes.upserts.length, deletes: changes.deletes.length } : null;
  const t1 = performance.now();
  const ref = await store.createIndexVersion(collection);
  let index: LexIndex;
  // the snapshot as its parts: the store and the file take them one by one, so no second copy of it is made
  let parts: Uint8Array[];
  let stats: IndexStats;
  let published: { version: number; publishedAt: Date };
  let t2: number;
  // the version's file, written while the database stores the same bytes (the file system's threads copy it while
  // this thread encodes the chunks): no reader opens it before writeSnapshot names it in the manifest
  // (null when it could not be written: writeSnapshot writes it again, and reports what fails)
  let file: Promise<WrittenSegment | null> | null = null;
  try {
    index = builder.finish(options.onProgress);
    t2 = performance.now();
    parts = index.serializeParts();
    file = writeSegmentFile(dataDir, collection, ref.version, parts).catch(() => null);
    stats = index.stats();
    const row: Record<string, unknown> = bridge ? { ...stats, bridge: { upserts: bridge.upserts, deletes: bridge.deletes } } : { ...stats };
    published = await store.publishIndex(collection, ref, parts, row, options.sqlTables ? index.exportTables() : null, {
      kind: 'full',
      parentVersion: bridge ? bridge.version : null,
      baseVersion: null,
      docsAsOf,
      bridge: bridge?.bytes ?? null,
    });
  } catch (err) {
    await store.failIndex(ref, err instanceof Error ? err.message : String(err));
    if (file) {
      await file;
      await removeSegmentFile(dataDir, collection, ref.version);
    }
    throw err;
  }
  // Published: from here on a failure is the caller's to see, but the version stays published.
  const written = published.version === ref.version ? await file : null;
  const removedVersions = await store.pruneIndexes(collection, retain);
  const defaults = (await store.getCollection(collection))?.defaults;
  const manifest = await writeSnapshot(dataDir, collection, published.version, written ?? parts, published.publishedAt, retain, undefined, defaults);
  return {
    collection,
    version: published.version,
    kind: 'full',
    entities,
    duplicates: dropped.length,
    stats,
    bytes: manifest.bytes,
    manifest,
    removedVersions,
    index,
    timings: { loadMs: t1 - t0, buildMs: t2 - t1, publishMs: performance.now() - t2 },
  };
}

/** Publishes the changes since the published version as a delta, or returns null when a full build is due. */
async function publishDelta(
  store: PipelineStore,
  dataDir: string,
  collection: string,
  retain: number,
  chain: readonly ChainLink[],
  policy: DeltaPolicy,
): Promise<BuildReport | null> {
  const t0 = performance.now();
  const head = chain[chain.length - 1];
  const base = chain[0];
  if (!head || !base || base.kind !== 'full' || !head.docsAsOf || chain.length > policy.maxChain) return null;
  const listed = chain.slice(1).reduce((n, l) => n + l.documents, 0);
  const budget = Math.max(policy.minDocs, Math.floor(policy.maxShare * base.documents)) - listed;
  if (budget <= 0) return null;
  const docsAsOf = await store.clock();
  const changes = await store.changesSince(collection, new Date(head.docsAsOf.getTime() - policy.overlapMs), budget);
  if (!changes) return null;
  const t1 = performance.now();
  const bytes = encodeDelta(changes);
  const delta = { upserts: changes.upserts.length, deletes: changes.deletes.length, parentVersion: head.version, baseVersion: base.version };
  const where: PublishChain = { kind: 'delta', parentVersion: head.version, baseVersion: base.version, docsAsOf };
  const ref = await store.createIndexVersion(collection);
  let published: { version: number; publishedAt: Date };
  try {
    published = await store.publishIndex(collection, ref, bytes, { kind: 'delta', delta }, null, where);
  } catch (err) {
    await store.failIndex(ref, err instanceof Error ? err.message : String(err));
    throw err;
  }
  const removedVersions = await store.pruneIndexes(collection, retain);
  const defaults = (await store.getCollection(collection))?.defaults;
  const manifest = await writeSnapshot(
    dataDir,
    collection,
    published.version,
    bytes,
    published.publishedAt,
    retain,
    { parentVersion: head.version, segments: async () => (await store.latestPublished(collection))?.segments ?? [] },
    defaults,
  );
  return {
    collection,
    version: published.version,
    kind: 'delta',
    entities: delta.upserts + delta.deletes,
    duplicates: 0,
    delta,
    bytes: bytes.length,
    manifest,
    removedVersions,
    timings: { loadMs: t1 - t0, buildMs: 0, publishMs: performance.now() - t1 },
  };
}
