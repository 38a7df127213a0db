import type { CollectionConfig, Entity } from '@lexigraph/contracts';

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
  /** Documents left deleted because they were deleted through the API and the write was not explicit. */
  tombstoned?: number;
}

export interface IndexVersionRef {
  id: string;
  version: number;
}

export interface PublishedIndex {
  version: number;
  /** The segments that open it, with their versions: its full snapshot, then each delta of its chain up to this one. */
  segments: Array<{ version: number; bytes: Uint8Array }>;
  publishedAt: Date;
}

/** A published version's place in its chain, without data. */
export interface ChainLink {
  version: number;
  kind: 'full' | 'delta';
  /** When its documents were read (database clock); changes after it go into the next delta. */
  docsAsOf: Date | null;
  /** Entities of a full snapshot; documents listed by a delta (upserts + deletes). */
  documents: number;
}

/**
 * Documents a delta version lists (added or replaced, and deleted), from the stats it was published with
 * (`{ delta: { upserts, deletes } }`), or those of a full version's bridge (`key` "bridge"); unreadable stats count
 * as too many.
 */
export function deltaDocuments(stats: Record<string, unknown>, key: 'delta' | 'bridge' = 'delta'): number {
  const d = stats[key] as { upserts?: unknown; deletes?: unknown } | undefined;
  const n = Number(d?.upserts ?? 0) + Number(d?.deletes ?? 0);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

/** Where a version being published sits: a full snapshot, or a delta after `parentVersion` in `baseVersion`'s chain. */
export interface PublishChain {
  kind: 'full' | 'delta';
  parentVersion: number | null;
  baseVersion: number | null;
  docsAsOf: Date;
  /** For a full snapshot replacing `parentVersion`: the delta of the documents changed since it (see buildIndex). */
  bridge?: Uint8Array | null;
}

/** Documents changed since a time, in their current state. */
export interface DocumentChanges {
  upserts: Entity[];
  deletes: string[];
}

/**
 * What the handlers need from persistence, and nothing more. `fromDbStore` adapts the db package's Store to it;
 * tests of the handlers use the same adapter on a real (embedded or server) database.
 */
export interface PipelineStore {
  ensureCollection(name: string, config: CollectionConfig): Promise<void>;
  getCollection(name: string): Promise<CollectionConfig | null>;
  listCollections(): Promise<string[]>;
  /**
   * Stores documents keyed by id and content hash. `explicit` (an upload, as opposed to a crawl or a distill job)
   * also brings back documents that were deleted through the API; without it they stay deleted.
   */
  upsertDocuments(collection: string, docs: StoredDocument[], options?: { explicit?: boolean }): Promise<UpsertCounts>;
  documentHashes(collection: string): Promise<Map<string, string>>;
  /**
   * The entities of the live documents, ordered by id (bytewise), in pages: a reader (a full build) holds one page of
   * objects at a time, never the whole collection.
   */
  entityPages(collection: string): AsyncIterable<Entity[]>;
  /** Documents changed at or after `since` (live ones as entities, deleted ones as ids), or null when more than `limit`. */
  changesSince(collection: string, since: Date, limit: number): Promise<DocumentChanges | null>;
  /**
   * The store's clock, which stamps document changes, held back to the start of the oldest transaction still open
   * (its writes, not yet visible, carry that time).
   */
  clock(): Promise<Date>;
  /** url and fetch metadata of the live documents that have a url (a scheduled re-crawl revisits them). */
  listFetched(collection: string): Promise<{ id: string; url: string; fetchMeta: Record<string, unknown> }[]>;
  /** One live document, or null. */
  getDocument(collection: string, id: string): Promise<DocumentRecord | null>;
  countDocuments(collection: string): Promise<number>;
  /** Deletes a document; `tombstone` (a deletion asked for by a user) keeps a later crawl from bringing it back. */
  removeDocument(collection: string, id: string, options?: { tombstone?: boolean }): Promise<boolean>;
  createIndexVersion(collection: string): Promise<IndexVersionRef>;
  /**
   * Publishes a version: its bytes, as one array or as its parts in order (a full snapshot with its SQL tables, or a
   * delta with `tables` null).
   */
  publishIndex(
    collection: string,
    ref: IndexVersionRef,
    bytes: Uint8Array | readonly Uint8Array[],
    stats: unknown,
    tables: unknown,
    chain: PublishChain,
  ): Promise<{ version: number; publishedAt: Date }>;
  failIndex(ref: IndexVersionRef, reason: string): Promise<void>;
  /**
   * Removes the versions retention no longer keeps: superseded ones beyond the `retain` newest (counting the
   * published one) and failed ones older than the oldest kept. Resolves to the removed version numbers, ascending.
   */
  pruneIndexes(collection: string, retain: number): Promise<number[]>;
  /** The published version with every segment of its chain, or null. */
  latestPublished(collection: string): Promise<PublishedIndex | null>;
  /** The chain of the published version, full snapshot first, without data; null when nothing is published. */
  publishedChain(collection: string): Promise<ChainLink[] | null>;
  close(): Promise<void>;
}
