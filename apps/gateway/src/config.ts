import { parseEnv } from '@lexigraph/contracts';
import { z } from 'zod';

/**
 * The gateway's environment, declared once and parsed at boot. Nothing else in the app reads `process.env`.
 * - `DATABASE_URL` (required): PostgreSQL holding the published indexes (`?schema=` selects a schema).
 * - `REDIS_URL` (default `redis://127.0.0.1:6379`): where `index.published` events arrive.
 * - `LEXIGRAPH_DATA` (optional): a data directory shared with the indexer; its snapshot files are read instead of
 *   the database's copy when they hold the published version, and served alone while the database is down.
 * - `GATEWAY_PORT` (default 3000), `GATEWAY_HOST` (default `0.0.0.0`).
 * - `GATEWAY_POLL_MS` (default 5000, 0 turns polling off): how often the published versions are checked, as a
 *   fallback for missed events.
 * - `GATEWAY_CACHE_SIZE` (default 1000, 0 turns it off): answers kept for repeated queries; keyed by collection,
 *   index version, prompt and parameters, so a new version is never answered from the cache of an old one.
 */
export const GatewayEnv = z.object({
  DATABASE_URL: z.string().url('must be a postgresql:// connection string'),
  REDIS_URL: z.string().url('must look like redis://host:port').default('redis://127.0.0.1:6379'),
  LEXIGRAPH_DATA: z.string().min(1).optional(),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  GATEWAY_POLL_MS: z.coerce.number().int().min(0).max(86_400_000).default(5000),
  GATEWAY_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(1000),
});
export type GatewayEnv = z.infer<typeof GatewayEnv>;

export interface GatewayConfig {
  databaseUrl: string;
  redisUrl: string;
  dataDir?: string;
  port: number;
  host: string;
  pollMs: number;
  /** Answers cached for repeated queries; 0 = off. */
  cacheSize: number;
}

/**
 * Parses the environment. A bad or missing value throws one Error listing every bad `NAME=value`, so the app stops
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
