import * as path from 'node:path';
import { IndexStorageEnv, parseEnv } from '@lexigraph/contracts';
import { queueConfig, type QueueConfig } from '@lexigraph/queue';

export interface IndexerOptions {
  /** PostgreSQL connection string (`DATABASE_URL`); required: several indexers share one database. */
  databaseUrl?: string;
  /** PostgreSQL schema of the tables (default: the URL's `?schema=`, else public). */
  schema?: string;
  /** Folder of the published snapshots (`LEXIGRAPH_DATA`, default ./.lexigraph). */
  dataDir?: string;
  /** Jobs run at once per queue (`INDEXER_CONCURRENCY`, default 4). */
  concurrency?: number;
  /** Queue settings (`REDIS_URL`, `QUEUE_PREFIX`, ...); see @lexigraph/queue. */
  queue?: Partial<QueueConfig>;
  /** Per-request timeout of page fetches in ms (default 15000). */
  fetchTimeoutMs?: number;
  /** Index versions and snapshot files kept per collection after a publish (`INDEX_RETAIN_VERSIONS`, default 3). */
  retainVersions?: number;
  /** Age in ms after which a version still building is failed as left behind (`INDEX_STALE_BUILD_MS`, default 1 h). */
  staleBuildMs?: number;
  /** Whether full builds also store the SQL-readable tables (`INDEX_SQL_TABLES`, default off). */
  sqlTables?: boolean;
  /** Log lines (default: one JSON line per failed job and per publish to stderr; false: silent). */
  log?: ((line: Record<string, unknown>) => void) | false;
}

export interface IndexerConfig {
  databaseUrl: string;
  schema?: string;
  dataDir: string;
  concurrency: number;
  queue: QueueConfig;
  fetchTimeoutMs?: number;
  retainVersions: number;
  staleBuildMs: number;
  sqlTables: boolean;
  log: (line: Record<string, unknown>) => void;
  /** Log every finished job with its duration (`INDEXER_LOG_JOBS=1`). */
  logJobs: boolean;
}

export const INDEXER_CONFIG = Symbol('INDEXER_CONFIG');

export function resolveConfig(opts: IndexerOptions = {}, env: NodeJS.ProcessEnv = process.env): IndexerConfig {
  const databaseUrl = opts.databaseUrl ?? env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required: indexers share one PostgreSQL database');
  const concurrency = opts.concurrency ?? Number(env.INDEXER_CONCURRENCY || 4);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`INDEXER_CONCURRENCY must be a positive integer`);
  const storage = parseEnv(IndexStorageEnv, env, 'indexer');
  const log =
    opts.log === false
      ? () => undefined
      : (opts.log ?? ((line: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ service: 'indexer', ...line })}\n`)));
  return {
    databaseUrl,
    ...(opts.schema ? { schema: opts.schema } : {}),
    dataDir: path.resolve(opts.dataDir ?? env.LEXIGRAPH_DATA ?? './.lexigraph'),
    concurrency,
    queue: queueConfig(opts.queue ?? {}, env),
    ...(opts.fetchTimeoutMs ? { fetchTimeoutMs: opts.fetchTimeoutMs } : {}),
    retainVersions: opts.retainVersions ?? storage.INDEX_RETAIN_VERSIONS,
    staleBuildMs: opts.staleBuildMs ?? storage.INDEX_STALE_BUILD_MS,
    sqlTables: opts.sqlTables ?? storage.INDEX_SQL_TABLES,
    log,
    logJobs: env.INDEXER_LOG_JOBS === '1',
  };
}
