import { GatewayEnv, parseEnv } from '@lexigraph/contracts';

export { GatewayEnv } from '@lexigraph/contracts';

export interface GatewayConfig {
  databaseUrl: string;
  redisUrl: string;
  dataDir?: string;
  port: number;
  host: string;
  pollMs: number;
  /** Answers kept in the in-process cache; 0 = off. */
  cacheSize: number;
  /** Lowest level of the JSON log lines (`LOG_LEVEL`). */
  logLevel?: string;
  /** The answer cache's other bounds and layers (see answer-cache.ts); defaults when absent. */
  answerCache?: AnswerCacheConfig;
}

/** Bounds of the answer cache's layers, and the warming after a publish. */
export interface AnswerCacheConfig {
  /** Bytes the in-process layer holds at most (its entries' JSON text, counted as UTF-16). */
  localBytes: number;
  /** Use the Redis layer shared by the replicas. */
  shared: boolean;
  /** Seconds an entry of the shared layer lives. */
  sharedTtlSeconds: number;
  /** Largest entry the shared layer takes, in bytes (larger answers stay in-process only). */
  sharedMaxEntryBytes: number;
  /** Answers precomputed after a version is served (0 = none). */
  warmCount: number;
}

/**
 * Parses the environment (GatewayEnv of @lexigraph/contracts, where every variable is described). A bad or missing value throws one Error listing every bad `NAME=value`, so the app stops
 * at boot with all of them at once.
 */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  const e = parseEnv(GatewayEnv, env, 'gateway');
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    ...(e.LEXIGRAPH_DATA ? { dataDir: e.LEXIGRAPH_DATA } : {}),
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    pollMs: e.GATEWAY_POLL_MS,
    cacheSize: e.GATEWAY_CACHE_SIZE,
    logLevel: e.LOG_LEVEL,
    answerCache: {
      localBytes: Math.round(e.GATEWAY_CACHE_MB * 1024 * 1024),
      shared: e.GATEWAY_SHARED_CACHE === 'on',
      sharedTtlSeconds: e.GATEWAY_SHARED_CACHE_TTL_S,
      sharedMaxEntryBytes: e.GATEWAY_SHARED_CACHE_ENTRY_KB * 1024,
      warmCount: e.GATEWAY_WARM_COUNT,
    },
  };
}

/** Host, port and optional password/db of a `redis://` URL, as the Nest Redis transport and ioredis take them. */
export function redisOptions(url: string): { host: string; port: number; password?: string; username?: string; db?: number } {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
  };
}
