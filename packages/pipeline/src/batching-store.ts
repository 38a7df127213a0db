import type { DocumentRecord, PipelineStore, StoredDocument, UpsertCounts } from './ports';

export interface BatchingStore extends PipelineStore {
  /** Writes every buffered document now. */
  flush(): Promise<void>;
}

/**
 * A PipelineStore for ONE process that owns the collection while it runs (the CLI): document upserts are counted
 * against the stored content hashes (read once per collection) and written in batches of `batchSize`, instead of
 * one transaction per page; every read that must see them (listing, counting, building, deleting) flushes first,
 * and `getDocument` answers buffered documents from memory. Not for shared use by several writers (the indexer
 * writes through the plain store, one page at a time, which is what makes its re-delivered jobs idempotent).
 */
export function batchingStore(inner: PipelineStore, batchSize = 250): BatchingStore {
  const hashes = new Map<string, Map<string, string>>();
  const pending = new Map<string, Map<string, StoredDocument>>();
  let writing: Promise<void> = Promise.resolve();

  async function hashesOf(collection: string): Promise<Map<string, string>> {
    let h = hashes.get(collection);
    if (!h) {
      h = await inner.documentHashes(collection);
      hashes.set(collection, h);
    }
    return h;
  }

  /** Writes the buffered documents of `collection` (or all); writes are chained so they land in order. */
  function flushCollection(collection?: string): Promise<void> {
    const names = collection === undefined ? [...pending.keys()] : [collection];
    for (const name of names) {
      const docs = pending.get(name);
      if (!docs || docs.size === 0) continue;
      pending.delete(name);
      const batch = [...docs.values()];
      writing = writing.then(async () => {
        await inner.upsertDocuments(name, batch);
      });
    }
    const done = writing;
    // A failed write surfaces once, to the caller that waits for it; later writes still run.
    writing = writing.catch(() => undefined);
    return done;
  }

  return {
    ...inner,
    flush: () => flushCollection(),
    async upsertDocuments(collection, docs, options): Promise<UpsertCounts> {
      if (options?.explicit) {
        // An upload also brings back deleted documents: written at once, after what is buffered.
        await flushCollection(collection);
        hashes.delete(collection);
        return inner.upsertDocuments(collection, docs, options);
      }
      const stored = await hashesOf(collection);
      const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
      let buffer = pending.get(collection);
      if (!buffer) {
        buffer = new Map();
        pending.set(collection, buffer);
      }
      for (const doc of docs) {
        const before = stored.get(doc.entity.id);
        if (before === doc.hash) {
          counts.unchanged++;
          continue;
        }
        if (before === undefined) counts.inserted++;
        else counts.updated++;
        stored.set(doc.entity.id, doc.hash);
        buffer.set(doc.entity.id, doc);
      }
      if (buffer.size >= batchSize) await flushCollection(collection);
      return counts;
    },
    async getDocument(collection, id): Promise<DocumentRecord | null> {
      const buffered = pending.get(collection)?.get(id);
      if (buffered) return { entity: buffered.entity, hash: buffered.hash, fetchMeta: buffered.fetchMeta ?? {} };
      if (!(await hashesOf(collection)).has(id)) return null;
      await writing;
      return inner.getDocument(collection, id);
    },
    async documentHashes(collection) {
      await flushCollection(collection);
      return new Map(await hashesOf(collection));
    },
    async *entityPages(collection) {
      await flushCollection(collection);
      yield* inner.entityPages(collection);
    },
    async changesSince(collection, since, limit) {
      await flushCollection(collection);
      return inner.changesSince(collection, since, limit);
    },
    async listFetched(collection) {
      await flushCollection(collection);
      return inner.listFetched(collection);
    },
    async countDocuments(collection) {
      await flushCollection(collection);
      return inner.countDocuments(collection);
    },
    async removeDocument(collection, id, options) {
      await flushCollection(collection);
      hashes.get(collection)?.delete(id);
      return inner.removeDocument(collection, id, options);
    },
    async createIndexVersion(collection) {
      await flushCollection(collection);
      return inner.createIndexVersion(collection);
    },
    async close() {
      await flushCollection();
      await inner.close();
    },
  };
}
