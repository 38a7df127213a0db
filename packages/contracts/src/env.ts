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
