import type { Entity } from '@lexigraph/contracts';

export type { Entity };

/** A stored collection. `config` is the collection's free-form configuration (engine parameters, sources...). */
export interface CollectionRecord {
  id: string;
  name: string;
  config: Record<string, unknown>;
  createdAt: Date;
}

/** Fetch metadata kept with a document; every field optional, extra fields allowed. */
export interface FetchMeta {
  status?: number;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /** Size of the fetched body, in bytes. */
  bytes?: number;
  /** ISO-8601 time of the fetch. */
  fetchedAt?: string;
  [key: string]: unknown;
}

/** One document to store, keyed by (collection, externalId). */
export interface DocumentInput {
  /** Stable id within the collection (usually the entity id); non-empty. */
  externalId: string;
  url?: string;
  title: string;
  rawText?: string;
  /** Hash of the content; an equal hash means "unchanged" and the stored row is left alone. */
  contentHash: string;
  fetchMeta?: FetchMeta | Record<string, unknown>;
  /** The distilled entity, stored as JSON. */
  entity: Entity;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Documents left deleted because they were deleted with a tombstone and the write was not explicit. */
  tombstoned?: number;
}

export type IndexStatusName = 'building' | 'published' | 'failed' | 'superseded';

export interface IndexVersionInfo {
  id: string;
  collectionId: string;
  version: number;
  status: IndexStatusName;
  stats: Record<string, unknown>;
  /** Length of the serialized index in bytes; null until the version is published. */
  dataBytes: number | null;
  error: string | null;
  createdAt: Date;
  publishedAt: Date | null;
  /** How its chunks hold the index: a full snapshot, or a delta on top of `parentVersion`'s chain. */
  kind: IndexKind;
  parentVersion: number | null;
  /** The full snapshot its chain starts from. */
  baseVersion: number | null;
  /** When its documents were read (database clock). */
  docsAsOf: Date | null;
  /** Whether a full snapshot carries the delta from `parentVersion` (see IndexRepository.readBridge). */
  hasBridge: boolean;
}

export type IndexKind = 'full' | 'delta';

/** Where a published version sits in its chain (see IndexRepository.publish). */
export interface VersionChain {
  kind: IndexKind;
  /** The version a delta follows; null for a full snapshot. */
  parentVersion: number | null;
  /** The full snapshot of the chain; null for a full snapshot (its own number). */
  baseVersion: number | null;
  docsAsOf: Date;
  /**
   * For a full snapshot that replaces `parentVersion`: the delta segment of the documents changed since it, so a
   * reader holding it can take the new version in place.
   */
  bridge?: Uint8Array | null;
}

export interface PublishedIndex {
  id: string;
  version: number;
  /** The serialized index, byte for byte as published. */
  data: Uint8Array;
  stats: Record<string, unknown>;
  publishedAt: Date | null;
  kind: IndexKind;
  parentVersion: number | null;
  baseVersion: number | null;
}

/** A version removed by retention, or failed by the sweep of builds left behind. */
export interface VersionRef {
  id: string;
  collectionId: string;
  version: number;
  /** Its status when it was removed (`failed` for a swept build). */
  status: IndexStatusName;
}

export interface LexiconRow {
  token: string;
  display: string;
  /** Total weighted count. */
  count: number;
  /** Document frequency (number of entities containing the token). */
  df: number;
}

export interface XEmbeddingRow {
  token: string;
  related: string;
  pmi: number;
  /** Joint (co-occurrence) count n_ab. */
  nab: number;
}

export interface TokenCategoryRow {
  token: string;
  category: string;
  count: number;
}

/** The SQL-readable tables written with a published version. */
export interface IndexTables {
  lexicon: LexiconRow[];
  xembeddings: XEmbeddingRow[];
  categories: TokenCategoryRow[];
}
