import { createHash } from 'node:crypto';
import { contentHash, Deduper, type Entity } from '@lexigraph/core';
import type { PipelineStore, StoredDocument } from './ports';
import { SpillLines } from './spill-lines';

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
 * Deduplicates `entities` (exact and near duplicates, via the engine's Deduper), hashes each kept entity
 * (documentHash) and upserts them into `collection`, where the store writes only those whose hash differs from the
 * stored one (and counts the rest unchanged), so re-running an ingest writes nothing new. `entities` is a list, or
 * batches read one after the other (a large file read as a stream): each batch is stored before the next is read, and
 * the kept entities wait in a temporary file for the deduplicator's checks (SpillLines), never held in memory all at
 * once. `onProgress(done, total)` counts kept entities handled (total 0 while batches are still coming).
 */
export async function distill(
  store: PipelineStore,
  collection: string,
  entities: readonly Entity[] | AsyncIterable<Entity[]>,
  onProgress?: (done: number, total: number) => void,
): Promise<DistillReport> {
  // a list is held by the caller, so the deduplicator reads the kept ones from a list of them; batches go to a
  // temporary file
  const spill = Array.isArray(entities) ? null : new SpillLines();
  try {
    return await distillInto(store, collection, entities, spill ?? listKeeper(), onProgress);
  } finally {
    spill?.close();
  }
}

/** Where distill keeps the entities it kept, for its deduplicator to read back (see SpillLines). */
interface Keeper {
  push(e: Entity): void;
  at(n: number): Entity | undefined;
}

function listKeeper(): Keeper {
  const kept: Entity[] = [];
  return { push: (e) => kept.push(e), at: (n) => kept[n] };
}

async function distillInto(
  store: PipelineStore,
  collection: string,
  entities: readonly Entity[] | AsyncIterable<Entity[]>,
  keeper: Keeper,
  onProgress?: (done: number, total: number) => void,
): Promise<DistillReport> {
  const listed = Array.isArray(entities) ? (entities as readonly Entity[]) : null;
  const deduper = new Deduper((n) => keeper.at(n));
  const report: DistillReport = { received: 0, kept: 0, dropped: [], inserted: 0, updated: 0, unchanged: 0 };
  let pending: StoredDocument[] = [];
  const total = () => (listed ? report.kept : 0);
  const flush = async () => {
    for (let i = 0; i < pending.length; i += BATCH) {
      // An upload is explicit: it also brings back documents deleted through the API.
      const counts = await store.upsertDocuments(collection, pending.slice(i, i + BATCH), { explicit: true });
      report.inserted += counts.inserted;
      report.updated += counts.updated;
      report.unchanged += counts.unchanged;
      onProgress?.(report.unchanged + report.inserted + report.updated, total());
    }
    pending = [];
  };
  const take = (batch: readonly Entity[]) => {
    for (const entity of batch) {
      report.received++;
      const dup = deduper.offer(entity);
      if (dup) {
        report.dropped.push({ id: entity.id, ...dup });
        continue;
      }
      report.kept++;
      keeper.push(entity);
      // The store compares each hash with the stored one (by id, one query per batch) and counts the unchanged:
      // reading every stored hash first would make a one-document ingest cost what the collection costs.
      pending.push({ entity, hash: documentHash(entity) });
    }
  };
  if (listed) {
    take(listed);
    onProgress?.(0, report.kept);
    await flush();
  } else {
    for await (const batch of entities as AsyncIterable<Entity[]>) {
      take(batch);
      await flush();
    }
  }
  return report;
}
