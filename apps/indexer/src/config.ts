import * as path from 'node:path';
import { createLogger, IndexerEnv, parseEnv } from '@lexigraph/contracts';
import { fromQueueEnv, type QueueConfig } from '@lexigraph/queue';

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
  /** Log lines (default: JSON lines through pino at `LOG_LEVEL`; false: silent). */
  log?: ((line: Record<string, unknown>) => void) | false;
  /**
   * Port of the `/health` and `/metrics` listener on `host` (0: any free port). Default: none when started from
   * code; `node dist/main.js` listens on `INDEXER_PORT` (default 3002).
   */
  port?: number;
  /** Address of that listener (`INDEXER_HOST`, default 0.0.0.0). */
  host?: string;
  /** Collect the process's default metrics (CPU, memory, event loop) too. Default true. */
  defaultMetrics?: boolean;
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
  /** The `/health` and `/metrics` listener, or null for none. */
  http: { port: number; host: string } | null;
  defaultMetrics: boolean;
}

export const INDEXER_CONFIG = Symbol('INDEXER_CONFIG');

const ERROR_EVENTS = new Set(['job.failed', 'worker.error', 'sweep.failed', 'announce.failed']);

/**
 * The configuration of an indexer: `opts` first, then the environment as IndexerEnv (@lexigraph/contracts)
 * declares it. A bad or missing value throws one error listing every bad `NAME=value`.
 */
export function resolveConfig(opts: IndexerOptions = {}, env: Record<string, string | undefined> = process.env): IndexerConfig {
  const e = parseEnv(IndexerEnv, opts.databaseUrl ? { ...env, DATABASE_URL: opts.databaseUrl } : env, 'indexer');
  let log = opts.log === false ? () => undefined : opts.log;
  if (!log) {
    const logger = createLogger('indexer', { level: e.LOG_LEVEL });
    log = (line) => {
      const msg = String(line.event ?? 'event');
      if (ERROR_EVENTS.has(msg)) logger.error(line, msg);
      else logger.info(line, msg);
    };
  }
  return {
    databaseUrl: e.DATABASE_URL,
    ...(opts.schema ? { schema: opts.schema } : {}),
    dataDir: path.resolve(opts.dataDir ?? e.LEXIGRAPH_DATA),
    concurrency: opts.concurrency ?? e.INDEXER_CONCURRENCY,
    queue: { ...fromQueueEnv(e), ...(opts.queue ?? {}) },
    ...(opts.fetchTimeoutMs ? { fetchTimeoutMs: opts.fetchTimeoutMs } : {}),
    retainVersions: opts.retainVersions ?? e.INDEX_RETAIN_VERSIONS,
    staleBuildMs: opts.staleBuildMs ?? e.INDEX_STALE_BUILD_MS,
    sqlTables: opts.sqlTables ?? e.INDEX_SQL_TABLES,
    log,
    logJobs: e.INDEXER_LOG_JOBS,
    http: opts.port === undefined ? null : { port: opts.port, host: opts.host ?? e.INDEXER_HOST },
    defaultMetrics: opts.defaultMetrics ?? true,
  };
}

/** The listener settings of `node dist/main.js`: INDEXER_PORT and INDEXER_HOST. */
export function listenerFromEnv(env: Record<string, string | undefined> = process.env): { port: number; host: string } {
  const e = parseEnv(IndexerEnv, env, 'indexer');
  return { port: e.INDEXER_PORT, host: e.INDEXER_HOST };
}
