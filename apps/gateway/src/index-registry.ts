import { Logger } from '@nestjs/common';
import { AppError, CollectionConfig } from '@lexigraph/contracts';
import { LexIndex, parseParams, type QueryParams } from '@lexigraph/core';
import type { Store } from '@lexigraph/db';
import { readManifest, readSnapshotBytes } from '@lexigraph/pipeline';
import type { GatewayMetrics } from './metrics';

/** One collection as served: a fully built index and what it came from. Never mutated after it is made. */
export interface ServedIndex {
  collection: string;
  index: LexIndex;
  version: number;
  publishedAt: Date;
  bytes: number;
  entities: number;
  /** The collection's stored query defaults, validated (bad keys are dropped with a warning at load). */
  defaults: Partial<QueryParams>;
  source: 'snapshot' | 'database';
  loadMs: number;
}

/**
 * Holds the published index of every collection and swaps in newer versions without downtime: a new version is
 * read and deserialized completely, then the map entry is replaced in one assignment. A request that already took
 * the old entry finishes on it; the next request gets the new one. Loads of one collection are serialized (an
 * event and a poll arriving together load once), and a failed load keeps the served version.
 */
export class IndexRegistry {
  private readonly log = new Logger('IndexRegistry');
  private readonly served = new Map<string, ServedIndex>();
  private readonly queue = new Map<string, Promise<ServedIndex | null>>();

  constructor(
    private readonly store: Store,
    private readonly metrics: GatewayMetrics,
    private readonly dataDir?: string,
  ) {}

  /** The index served for `collection`, if one is loaded. Synchronous: the query path does no I/O. */
  get(collection: string): ServedIndex | undefined {
    return this.served.get(collection);
  }

  /** Every served collection with its version, sorted by name. */
  list(): Array<{ collection: string; version: number; entities: number; bytes: number; publishedAt: string }> {
    return [...this.served.values()]
      .sort((a, b) => a.collection.localeCompare(b.collection))
      .map((s) => ({ collection: s.collection, version: s.version, entities: s.entities, bytes: s.bytes, publishedAt: s.publishedAt.toISOString() }));
  }

  /**
   * The index for a query: the served one, else a load attempt (an index published while no event reached us).
   * Throws AppError UNKNOWN_COLLECTION (with the known names) or NO_INDEX.
   */
  async require(collection: string): Promise<ServedIndex> {
    const hit = this.served.get(collection);
    if (hit) return hit;
    const loaded = await this.refresh(collection);
    if (loaded) return loaded;
    if (await this.store.collections.get(collection)) {
      throw new AppError('NO_INDEX', `collection "${collection}" has no published index yet; wait for its first build`, { collection });
    }
    const known = (await this.store.collections.list()).map((c) => c.name);
    throw new AppError(
      'UNKNOWN_COLLECTION',
      `unknown collection "${collection}"${known.length ? ` (known: ${known.join(', ')})` : ' (no collections yet)'}`,
      { collection },
    );
  }

  /**
   * Loads the published version of `collection` when it is newer than the served one. Resolves to what is served
   * afterwards (null when the collection has no published index). Calls for one collection run one after another.
   */
  refresh(collection: string): Promise<ServedIndex | null> {
    const previous = this.queue.get(collection) ?? Promise.resolve(null);
    const next = previous.then(
      () => this.load(collection),
      () => this.load(collection),
    );
    this.queue.set(collection, next);
    const clear = () => {
      if (this.queue.get(collection) === next) this.queue.delete(collection);
    };
    next.then(clear, clear);
    return next;
  }

  /** Checks every collection of the store (and forgets deleted ones). Errors of one collection are logged. */
  async refreshAll(): Promise<void> {
    const names = (await this.store.collections.list()).map((c) => c.name);
    for (const gone of [...this.served.keys()].filter((n) => !names.includes(n))) {
      this.served.delete(gone);
      this.metrics.dropped(gone);
      this.log.log(`collection "${gone}" no longer exists; stopped serving it`);
    }
    for (const name of names) {
      try {
        await this.refresh(name);
      } catch (err) {
        this.log.error(`loading the published index of "${name}" failed; still serving ${this.describe(name)}: ${(err as Error).message}`);
      }
    }
  }

  private describe(collection: string): string {
    const s = this.served.get(collection);
    return s ? `version ${s.version}` : 'nothing';
  }

  private async load(collection: string): Promise<ServedIndex | null> {
    const row = await this.store.collections.get(collection);
    if (!row) return this.served.get(collection) ?? null;
    const versions = await this.store.indexes.list(row.id);
    const published = versions.find((v) => v.status === 'published');
    const current = this.served.get(collection);
    if (!published) return current ?? null;
    if (current && current.version >= published.version) return current;

    const t0 = performance.now();
    let bytes: Uint8Array | null = null;
    let version = published.version;
    let publishedAt = published.publishedAt ?? new Date(0);
    let source: ServedIndex['source'] = 'snapshot';
    if (this.dataDir) {
      // A data directory shared with the indexer saves moving the bytes through the database, when it is current.
      const manifest = await readManifest(this.dataDir, collection);
      if (manifest && manifest.version === published.version) bytes = await readSnapshotBytes(this.dataDir, manifest);
    }
    if (!bytes) {
      const fromDb = await this.store.indexes.latestPublished(row.id);
      if (!fromDb) return current ?? null;
      if (current && current.version >= fromDb.version) return current;
      bytes = fromDb.data;
      version = fromDb.version;
      publishedAt = fromDb.publishedAt ?? publishedAt;
      source = 'database';
    }
    const index = LexIndex.deserialize(bytes);
    const next: ServedIndex = {
      collection,
      index,
      version,
      publishedAt,
      bytes: bytes.length,
      entities: index.size,
      defaults: this.defaultsOf(collection, row.config),
      source,
      loadMs: performance.now() - t0,
    };
    // A newer version may have been swapped in meanwhile only through this serialized path, so this is safe.
    this.served.set(collection, next);
    this.metrics.served(collection, version, next.entities, next.bytes);
    this.log.log(
      `serving "${collection}" version ${version} (${next.entities} entities, ${next.bytes} bytes, from the ${source} in ${next.loadMs.toFixed(0)} ms)` +
        (current ? `, replacing version ${current.version}` : ''),
    );
    return next;
  }

  private defaultsOf(collection: string, stored: Record<string, unknown>): Partial<QueryParams> {
    const parsed = CollectionConfig.safeParse({ ...stored, name: collection });
    if (!parsed.success) return {};
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed.data.defaults)) {
      try {
        parseParams({ [key]: value });
        out[key] = value;
      } catch (err) {
        this.log.warn(`collection "${collection}": ignoring stored default ${key}=${value}: ${(err as Error).message}`);
      }
    }
    return parseParams(out);
  }
}
