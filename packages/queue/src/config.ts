import { parseEnv, QueueEnv } from '@lexigraph/contracts';

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

/**
 * The queue settings of the environment (QueueEnv of @lexigraph/contracts: REDIS_URL, QUEUE_PREFIX, QUEUE_ATTEMPTS,
 * QUEUE_BACKOFF_MS, QUEUE_LOCK_MS, QUEUE_STALLED_MS, INDEX_DEBOUNCE_MS, INDEX_MAX_WAIT_MS, QUEUE_KEEP_DAYS);
 * `overrides` win. A bad value throws one error listing every bad `NAME=value`.
 */
export function queueConfig(overrides: Partial<QueueConfig> = {}, env: Record<string, string | undefined> = process.env): QueueConfig {
  return { ...fromQueueEnv(parseEnv(QueueEnv, env, 'queue')), ...overrides };
}

/** QueueConfig of parsed QueueEnv variables (for apps that parse their whole environment at once). */
export function fromQueueEnv(e: QueueEnv): QueueConfig {
  return {
    redisUrl: e.REDIS_URL,
    prefix: e.QUEUE_PREFIX,
    attempts: e.QUEUE_ATTEMPTS,
    backoffMs: e.QUEUE_BACKOFF_MS,
    lockDurationMs: e.QUEUE_LOCK_MS,
    stalledIntervalMs: e.QUEUE_STALLED_MS,
    buildDebounceMs: e.INDEX_DEBOUNCE_MS,
    buildMaxWaitMs: e.INDEX_MAX_WAIT_MS,
    keepDays: e.QUEUE_KEEP_DAYS,
  };
}
