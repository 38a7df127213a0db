import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbError, toDbError } from './errors';

/** The folder holding `<name>/migration.sql`, shipped with the package (works from src/ and dist/). */
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'prisma', 'migrations');

/** Name of the bookkeeping table, created in the target schema. */
export const MIGRATIONS_TABLE = '_lexigraph_migrations';

export interface Migration {
  /** Folder name; migrations apply in ascending name order. */
  name: string;
  sql: string;
  /** sha256 of the SQL text, hex. */
  checksum: string;
}

/**
 * The two calls the runner needs. `exec` runs a script of several statements without parameters;
 * `query` runs one statement with `$1..$n` parameters. Both must run on the same connection.
 */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

export interface MigrationResult {
  /** Migrations applied by this run, in order. */
  applied: string[];
  /** Migrations found already applied. */
  skipped: string[];
}

/** Reads every `<dir>/<name>/migration.sql`, sorted by name. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) {
    throw new DbError('MIGRATION_FAILED', `No migrations folder at ${dir}: the package was installed without prisma/`);
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** A 64-bit advisory lock key (as a decimal string) derived from the schema, so schemas migrate independently. */
export function migrationLockKey(schema: string): string {
  const digest = createHash('sha256').update(`lexigraph:migrate:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/** Double-quotes an identifier; only plain names are accepted (letters, digits, underscore). */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new DbError('INVALID_ARGUMENT', `Invalid schema name "${name}": use letters, digits and underscores only.`);
  }
  return `"${name}"`;
}

/**
 * Applies every pending migration, each once, in name order, each inside its own transaction, while holding a
 * session advisory lock so that two processes starting together do not race. An applied migration whose file
 * changed since is refused (MIGRATION_MODIFIED) rather than silently diverging.
 *
 * `schema` (default "public") is created if missing and becomes the session's search_path, so the unqualified
 * names in migration.sql land in it.
 */
export async function runMigrations(
  session: SqlSession,
  options: { schema?: string; migrations?: Migration[] } = {},
): Promise<MigrationResult> {
  const schema = options.schema ?? 'public';
  const ident = quoteIdent(schema);
  const migrations = options.migrations ?? loadMigrations();
  const key = migrationLockKey(schema);
  const result: MigrationResult = { applied: [], skipped: [] };

  await session.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  try {
    await session.exec(`CREATE SCHEMA IF NOT EXISTS ${ident}; SET search_path TO ${ident};`);
    await session.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
         name TEXT PRIMARY KEY,
         checksum TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const rows = await session.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${MIGRATIONS_TABLE}`,
    );
    const done = new Map(rows.map((r) => [r.name, r.checksum]));

    for (const m of migrations) {
      const previous = done.get(m.name);
      if (previous !== undefined) {
        if (previous !== m.checksum) {
          throw new DbError(
            'MIGRATION_MODIFIED',
            `Migration ${m.name} was applied to schema ${schema} but its migration.sql has changed since; ` +
              'restore the file and add a new migration instead.',
          );
        }
        result.skipped.push(m.name);
        continue;
      }
      await session.exec('BEGIN');
      try {
        await session.exec(m.sql);
        await session.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
        await session.exec('COMMIT');
      } catch (err) {
        await session.exec('ROLLBACK');
        const cause = toDbError(err, `migration ${m.name}`);
        throw new DbError('MIGRATION_FAILED', `Migration ${m.name} failed on schema ${schema}: ${cause.message}`, {
          cause: err,
        });
      }
      result.applied.push(m.name);
    }
  } finally {
    await session.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
  }
  return result;
}
