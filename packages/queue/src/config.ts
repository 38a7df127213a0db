/** Settings of the job queues, shared by the ingest API (producer) and the indexer (workers). */
export interface QueueConfig {
  /** Redis connection string. Default `redis://127.0.0.1:6379` (`REDIS_URL`). */
  redisUrl: string;
  /** Prefix of every BullMQ key (`QUEUE_PREFIX`, default `lexigraph`): tests use a unique one per run. */
  prefix: string;
  /** Attempts of a job that fails with a transient error (`QUEUE_ATTEMPTS`, default 5). */
  attempts: number;
  /** First retry delay; doubles each attempt (`QUEUE_BACKOFF_MS`, default 1000). */
  backoffMs: number;
  /** A worker's lock on a job; a worker that dies loses it and the job runs again (`QUEUE_LOCK_MS`, default 60000). */
  lockDurationMs: number;
  /** How often workers look for jobs whose worker died (`QUEUE_STALLED_MS`, default 30000). */
  stalledIntervalMs: number;
  /** Requests for an index build of a collection within this window collapse into one build (`INDEX_DEBOUNCE_MS`, default 2000). */
  buildDebounceMs: number;
  /**
   * While crawl or distill jobs of a collection are pending, its index build waits (re-queued each debounce
   * window), for at most this long since the first wait (`INDEX_MAX_WAIT_MS`, default 30000): a crawl publishes
   * once at its end, or every so often while a long one runs.
   */
  buildMaxWaitMs: number;
  /** How long finished crawl jobs (and so "fetched once per crawl") are remembered (`QUEUE_KEEP_DAYS`, default 7). */
  keepDays: number;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** Reads the queue settings from the environment; `overrides` win. */
export function queueConfig(overrides: Partial<QueueConfig> = {}, env: NodeJS.ProcessEnv = process.env): QueueConfig {
  return {
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    prefix: env.QUEUE_PREFIX || 'lexigraph',
    attempts: Math.max(1, intEnv(env, 'QUEUE_ATTEMPTS', 5)),
    backoffMs: intEnv(env, 'QUEUE_BACKOFF_MS', 1000),
    lockDurationMs: Math.max(1000, intEnv(env, 'QUEUE_LOCK_MS', 60_000)),
    stalledIntervalMs: Math.max(500, intEnv(env, 'QUEUE_STALLED_MS', 30_000)),
    buildDebounceMs: intEnv(env, 'INDEX_DEBOUNCE_MS', 500),
    buildMaxWaitMs: intEnv(env, 'INDEX_MAX_WAIT_MS', 30_000),
    keepDays: Math.max(1, intEnv(env, 'QUEUE_KEEP_DAYS', 7)),
    ...overrides,
  };
}
