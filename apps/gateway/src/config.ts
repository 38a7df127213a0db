import { authSettingsFromEnv, type AuthSettings } from '@lexigraph/auth';
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
  auth: AuthSettings;
  /** Requests per key and window, counted in Redis across replicas; `limit` 0 = no limit. */
  rateLimit: { limit: number; windowMs: number };
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
  /** Start of every key of the shared layer (its entries and warming claims). */
  sharedPrefix: string;
  /** Answers precomputed after a version is served (0 = none). */
  warmCount: number;
}

/**
 * Parses the environment (GatewayEnv and AuthEnv of @lexigraph/contracts, where every variable is described). A bad
 * or missing value throws one Error listing every bad `NAME=value`, so the app stops at boot with all of them at once.
 */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  const errors: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      errors.push((err as Error).message.replace(/^invalid gateway environment: /, ''));
      return undefined;
    }
  };
  const e = attempt(() => parseEnv(GatewayEnv, env, 'gateway'));
  const auth = attempt(() => authSettingsFromEnv(env, 'gateway'));
  // Every bad value of both schemas in one message, as for one schema (AuthEnv is apart for its cross-field rule).
  if (!e || !auth) throw new Error(`invalid gateway environment: ${errors.join('; ')}`);
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
      sharedPrefix: e.GATEWAY_SHARED_CACHE_PREFIX,
      warmCount: e.GATEWAY_WARM_COUNT,
    },
    auth,
    rateLimit: { limit: e.GATEWAY_RATE_LIMIT, windowMs: e.GATEWAY_RATE_WINDOW_MS },
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
