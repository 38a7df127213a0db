import { createHash } from 'node:crypto';
import { contentHash, dedupeEntities, type Entity } from '@lexigraph/core';
import type { PipelineStore, StoredDocument } from './ports';

export interface DistillReport {
  received: number;
  kept: number;
  /** Entities dropped as exact or near duplicates of a kept one. */
  dropped: { id: string; duplicateOf: string; kind: 'exact' | 'near' }[];
  inserted: number;
  updated: number;
  /** Kept entities whose content hash equals the stored one (not written again). */
  unchanged: number;
}

/**
 * Hash of everything stored for an entity: the engine's content hash (title, text, category, tags) plus the fields
 * it leaves out but the index uses or shows (url, headings, terms, links, parent, meta, acl). A page whose links or
 * address changed is therefore stored again, while an identical re-crawl writes nothing.
 */
export function documentHash(entity: Entity): string {
  const rest = [entity.url ?? null, entity.headings ?? [], entity.terms ?? [], entity.links, entity.parent ?? null, entity.meta ?? {}, entity.acl ?? null];
  return createHash('sha256').update(contentHash(entity)).update('\u0001').update(stableJson(rest)).digest('hex');
}

/**
 * JSON with object keys in sorted order and undefined members left out, so an entity read back from a jsonb
 * column (which reorders keys) hashes like the one that was written.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
}

/** Documents written per upsert call (bounds statement size and memory). */
const BATCH = 250;

/**
 * Deduplicates `entities` (exact and near duplicates, via the engine), hashes each kept entity (documentHash) and upserts into
 * `collection` only those whose hash differs from the stored one, so re-running an ingest writes nothing new.
 * `onProgress(done, total)` counts kept entities handled.
 */
export async function distill(
  store: PipelineStore,
  collection: string,
  entities: Entity[],
  onProgress?: (done: number, total: number) => void,
): Promise<DistillReport> {
  const { kept, dropped } = dedupeEntities(entities);
  const stored = await store.documentHashes(collection);
  const changed: StoredDocument[] = [];
  let unchanged = 0;
  for (const entity of kept) {
    const hash = documentHash(entity);
    if (stored.get(entity.id) === hash) unchanged++;
    else changed.push({ entity, hash });
  }
  let inserted = 0;
  let updated = 0;
  onProgress?.(unchanged, kept.length);
  for (let i = 0; i < changed.length; i += BATCH) {
    // An upload is explicit: it also brings back documents deleted through the API.
    const counts = await store.upsertDocuments(collection, changed.slice(i, i + BATCH), { explicit: true });
    inserted += counts.inserted;
    updated += counts.updated;
    unchanged += counts.unchanged;
    onProgress?.(Math.min(kept.length, unchanged + inserted + updated), kept.length);
  }
  return { received: entities.length, kept: kept.length, dropped, inserted, updated, unchanged };
}
