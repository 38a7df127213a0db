import { Logger } from '@nestjs/common';
import { AppError } from '@lexigraph/contracts';
import { applyDelta, decodeDelta, openChainSliced, type ChainSegment, type LexIndex, type QueryParams } from '@lexigraph/core';
import { deltaDocuments, IN_PLACE_MAX_DOCUMENTS, readManifest, readSnapshotChain, snapshotCollections, storedDefaults } from '@lexigraph/pipeline';
import type { IndexVersionInfo } from '@lexigraph/db';
import { isUnavailable, type GatewayDatabase } from './database';
import type { GatewayMetrics } from './metrics';


/** Lets the event loop run what is waiting (requests, I/O) before the next slice of a decode. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One collection as served: an index and what it came from. An entry is replaced, never changed, except that its
 * index takes the deltas of newer versions in place (see IndexRegistry).
 */
export interface ServedIndex {
  collection: string;
  index: LexIndex;
  version: number;
  publishedAt: Date;
  bytes: number;
  entities: number;
  /** The collection's stored query defaults, validated (bad keys are dropped with a warning at load). */
  defaults: Partial<QueryParams>;
  /** Whether `defaults` were read from the database; false for an index loaded while the database was down. */
  configured: boolean;
  source: 'snapshot' | 'database';
  loadMs: number;
}

/**
 * Holds the published index of every collection and swaps in newer versions without downtime. A version that is a
 * delta on the served one (or a few deltas) is read (only its documents) and applied to the served index between
 * two requests (JavaScript runs one at a time, and `ask` is synchronous), then the entry is replaced with the new
 * version number; an index already held is never loaded again. Any other version is read and opened completely
 * (its full snapshot and deltas) apart from the served one, decoded in slices of a few milliseconds between requests
 * (so a large version never stalls them), then the map entry is replaced in one assignment. A request that already took
 * the old entry finishes on it; the next request gets the new one. Loads of one collection are serialized (an
 * event and a poll arriving together load once), and a failed load keeps the served version.
 * While the database cannot be reached, collections are loaded from the snapshot manifests in the data directory
 * (`<dataDir>/indexes/<collection>.json`), without their stored query defaults; once it answers again, its
 * published versions and defaults take over.
 */
export class IndexRegistry {
  private readonly log = new Logger('IndexRegistry');
  private readonly served = new Map<string, ServedIndex>();
  private readonly queue = new Map<string, Promise<ServedIndex | null>>();
  private readonly servedListeners: Array<(served: ServedIndex) => void> = [];

  constructor(
    private readonly db: GatewayDatabase,
    private readonly metrics: GatewayMetrics,
    private readonly dataDir?: string,
  ) {}

  /** The index served for `collection`, if one is loaded. Synchronous: the query path does no I/O. */
  get(collection: string): ServedIndex | undefined {
    return this.served.get(collection);
  }

  /** Calls `listener` each time a collection starts serving a new entry (a version loaded, or deltas applied). */
  onServed(listener: (served: ServedIndex) => void): void {
    this.servedListeners.push(listener);
  }

  /** Every served collection with its version and where it was loaded from, sorted by name. */
  list(): Array<{ collection: string; version: number; entities: number; bytes: number; publishedAt: string; source: ServedIndex['source'] }> {
    return [...this.served.values()]
      .sort((a, b) => a.collection.localeCompare(b.collection))
      .map((s) => ({
        collection: s.collection,
        version: s.version,
        entities: s.entities,
        bytes: s.bytes,
        publishedAt: s.publishedAt.toISOString(),
        source: s.source,
      }));
  }

  /**
   * The index for a query: the served one, else a load attempt (an index published while no event reached us).
   * Throws AppError UNKNOWN_COLLECTION, NO_INDEX, or UNAVAILABLE when the database is down and no snapshot holds the
   * collection. The 404 names only the collection asked for: listing the others would reveal them to any key.
   */
  async require(collection: string): Promise<ServedIndex> {
    const hit = this.served.get(collection);
    if (hit) return hit;
    const loaded = await this.refresh(collection);
    if (loaded) return loaded;
    const store = await this.db.get();
    if (await store.collections.get(collection)) {
      throw new AppError('NO_INDEX', `collection "${collection}" has no published index yet; wait for its first build`, { collection });
    }
    throw new AppError('UNKNOWN_COLLECTION', `unknown collection "${collection}"`, { collection });
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

  /**
   * Checks every collection of the store (and forgets deleted ones); while the database is down, every snapshot
   * manifest of the data directory instead. Errors of one collection are logged.
   */
  async refreshAll(): Promise<void> {
    let names: string[];
    let fromDatabase = true;
    try {
      names = (await (await this.db.get()).collections.list()).map((c) => c.name);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      names = await this.snapshotCollections();
      fromDatabase = false;
    }
    for (const gone of [...this.served.keys()].filter((n) => fromDatabase && !names.includes(n))) {
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

  /** Collection names of the snapshot manifests in the data directory (none without one). */
  private async snapshotCollections(): Promise<string[]> {
    return this.dataDir ? snapshotCollections(this.dataDir) : [];
  }

  private async load(collection: string): Promise<ServedIndex | null> {
    try {
      return await this.loadFromDatabase(collection);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      return this.loadFromSnapshot(collection);
    }
  }

  /** Without the database: the version the collection's manifest names, when newer than the served one. */
  private async loadFromSnapshot(collection: string): Promise<ServedIndex | null> {
    const current = this.served.get(collection);
    if (!this.dataDir) return current ?? null;
    const t0 = performance.now();
    const manifest = await readManifest(this.dataDir, collection);
    if (!manifest || (current && current.version >= manifest.version)) return current ?? null;
    const segments = await readSnapshotChain(this.dataDir, manifest);
    if (!segments) return current ?? null;
    const index = await openChainSliced(segments, nextTurn);
    return this.swap(current, {
      collection,
      index,
      version: manifest.version,
      publishedAt: new Date(manifest.publishedAt),
      bytes: segments.reduce((n, b) => n + b.byteLength, 0),
      entities: index.size,
      defaults: {},
      configured: false,
      source: 'snapshot',
      loadMs: performance.now() - t0,
    });
  }

  private async loadFromDatabase(collection: string): Promise<ServedIndex | null> {
    const store = await this.db.get();
    const row = await store.collections.get(collection);
    if (!row) return this.served.get(collection) ?? null;
    const versions = await store.indexes.list(row.id);
    const published = versions.find((v) => v.status === 'published');
    const current = this.served.get(collection);
    if (!published) return current ?? null;
    if (current && current.version >= published.version) {
      if (current.configured) return current;
      // Loaded while the database was down: same index, now with the collection's stored defaults.
      const configured: ServedIndex = { ...current, defaults: this.defaultsOf(collection, row.config), configured: true };
      this.served.set(collection, configured);
      return configured;
    }

    const t0 = performance.now();
    const publishedAt = published.publishedAt ?? new Date(0);
    const steps = current ? this.stepsBetween(versions, current.version, published.version) : null;
    if (current && steps) {
      // the served version leads to this one by deltas (or a merge's bridge): apply them (read first, applied together)
      const deltas: Uint8Array[] = [];
      for (const v of steps) {
        const bytes = v.kind === 'delta' ? await store.indexes.readData(v.id) : await store.indexes.readBridge(v.id);
        if (!bytes) throw new Error(`index version ${v.version} of "${collection}" lost its bridge`);
        deltas.push(bytes);
      }
      if (this.served.get(collection) !== current) return this.served.get(collection) ?? null;
      for (const d of deltas) applyDelta(current.index, decodeDelta(d));
      return this.swap(current, {
        ...current,
        version: published.version,
        publishedAt,
        bytes: current.bytes + deltas.reduce((n, b) => n + b.length, 0),
        entities: current.index.size,
        defaults: this.defaultsOf(collection, row.config),
        configured: true,
        source: 'database',
        loadMs: performance.now() - t0,
      });
    }
    let segments: ChainSegment[] | null = null;
    let source: ServedIndex['source'] = 'snapshot';
    if (this.dataDir) {
      // A data directory shared with the indexer saves moving the bytes through the database, when it is current.
      const manifest = await readManifest(this.dataDir, collection);
      if (manifest && manifest.version === published.version) segments = await readSnapshotChain(this.dataDir, manifest);
    }
    if (!segments) {
      segments = (await store.indexes.chainData(row.id, published.version)).map((c) => c.data);
      source = 'database';
    }
    const index = await openChainSliced(segments, nextTurn);
    return this.swap(current, {
      collection,
      index,
      version: published.version,
      publishedAt,
      bytes: segments.reduce((n, b) => n + b.byteLength, 0),
      entities: index.size,
      defaults: this.defaultsOf(collection, row.config),
      configured: true,
      source,
      loadMs: performance.now() - t0,
    });
  }

  /**
   * The versions that lead from the served version `from` to `to`, oldest first, when each is a delta on the one
   * before or a full snapshot carrying a bridge from it, and they list at most IN_PLACE_MAX_DOCUMENTS documents in
   * all; else null (the new version is loaded whole).
   */
  private stepsBetween(versions: readonly IndexVersionInfo[], from: number, to: number): IndexVersionInfo[] | null {
    const byVersion = new Map(versions.map((v) => [v.version, v]));
    const steps: IndexVersionInfo[] = [];
    let documents = 0;
    for (let v = byVersion.get(to); v && v.version !== from; v = byVersion.get(v.parentVersion as number)) {
      if (v.parentVersion === null || (v.kind !== 'delta' && !v.hasBridge)) return null;
      documents += deltaDocuments(v.stats, v.kind === 'delta' ? 'delta' : 'bridge');
      if (documents > IN_PLACE_MAX_DOCUMENTS) return null;
      steps.unshift(v);
      if (v.parentVersion === from) return steps;
    }
    return null;
  }

  /** Serves `next` in place of `current`. */
  private swap(current: ServedIndex | undefined, next: ServedIndex): ServedIndex {
    const { collection, version } = next;
    // A newer version may have been swapped in meanwhile only through this serialized path, so this is safe.
    this.served.set(collection, next);
    this.metrics.served(collection, version, next.entities, next.bytes);
    this.log.log(
      `serving "${collection}" version ${version} (${next.entities} entities, ${next.bytes} bytes, from the ${next.source} in ${next.loadMs.toFixed(0)} ms)` +
        (current ? `, replacing version ${current.version}` : ''),
    );
    for (const listener of this.servedListeners) listener(next);
    return next;
  }

  private defaultsOf(collection: string, stored: Record<string, unknown>): Partial<QueryParams> {
    return storedDefaults(collection, stored, (message) => this.log.warn(message));
  }

}
