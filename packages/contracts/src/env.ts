import { z } from 'zod';

/** Index versions of a collection kept after a publish, counting the published one. */
export const DEFAULT_RETAIN_VERSIONS = 3;
/** Age after which a version still `building` counts as left behind by a process that died: one hour. */
export const DEFAULT_STALE_BUILD_MS = 60 * 60_000;

/**
 * How published index versions are kept, for the apps that publish them (the indexer and the CLI):
 * - `INDEX_RETAIN_VERSIONS` (default 3, 1..1000): versions of a collection kept after each publish, counting the
 *   published one, in the database and as snapshot files under `<LEXIGRAPH_DATA>/indexes/`; older superseded
 *   versions go, and failed ones older than the oldest kept.
 * - `INDEX_STALE_BUILD_MS` (default 3600000, one hour): a version still `building` this long after it was created
 *   is marked failed by the indexer's sweep (at start and every so often). It must exceed the longest build.
 * - `INDEX_SQL_TABLES` (`1`/`true` or `0`/`false`, default off): with each full build, also write the SQL-readable
 *   mirror of the tables (lexicon, x-embeddings, token categories) for SQL readers. Answers never read it; it takes
 *   several times the index's own space and most of a publish's time.
 */
export const IndexStorageEnv = z.object({
  INDEX_RETAIN_VERSIONS: z.coerce.number().int().min(1).max(1000).default(DEFAULT_RETAIN_VERSIONS),
  INDEX_STALE_BUILD_MS: z.coerce.number().int().min(0).max(30 * 86_400_000).default(DEFAULT_STALE_BUILD_MS),
  INDEX_SQL_TABLES: z
    .enum(['1', '0', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
});
export type IndexStorageEnv = z.infer<typeof IndexStorageEnv>;

/**
 * Parses the variables `schema` declares out of `env` (an empty value counts as unset). A bad or missing value
 * throws one Error listing every bad `NAME=value` with its reason, so an app stops at boot with all of them at once.
 * `app` names the app in the message.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>, app: string): z.output<S> {
  const picked = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const result = schema.safeParse(picked);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const value = picked[name];
    return `${name}=${value === undefined ? '(unset)' : value}: ${issue.message}`;
  });
  throw new Error(`invalid ${app} environment: ${lines.join('; ')}`);
}

/** A yes/no variable: `1`/`true`/`yes` or `0`/`false`/`no` (any case); unset is `fallback`. */
function flag(fallback: boolean) {
  return z
    .string()
    .toLowerCase()
    .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no']))
    .optional()
    .transform((v) => (v === undefined ? fallback : v === '1' || v === 'true' || v === 'yes'));
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/**
 * `LOG_LEVEL` (default `info`): the lowest level written by the services' JSON logs (`fatal`, `error`, `warn`,
 * `info`, `debug`, `trace`, or `silent`).
 */
export const LogEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type LogEnv = z.infer<typeof LogEnv>;

/**
 * The job queues, shared by the ingest API (producer) and the indexer (workers):
 * - `REDIS_URL` (default `redis://127.0.0.1:6379`); `QUEUE_PREFIX` (default `lexigraph`): prefix of every key.
 * - `QUEUE_ATTEMPTS` (default 5): attempts of a job failing with a transient error; `QUEUE_BACKOFF_MS` (default
 *   1000): first retry delay, doubling each attempt.
 * - `QUEUE_LOCK_MS` (default 60000, at least 1000): a worker's lock on a job; `QUEUE_STALLED_MS` (default 30000, at
 *   least 500): how often workers look for jobs whose worker died.
 * - `INDEX_DEBOUNCE_MS` (default 500): build requests of a collection within this time collapse into one build;
 *   `INDEX_MAX_WAIT_MS` (default 30000): longest wait of a build for the crawl or distill jobs of its collection.
 * - `QUEUE_KEEP_DAYS` (default 7): how long finished jobs (and so "fetched once per crawl run") are remembered.
 */
export const QueueEnv = z.object({
  REDIS_URL: z.string().url('must look like redis://host:port').default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).max(100).default('lexigraph'),
  QUEUE_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
  QUEUE_BACKOFF_MS: z.coerce.number().int().min(0).default(1000),
  QUEUE_LOCK_MS: z.coerce.number().int().min(1000).default(60_000),
  QUEUE_STALLED_MS: z.coerce.number().int().min(500).default(30_000),
  INDEX_DEBOUNCE_MS: z.coerce.number().int().min(0).default(500),
  INDEX_MAX_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  QUEUE_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
});
export type QueueEnv = z.infer<typeof QueueEnv>;

const DatabaseUrl = z.string().url('must be a postgresql:// connection string');

/**
 * The ingest API (besides QueueEnv and LogEnv):
 * - `DATABASE_URL` (required); `INGEST_PORT` (default 3001), `INGEST_HOST` (default `0.0.0.0`).
 * - `INGEST_MAX_BODY_BYTES` (default 1 MiB): largest JSON body; `INGEST_MAX_UPLOAD_BYTES` (default 32 MiB): largest
 *   document upload.
 * - `INGEST_ALLOW_PRIVATE` (default off): whether sources may crawl private, loopback and link-local addresses.
 * - `LEXIGRAPH_DATA` (optional): the indexer's data folder, so deleting a collection also removes its snapshot
 *   files (without it, those files stay until removed by hand).
 */
export const IngestEnv = z.object({
  DATABASE_URL: DatabaseUrl,
  LEXIGRAPH_DATA: z.string().min(1).optional(),
  INGEST_PORT: port(3001),
  INGEST_HOST: z.string().min(1).default('0.0.0.0'),
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1).default(1024 * 1024),
  INGEST_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(32 * 1024 * 1024),
  INGEST_ALLOW_PRIVATE: flag(false),
  ...QueueEnv.shape,
  ...LogEnv.shape,
});
export type IngestEnv = z.infer<typeof IngestEnv>;

/**
 * The indexer (besides QueueEnv, IndexStorageEnv and LogEnv):
 * - `DATABASE_URL` (required: several indexers share one database); `LEXIGRAPH_DATA` (default `./.lexigraph`):
 *   folder of the published snapshot files.
 * - `INDEXER_CONCURRENCY` (default 4): jobs run at once per queue.
 * - `INDEXER_PORT` (default 3002), `INDEXER_HOST` (default `0.0.0.0`): its `/health` and `/metrics` listener.
 * - `INDEXER_LOG_JOBS` (default off): log every finished job with its duration.
 */
export const IndexerEnv = z.object({
  DATABASE_URL: DatabaseUrl,
  LEXIGRAPH_DATA: z.string().min(1).default('./.lexigraph'),
  INDEXER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  INDEXER_PORT: port(3002),
  INDEXER_HOST: z.string().min(1).default('0.0.0.0'),
  INDEXER_LOG_JOBS: flag(false),
  ...QueueEnv.shape,
  ...IndexStorageEnv.shape,
  ...LogEnv.shape,
});
export type IndexerEnv = z.infer<typeof IndexerEnv>;

/**
 * Per-key rate limit of the gateway, counted in Redis so every replica shares it:
 * - `GATEWAY_RATE_LIMIT` (default 0 = no limit): requests one key (or, with authentication off, one client address)
 *   may make per window; past it the gateway answers 429 with `Retry-After`.
 * - `GATEWAY_RATE_WINDOW_MS` (default 60000): the window, in milliseconds.
 */
export const RateLimitEnv = z.object({
  GATEWAY_RATE_LIMIT: z.coerce.number().int().min(0).max(100_000_000).default(0),
  GATEWAY_RATE_WINDOW_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
});
export type RateLimitEnv = z.infer<typeof RateLimitEnv>;

/**
 * The query gateway (besides RateLimitEnv, LogEnv, and AuthEnv, which is parsed apart for its cross-field rule):
 * - `DATABASE_URL` (required): PostgreSQL holding the published indexes (`?schema=` selects a schema).
 * - `REDIS_URL` (default `redis://127.0.0.1:6379`): where `index.published` events arrive.
 * - `LEXIGRAPH_DATA` (optional): a data directory shared with the indexer; its snapshot files are read instead of
 *   the database's copy when they hold the published version, and served alone while the database is down.
 * - `GATEWAY_PORT` (default 3000), `GATEWAY_HOST` (default `0.0.0.0`).
 * - `GATEWAY_POLL_MS` (default 5000, 0 turns polling off): how often the published versions are checked, as a
 *   fallback for missed events.
 * - Answer cache (the gateway's answer-cache.ts): answers are keyed by collection, index version, the prompt's
 *   standard form (the engine's matched terms), the effective parameters and the caller's ACL groups, so paraphrases
 *   share an entry and a new version is never answered from the cache of an old one.
 *   `GATEWAY_CACHE_SIZE` (default 5000, 0 turns the in-process layer off) and `GATEWAY_CACHE_MB` (default 64):
 *   entries and megabytes of the in-process LRU. `GATEWAY_SHARED_CACHE` (`on` by default, `off`): the layer in
 *   Redis (`REDIS_URL`) shared by every replica, its entries expiring after `GATEWAY_SHARED_CACHE_TTL_S` (default
 *   3600) and none over `GATEWAY_SHARED_CACHE_ENTRY_KB` (default 256), under keys starting with
 *   `GATEWAY_SHARED_CACHE_PREFIX` (default `lexigraph:answer:`; deployments sharing one Redis each take their own).
 *   `GATEWAY_WARM_COUNT` (default 2000, 0 = off):
 *   answers precomputed after a version is served, for the collection's most likely prompts.
 */
export const GatewayEnv = z.object({
  DATABASE_URL: DatabaseUrl,
  REDIS_URL: z.string().url('must look like redis://host:port').default('redis://127.0.0.1:6379'),
  LEXIGRAPH_DATA: z.string().min(1).optional(),
  GATEWAY_PORT: port(3000),
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  GATEWAY_POLL_MS: z.coerce.number().int().min(0).max(86_400_000).default(5000),
  GATEWAY_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(5000),
  GATEWAY_CACHE_MB: z.coerce.number().min(1).max(65_536).default(64),
  GATEWAY_SHARED_CACHE: z.enum(['on', 'off']).default('on'),
  GATEWAY_SHARED_CACHE_TTL_S: z.coerce.number().int().min(1).max(30 * 86_400).default(3600),
  GATEWAY_SHARED_CACHE_ENTRY_KB: z.coerce.number().int().min(1).max(65_536).default(256),
  GATEWAY_SHARED_CACHE_PREFIX: z.string().min(1).max(100).default('lexigraph:answer:'),
  GATEWAY_WARM_COUNT: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  ...RateLimitEnv.shape,
  ...LogEnv.shape,
});
export type GatewayEnv = z.infer<typeof GatewayEnv>;

/** A comma-separated list (`a, b,c`), trimmed, empty items dropped. */
const commaList = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/**
 * Authentication of the HTTP services (ingest and gateway), declared once for both:
 * - `LEXIGRAPH_MASTER_KEY` (at least 32 characters): the key that creates and revokes API keys. Required unless
 *   `LEXIGRAPH_AUTH=off`: a service refuses to start open by accident.
 * - `LEXIGRAPH_AUTH` (`on` or `off`, default `on`): `off` serves every route without a key (local demos only; the
 *   service says so loudly at start). Setting both `off` and a master key is refused as ambiguous.
 * - `AUTH_KEY_CACHE_MS` (default 5000, 0..600000): how long a service reuses what it read of a key (scopes,
 *   collections, expiry, revocation). A key revoked on another process stops working within this delay; the process
 *   that revokes it forgets it at once. While the database is unreachable a key read before keeps working.
 * - `LEXIGRAPH_CORS_ORIGINS` (comma-separated origins, default none): browser origins allowed to call the service
 *   (`*` allows any); none = no CORS headers, so browsers on other origins are refused.
 */
export const AuthEnv = z
  .object({
    LEXIGRAPH_AUTH: z.enum(['on', 'off']).default('on'),
    LEXIGRAPH_MASTER_KEY: z.string().min(32, 'must be at least 32 characters (e.g. the output of `openssl rand -base64 32`)').optional(),
    AUTH_KEY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
    LEXIGRAPH_CORS_ORIGINS: commaList,
  })
  .superRefine((e, ctx) => {
    if (e.LEXIGRAPH_AUTH === 'on' && !e.LEXIGRAPH_MASTER_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['LEXIGRAPH_MASTER_KEY'],
        message: 'required: set a master key, or LEXIGRAPH_AUTH=off to serve every route without authentication',
      });
    }
    if (e.LEXIGRAPH_AUTH === 'off' && e.LEXIGRAPH_MASTER_KEY) {
      ctx.addIssue({ code: 'custom', path: ['LEXIGRAPH_AUTH'], message: 'off while LEXIGRAPH_MASTER_KEY is set: unset one of them' });
    }
  });
export type AuthEnv = z.infer<typeof AuthEnv>;
