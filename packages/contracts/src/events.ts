import { z } from 'zod';
import { CollectionName } from './schemas';

/**
 * Events between services (`@nestjs/microservices`, Redis transport). The indexer emits `index.published` after a
 * new index version of a collection is committed; gateways swap to it (and poll the store as a fallback).
 */
export const EVENT_INDEX_PUBLISHED = 'index.published' as const;

export const IndexPublishedEvent = z.object({
  collection: CollectionName,
  /** The version number now published (monotonic per collection). */
  version: z.number().int().min(1),
  publishedAt: z.string().datetime(),
});
export type IndexPublishedEvent = z.infer<typeof IndexPublishedEvent>;
