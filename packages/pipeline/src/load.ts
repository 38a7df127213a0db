import { AppError } from '@lexigraph/contracts';
import { openChain, type LexIndex, type QueryParams } from '@lexigraph/core';
import { storedDefaults } from './answer-service';
import type { PipelineStore } from './ports';
import { readManifest, readSnapshotChain, writeSnapshotChain } from './snapshot';

export interface LoadedIndex {
  index: LexIndex;
  version: number;
  /** Where the bytes came from: the snapshot file (fast path) or the database (then the file was rewritten). */
  source: 'snapshot' | 'database';
  loadMs: number;
  /**
   * The collection's stored query defaults, validated: from the manifest (written with the version) or, when the
   * index came from the database, from the collection's stored config.
   */
  defaults: Partial<QueryParams>;
}

export interface LoadIndexOptions {
  dataDir: string;
  collection: string;
  /**
   * Opens the store, only called when the snapshot is missing (the database is the source of truth). Booting an
   * embedded database takes seconds, so a cold reader with a snapshot never calls it.
   */
  openStore: () => Promise<PipelineStore>;
  /** Snapshot files kept for the collection when the snapshot is rewritten from the database (default 3). */
  retainVersions?: number;
  /**
   * The caller answers a prompt and exits (a CLI `ask`): more of the snapshot stays in its file, read where an answer
   * needs it (see deferrable), so the load reads less and later answers read the file more.
   */
  oneShot?: boolean;
}

/**
 * Loads the published index of a collection: from `<dataDir>/indexes/<collection>.json` and the file it names when
 * both are present, else from the latest published version in the database (and then rewrites the snapshot so the
 * next cold start is fast). Throws AppError UNKNOWN_COLLECTION or NO_INDEX naming the collection.
 */
export async function loadIndex(options: LoadIndexOptions): Promise<LoadedIndex> {
  const { dataDir, collection } = options;
  const t0 = performance.now();
  const manifest = await readManifest(dataDir, collection);
  if (manifest) {
    // a chain with deltas is not read one-shot: applying a delta's additions searches the token streams of every
    // entity holding their new runs' words (see Postings.promote), which one read per stream made seconds longer
    const segments = await readSnapshotChain(dataDir, manifest, options.oneShot === true && manifest.chain.length === 1);
    if (segments) {
      const defaults = storedDefaults(collection, { defaults: manifest.defaults ?? {} });
      return { index: openChain(segments), version: manifest.version, source: 'snapshot', loadMs: performance.now() - t0, defaults };
    }
  }
  const store = await options.openStore();
  const published = await store.latestPublished(collection);
  if (!published) {
    if (!(await store.getCollection(collection))) {
      const known = await store.listCollections();
      throw new AppError(
        'UNKNOWN_COLLECTION',
        `unknown collection "${collection}"${known.length ? ` (known: ${known.join(', ')})` : ' (no collections yet)'}; create it with "lexigraph ingest <source> --collection ${collection}"`,
        { collection },
      );
    }
    throw new AppError('NO_INDEX', `collection "${collection}" has no published index; ingest documents into it first`, { collection });
  }
  const stored = (await store.getCollection(collection))?.defaults ?? {};
  await writeSnapshotChain(dataDir, collection, published, options.retainVersions, stored);
  return {
    defaults: storedDefaults(collection, { defaults: stored }),
    index: openChain(published.segments.map((s) => s.bytes)),
    version: published.version,
    source: 'database',
    loadMs: performance.now() - t0,
  };
}
