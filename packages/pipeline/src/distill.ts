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

/** Documents written per upsert call (bounds statement size and memory). */
const BATCH = 250;

/**
 * Deduplicates `entities` (exact and near duplicates, via the engine), hashes each kept entity and upserts into
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
    const hash = contentHash(entity);
    if (stored.get(entity.id) === hash) unchanged++;
    else changed.push({ entity, hash });
  }
  let inserted = 0;
  let updated = 0;
  onProgress?.(unchanged, kept.length);
  for (let i = 0; i < changed.length; i += BATCH) {
    const counts = await store.upsertDocuments(collection, changed.slice(i, i + BATCH));
    inserted += counts.inserted;
    updated += counts.updated;
    unchanged += counts.unchanged;
    onProgress?.(Math.min(kept.length, unchanged + inserted + updated), kept.length);
  }
  return { received: entities.length, kept: kept.length, dropped, inserted, updated, unchanged };
}
