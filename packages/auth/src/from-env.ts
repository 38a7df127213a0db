import { AuthEnv, parseEnv } from '@lexigraph/contracts';

/** How a service authenticates, as its environment says (AuthEnv) or a test sets it. */
export interface AuthSettings {
  mode: 'on' | 'off';
  /** Required when `mode` is `on`. */
  masterKey?: string;
  /** How long a key read from the database is reused, in ms. */
  cacheMs: number;
  /** Browser origins allowed by CORS (`*` = any); empty = no CORS. */
  corsOrigins: string[];
}

/**
 * The settings of a service from its environment (LEXIGRAPH_MASTER_KEY, LEXIGRAPH_AUTH, AUTH_KEY_CACHE_MS,
 * LEXIGRAPH_CORS_ORIGINS). Throws the one environment error listing every bad value, so a service without a master
 * key and without LEXIGRAPH_AUTH=off does not start.
 */
export function authSettingsFromEnv(env: Record<string, string | undefined>, app: string): AuthSettings {
  const e = parseEnv(AuthEnv, env, app);
  return {
    mode: e.LEXIGRAPH_AUTH,
    ...(e.LEXIGRAPH_MASTER_KEY ? { masterKey: e.LEXIGRAPH_MASTER_KEY } : {}),
    cacheMs: e.AUTH_KEY_CACHE_MS,
    corsOrigins: e.LEXIGRAPH_CORS_ORIGINS,
  };
}

/** The line a service prints at start when it runs without authentication. */
export function openWarning(app: string): string {
  return `${app}: AUTHENTICATION IS OFF (LEXIGRAPH_AUTH=off): every route answers anyone who can reach this port. Never expose it beyond your machine.`;
}

/** The `origin` option of CORS for a list of origins: false (no CORS), true (any, for `*`) or the list. */
export function corsOrigin(origins: readonly string[]): boolean | string[] {
  if (origins.length === 0) return false;
  if (origins.includes('*')) return true;
  return [...origins];
}
