import { AppError, DEFAULT_RETAIN_VERSIONS } from '@lexigraph/contracts';
import { dedupeEntities, LexIndex, type IndexStats } from '@lexigraph/core';
import type { PipelineStore } from './ports';
import { writeSnapshot, type SnapshotManifest } from './snapshot';

export interface BuildReport {
  collection: string;
  version: number;
  entities: number;
  /** Stored documents left out as exact or near duplicates of another (in id order, the first one is kept). */
  duplicates: number;
  stats: IndexStats;
  /** Size of the serialized index in bytes. */
  bytes: number;
  manifest: SnapshotManifest;
  /** Versions removed by retention after this publish (with their data, rows and snapshot files), ascending. */
  removedVersions: number[];
  index: LexIndex;
  timings: { loadMs: number; buildMs: number; publishMs: number };
}

export interface BuildIndexOptions {
  /** Build options handed to the engine (see LexIndex.build). */
  build?: Parameters<typeof LexIndex.build>[1];
  /** Progress of the engine build: entities processed out of total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Versions of the collection kept after the publish, counting the published one (default 3, from
   * `INDEX_RETAIN_VERSIONS` in the apps): older superseded versions and failed ones older than the oldest kept are
   * removed from the store, and older snapshot files from `<dataDir>/indexes/`.
   */
  retainVersions?: number;
}

/**
 * Builds the index of `collection` from its stored documents and publishes it: creates an index version, stores
 * the serialized index with its stats and exported tables (the database stays the source of truth), removes the
 * versions retention no longer keeps (`retainVersions`), then writes the cold-start snapshot file and manifest
 * under `<dataDir>/indexes/`, keeping as many files. Exact and near duplicates among the stored documents (in id
 * order) are left out. A failed build or publish marks the version failed and rethrows; the previously published
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
  const t0 = performance.now();
  const stored = await store.listEntities(collection);
  // Pages of a distributed crawl are stored one by one in no fixed order: near-duplicate removal happens here,
  // over the documents in id order, so the index does not depend on which worker stored what first.
  const { kept: entities, dropped } = dedupeEntities(stored);
  if (entities.length === 0) {
    throw new AppError('EMPTY_COLLECTION', `collection "${collection}" has no documents to index; ingest some first`, { collection });
  }
  const t1 = performance.now();
  const ref = await store.createIndexVersion(collection);
  let index: LexIndex;
  let bytes: Uint8Array;
  let stats: IndexStats;
  let published: Awaited<ReturnType<PipelineStore['publishIndex']>>;
  let t2: number;
  try {
    index = LexIndex.build(entities, options.build, options.onProgress);
    t2 = performance.now();
    bytes = index.serialize();
    stats = index.stats();
    published = await store.publishIndex(collection, ref, bytes, stats, index.exportTables());
  } catch (err) {
    await store.failIndex(ref, err instanceof Error ? err.message : String(err));
    throw err;
  }
  // Published: from here on a failure is the caller's to see, but the version stays published.
  const removedVersions = await store.pruneIndexes(collection, retain);
  const manifest = await writeSnapshot(dataDir, collection, published.version, bytes, published.publishedAt, retain);
  const t3 = performance.now();
  return {
    collection,
    version: published.version,
    entities: entities.length,
    duplicates: dropped.length,
    stats,
    bytes: bytes.length,
    manifest,
    removedVersions,
    index,
    timings: { loadMs: t1 - t0, buildMs: t2 - t1, publishMs: t3 - t2 },
  };
}
