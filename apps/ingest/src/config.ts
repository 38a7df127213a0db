import { queueConfig, type QueueConfig } from '@lexigraph/queue';

export interface IngestOptions {
  /** PostgreSQL connection string (`DATABASE_URL`), required. */
  databaseUrl?: string;
  /** PostgreSQL schema of the tables (default: the URL's `?schema=`, else public). */
  schema?: string;
  /** Queue settings (`REDIS_URL`, `QUEUE_PREFIX`, ...); see @lexigraph/queue. */
  queue?: Partial<QueueConfig>;
  /** Largest JSON body of the other routes, in bytes (`INGEST_MAX_BODY_BYTES`, default 1 MiB). */
  maxBodyBytes?: number;
  /** Largest document upload, in bytes (`INGEST_MAX_UPLOAD_BYTES`, default 32 MiB). */
  maxUploadBytes?: number;
  /**
   * Whether API clients may post sources with `allowPrivate: true` (crawls of private, loopback and link-local
   * addresses). Off by default, so the API cannot be used to reach the server's own network
   * (`INGEST_ALLOW_PRIVATE=1` turns it on).
   */
  allowPrivateSources?: boolean;
}

export interface IngestConfig {
  databaseUrl: string;
  schema?: string;
  queue: QueueConfig;
  maxBodyBytes: number;
  maxUploadBytes: number;
  allowPrivateSources: boolean;
}

export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

export function resolveConfig(opts: IngestOptions = {}, env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const databaseUrl = opts.databaseUrl ?? env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  return {
    databaseUrl,
    ...(opts.schema ? { schema: opts.schema } : {}),
    queue: queueConfig(opts.queue ?? {}, env),
    maxBodyBytes: positive('INGEST_MAX_BODY_BYTES', opts.maxBodyBytes ?? Number(env.INGEST_MAX_BODY_BYTES || 1024 * 1024)),
    maxUploadBytes: positive('INGEST_MAX_UPLOAD_BYTES', opts.maxUploadBytes ?? Number(env.INGEST_MAX_UPLOAD_BYTES || 32 * 1024 * 1024)),
    allowPrivateSources: opts.allowPrivateSources ?? ['1', 'true', 'yes'].includes((env.INGEST_ALLOW_PRIVATE ?? '').toLowerCase()),
  };
}
