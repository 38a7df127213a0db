import type { CollectionConfig } from '@lexigraph/contracts';
import type { Entity } from '@lexigraph/core';

/** A stored document as the pipeline writes it: the entity and its content hash (hex). */
export interface StoredDocument {
  entity: Entity;
  hash: string;
  /** Fetch metadata of a crawled page (status, etag, lastModified, contentType, bytes, fetchedAt, links). */
  fetchMeta?: Record<string, unknown>;
}

/** One live stored document. */
export interface DocumentRecord {
  entity: Entity;
  hash: string;
  fetchMeta: Record<string, unknown>;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface IndexVersionRef {
  id: string;
  version: number;
}

export interface PublishedIndex {
  version: number;
  bytes: Uint8Array;
  publishedAt: Date;
}

/**
 * What the handlers need from persistence, and nothing more. `fromDbStore` adapts the db package's Store to it;
 * tests of the handlers use the same adapter on a real (embedded or server) database.
 */
export interface PipelineStore {
  ensureCollection(name: string, config: CollectionConfig): Promise<void>;
  getCollection(name: string): Promise<CollectionConfig | null>;
  listCollections(): Promise<string[]>;
  upsertDocuments(collection: string, docs: StoredDocument[]): Promise<UpsertCounts>;
  documentHashes(collection: string): Promise<Map<string, string>>;
  listEntities(collection: string): Promise<Entity[]>;
  /** url and fetch metadata of the live documents that have a url (a scheduled re-crawl revisits them). */
  listFetched(collection: string): Promise<{ id: string; url: string; fetchMeta: Record<string, unknown> }[]>;
  /** One live document, or null. */
  getDocument(collection: string, id: string): Promise<DocumentRecord | null>;
  countDocuments(collection: string): Promise<number>;
  removeDocument(collection: string, id: string): Promise<boolean>;
  createIndexVersion(collection: string): Promise<IndexVersionRef>;
  publishIndex(collection: string, ref: IndexVersionRef, bytes: Uint8Array, stats: unknown, tables: unknown): Promise<PublishedIndex>;
  failIndex(ref: IndexVersionRef, reason: string): Promise<void>;
  /**
   * Removes the versions retention no longer keeps: superseded ones beyond the `retain` newest (counting the
   * published one) and failed ones older than the oldest kept. Resolves to the removed version numbers, ascending.
   */
  pruneIndexes(collection: string, retain: number): Promise<number[]>;
  latestPublished(collection: string): Promise<PublishedIndex | null>;
  close(): Promise<void>;
}
