import { authSettingsFromEnv, type AuthSettings } from '@lexigraph/auth';
import { IngestEnv, parseEnv } from '@lexigraph/contracts';
import { fromQueueEnv, type QueueConfig } from '@lexigraph/queue';

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
  /** Lowest level of the JSON log lines (`LOG_LEVEL`, default info; `silent`: none). */
  logLevel?: string;
  /** The indexer's data folder (`LEXIGRAPH_DATA`): deleting a collection removes its snapshot files there. */
  dataDir?: string;
  /**
   * Authentication (default: from LEXIGRAPH_MASTER_KEY, LEXIGRAPH_AUTH, AUTH_KEY_CACHE_MS, LEXIGRAPH_CORS_ORIGINS;
   * without a master key the API refuses to start unless LEXIGRAPH_AUTH=off).
   */
  auth?: AuthSettings;
}

export interface IngestConfig {
  databaseUrl: string;
  schema?: string;
  queue: QueueConfig;
  maxBodyBytes: number;
  maxUploadBytes: number;
  allowPrivateSources: boolean;
  port: number;
  host: string;
  logLevel: string;
  dataDir?: string;
  auth: AuthSettings;
}

export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

/**
 * The configuration of an ingest API: `opts` first, then the environment as IngestEnv (@lexigraph/contracts)
 * declares it. A bad or missing value throws one error listing every bad `NAME=value`.
 */
export function resolveConfig(opts: IngestOptions = {}, env: Record<string, string | undefined> = process.env): IngestConfig {
  const e = parseEnv(IngestEnv, opts.databaseUrl ? { ...env, DATABASE_URL: opts.databaseUrl } : env, 'ingest');
  return {
    databaseUrl: e.DATABASE_URL,
    ...(opts.schema ? { schema: opts.schema } : {}),
    queue: { ...fromQueueEnv(e), ...(opts.queue ?? {}) },
    maxBodyBytes: opts.maxBodyBytes ?? e.INGEST_MAX_BODY_BYTES,
    maxUploadBytes: opts.maxUploadBytes ?? e.INGEST_MAX_UPLOAD_BYTES,
    allowPrivateSources: opts.allowPrivateSources ?? e.INGEST_ALLOW_PRIVATE,
    port: e.INGEST_PORT,
    host: e.INGEST_HOST,
    logLevel: opts.logLevel ?? e.LOG_LEVEL,
    ...((opts.dataDir ?? e.LEXIGRAPH_DATA) ? { dataDir: opts.dataDir ?? e.LEXIGRAPH_DATA } : {}),
    auth: opts.auth ?? authSettingsFromEnv(env, 'ingest'),
  };
}
