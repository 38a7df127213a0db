import { CollectionConfig } from '@lexigraph/contracts';
import type { Store } from '@lexigraph/db';
import { deltaDocuments, type ChainLink, type IndexVersionRef, type PipelineStore, type PublishedIndex, type StoredDocument, type UpsertCounts } from './ports';

/**
 * Adapts the db package's Store (repositories keyed by collection id) to the pipeline's port (keyed by collection
 * name). Collection ids are cached per adapter; a collection's config is stored as `{ crawl, defaults }`.
 */
export function fromDbStore(store: Store): PipelineStore {
  const ids = new Map<string, string>();

  async function idOf(name: string): Promise<string | null> {
    const cached = ids.get(name);
    if (cached) return cached;
    const row = await store.collections.get(name);
    if (!row) return null;
    ids.set(name, row.id);
    return row.id;
  }

  async function requireId(name: string): Promise<string> {
    const id = await idOf(name);
    if (id) return id;
    // Writes into a collection create it with the default configuration.
    const row = await store.collections.ensure(name);
    ids.set(name, row.id);
    return row.id;
  }

  function toConfig(name: string, stored: Record<string, unknown>): CollectionConfig {
    const parsed = CollectionConfig.safeParse({ ...stored, name });
    return parsed.success ? parsed.data : CollectionConfig.parse({ name });
  }

  return {
    async ensureCollection(name, config) {
      const { name: _name, ...rest } = config;
      const row = await store.collections.ensure(name, rest as Record<string, unknown>);
      ids.set(name, row.id);
    },
    async getCollection(name) {
      const row = await store.collections.get(name);
      return row ? toConfig(name, row.config) : null;
    },
    async listCollections() {
      return (await store.collections.list()).map((c) => c.name);
    },
    async upsertDocuments(collection: string, docs: StoredDocument[], options?: { explicit?: boolean }): Promise<UpsertCounts> {
      const id = await requireId(collection);
      return store.documents.upsertMany(
        id,
        docs.map(({ entity, hash, fetchMeta }) => ({
          externalId: entity.id,
          url: entity.url,
          title: entity.title,
          contentHash: hash,
          entity,
          ...(fetchMeta ? { fetchMeta } : {}),
        })),
        options,
      );
    },
    async documentHashes(collection) {
      const id = await idOf(collection);
      return id ? store.documents.hashes(id) : new Map<string, string>();
    },
    async *entityPages(collection) {
      const id = await idOf(collection);
      if (id) yield* store.documents.entityPages(id);
    },
    async changesSince(collection, since, limit) {
      const id = await idOf(collection);
      return id ? store.documents.changesSince(id, since, limit) : { upserts: [], deletes: [] };
    },
    clock: () => store.documents.now(),
    async listFetched(collection) {
      const id = await idOf(collection);
      if (!id) return [];
      return (await store.documents.listFetchMeta(id)).map((d) => ({ id: d.externalId, url: d.url, fetchMeta: d.fetchMeta }));
    },
    async getDocument(collection, docId) {
      const id = await idOf(collection);
      const row = id ? await store.documents.get(id, docId) : null;
      return row ? { entity: row.entity, hash: row.contentHash, fetchMeta: row.fetchMeta } : null;
    },
    async countDocuments(collection) {
      const id = await idOf(collection);
      return id ? store.documents.count(id) : 0;
    },
    async removeDocument(collection, docId, options) {
      const id = await idOf(collection);
      return id ? store.documents.remove(id, docId, options) : false;
    },
    async createIndexVersion(collection): Promise<IndexVersionRef> {
      const v = await store.indexes.createVersion(await requireId(collection));
      return { id: v.id, version: v.version };
    },
    async publishIndex(_collection, ref, bytes, stats, tables, chain) {
      const v = await store.indexes.publish(ref.id, bytes, stats as Record<string, unknown>, tables as never, chain);
      return { version: v.version, publishedAt: v.publishedAt ?? new Date() };
    },
    async failIndex(ref, reason) {
      await store.indexes.fail(ref.id, reason);
    },
    async pruneIndexes(collection, retain) {
      const id = await idOf(collection);
      return id ? (await store.indexes.prune(id, retain)).map((v) => v.version) : [];
    },
    async latestPublished(collection): Promise<PublishedIndex | null> {
      const id = await idOf(collection);
      if (!id) return null;
      const info = await store.indexes.publishedInfo(id);
      if (!info) return null;
      const segments = (await store.indexes.chainData(id, info.version)).map((c) => ({ version: c.version, bytes: c.data }));
      return { version: info.version, segments, publishedAt: info.publishedAt ?? new Date(0) };
    },
    async publishedChain(collection): Promise<ChainLink[] | null> {
      const id = await idOf(collection);
      const info = id ? await store.indexes.publishedInfo(id) : null;
      if (!id || !info) return null;
      return (await store.indexes.chain(id, info.version)).map((v) => ({
        version: v.version,
        kind: v.kind,
        docsAsOf: v.docsAsOf,
        documents: v.kind === 'delta' ? deltaDocuments(v.stats) : Number(v.stats.entities ?? 0) || 0,
      }));
    },
    close: () => store.close(),
  };
}
