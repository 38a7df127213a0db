import { AppError } from '@lexigraph/contracts';
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
  index: LexIndex;
  timings: { loadMs: number; buildMs: number; publishMs: number };
}

export interface BuildIndexOptions {
  /** Build options handed to the engine (see LexIndex.build). */
  build?: Parameters<typeof LexIndex.build>[1];
  /** Progress of the engine build: entities processed out of total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Builds the index of `collection` from its stored documents and publishes it: creates an index version, stores
 * the serialized index with its stats and exported tables (the database stays the source of truth), then writes the
 * cold-start snapshot file and manifest under `<dataDir>/indexes/`. Exact and near duplicates among the stored
 * documents (in id order) are left out. A failed build marks the version failed and
 * rethrows; the previously published version keeps serving. Throws AppError EMPTY_COLLECTION when there is nothing
 * to index.
 */
export async function buildIndex(
  store: PipelineStore,
  dataDir: string,
  collection: string,
  options: BuildIndexOptions = {},
): Promise<BuildReport> {
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
  let t2: number;
  try {
    index = LexIndex.build(entities, options.build, options.onProgress);
    t2 = performance.now();
    bytes = index.serialize();
    stats = index.stats();
    const published = await store.publishIndex(collection, ref, bytes, stats, index.exportTables());
    const manifest = await writeSnapshot(dataDir, collection, published.version, bytes, published.publishedAt);
    const t3 = performance.now();
    return {
      collection,
      version: published.version,
      entities: entities.length,
      duplicates: dropped.length,
      stats,
      bytes: bytes.length,
      manifest,
      index,
      timings: { loadMs: t1 - t0, buildMs: t2 - t1, publishMs: t3 - t2 },
    };
  } catch (err) {
    await store.failIndex(ref, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
