import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { createLogger, type Logger } from '@lexigraph/contracts';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './client';
import { AuditRepository } from './audit.repository';
import { CollectionRepository } from './collection.repository';
import { DocumentRepository } from './document.repository';
import { DbError, toDbError } from './errors';
import { IndexRepository } from './index.repository';
import { SourceRepository } from './source.repository';
import { KeyRepository } from './key.repository';
import { quoteIdent, runMigrations, type MigrationResult, type SqlSession } from './migrate';
import type { DirectTransaction } from './sql';

/** Default folder of the embedded database, relative to the working directory. */
export const DEFAULT_DATA_DIR = './.lexigraph';

export interface StoreOptions {
  /**
   * PostgreSQL connection string. When set, the store talks to that server through @prisma/adapter-pg;
   * when absent, it opens the embedded PGlite database in `dataDir`.
   */
  databaseUrl?: string;
  /**
   * Folder of the embedded PGlite database (created if missing). Default `./.lexigraph`.
   * `memory://` keeps it in memory only. Ignored with `databaseUrl`.
   */
  dataDir?: string;
  /**
   * PostgreSQL schema holding the tables (created and migrated if missing; default `public`, or the
   * connection string's `?schema=`). Lets each test suite use a fresh schema. PostgreSQL only.
   */
  schema?: string;
  /** Maximum connections of the PostgreSQL pool. Default 10. */
  poolSize?: number;
  /**
   * Milliseconds to wait for a PostgreSQL connection before giving up with UNAVAILABLE (default 0: as long as the
   * operating system takes). PostgreSQL only.
   */
  connectTimeoutMs?: number;
  /** Bytes per stored chunk of a serialized index (default 1 MiB); see IndexRepository. */
  indexChunkBytes?: number;
  /**
   * Where a lost idle PostgreSQL connection is reported (a server restart, a failover, an administrator ending it):
   * the pool drops that connection and the next query opens another. Default: a `store` logger on standard error.
   */
  logger?: Logger;
}

export interface Store {
  kind: 'postgres' | 'pglite';
  /** The Prisma client, for queries the repositories do not cover. */
  prisma: PrismaClient;
  collections: CollectionRepository;
  documents: DocumentRepository;
  indexes: IndexRepository;
  sources: SourceRepository;
  /** API keys of the HTTP services. */
  keys: KeyRepository;
  /** Who changed what, and when. */
  audit: AuditRepository;
  /** A transaction on the driver's own connection, for bulk writes (see DirectTransaction). */
  direct: DirectTransaction;
  /** What opening the store did to the schema. */
  migrations: MigrationResult;
  /** One round trip to the database (`SELECT 1`); rejects with a DbError when it cannot be reached. */
  ping(): Promise<void>;
  /** Disconnects Prisma and closes the pool or the embedded database. Safe to call twice. */
  close(): Promise<void>;
}

function buildStore(
  kind: Store['kind'],
  prisma: PrismaClient,
  migrations: MigrationResult,
  opts: StoreOptions,
  direct: DirectTransaction,
  release: () => Promise<void>,
): Store {
  let closing: Promise<void> | null = null;
  return {
    kind,
    prisma,
    collections: new CollectionRepository(prisma),
    documents: new DocumentRepository(prisma),
    // PostgreSQL writes a publish's chunks on two connections at once; the embedded database has one
    indexes: new IndexRepository(prisma, { direct, writers: kind === 'postgres' ? 2 : 1, ...(opts.indexChunkBytes === undefined ? {} : { chunkBytes: opts.indexChunkBytes }) }),
    sources: new SourceRepository(prisma),
    keys: new KeyRepository(prisma),
    audit: new AuditRepository(prisma),
    direct,
    migrations,
    async ping() {
      try {
        await prisma.$queryRawUnsafe('SELECT 1');
      } catch (err) {
        throw toDbError(err, 'ping the database');
      }
    },
    close() {
      closing ??= (async () => {
        await prisma.$disconnect();
        await release();
      })();
      return closing;
    },
  };
}

function schemaFromUrl(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('schema') ?? undefined;
  } catch {
    throw new DbError('INVALID_ARGUMENT', 'databaseUrl is not a valid URL (expected postgresql://user@host:port/db).');
  }
}

async function openPostgres(opts: StoreOptions & { databaseUrl: string }): Promise<Store> {
  const schema = opts.schema ?? schemaFromUrl(opts.databaseUrl) ?? 'public';
  const ident = quoteIdent(schema);

  const connectionTimeoutMillis = opts.connectTimeoutMs ?? 0;
  const migrator = new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis });
  let migrations: MigrationResult;
  try {
    await migrator.connect();
    const session: SqlSession = {
      async query<T>(sql: string, params?: unknown[]) {
        return (await migrator.query(sql, params)).rows as T[];
      },
      async exec(sql: string) {
        await migrator.query(sql);
      },
    };
    migrations = await runMigrations(session, { schema });
  } catch (err) {
    throw toDbError(err, `open PostgreSQL store (schema ${schema})`);
  } finally {
    await migrator.end();
  }

  // search_path makes the repositories' raw SQL land in the schema; the adapter's `schema` does it for Prisma.
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    options: `-c search_path=${ident}`,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis,
    allowExitOnIdle: true,
  });
  // an idle connection the server ends emits 'error' on the pool; unheard, it would end the process
  let logger = opts.logger;
  pool.on('error', (err: Error & { code?: string }) => {
    logger ??= createLogger('store', { destination: process.stderr });
    logger.warn({ code: err.code, err: err.message }, 'store: an idle PostgreSQL connection was lost; the next query opens another');
  });
  const adapter = new PrismaPg(pool, { schema });
  const prisma = new PrismaClient({ adapter });
  const direct: DirectTransaction = async (work) => {
    const client = await pool.connect();
    // a connection whose rollback fails is not given back to the pool
    let broken = false;
    try {
      await client.query('BEGIN');
      const out = await work(async (sql, params) => (await client.query(sql, params as unknown[])).rows as Array<Record<string, unknown>>);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  };
  return buildStore('postgres', prisma, migrations, opts, direct, async () => {
    await pool.end();
  });
}

async function openPglite(opts: StoreOptions): Promise<Store> {
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? dataDir : path.resolve(dataDir);
  if (!inMemory) mkdirSync(location, { recursive: true });

  let db: PGlite;
  try {
    db = await PGlite.create(location);
  } catch (err) {
    throw new DbError(
      'UNAVAILABLE',
      `Cannot open the embedded database in ${location} (is another process using it?): ${String(err)}`,
      { cause: err },
    );
  }
  let migrations: MigrationResult;
  try {
    const session: SqlSession = {
      async query<T>(sql: string, params?: unknown[]) {
        return (await db.query(sql, params)).rows as T[];
      },
      async exec(sql: string) {
        await db.exec(sql);
      },
    };
    migrations = await runMigrations(session, { schema: 'public' });
  } catch (err) {
    await db.close();
    throw toDbError(err, `open embedded store in ${location}`);
  }

  // pglite-prisma-adapter 0.6 is typed against a different copy of the adapter interfaces: cast.
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) as never });
  const direct: DirectTransaction = (work) =>
    db.transaction((tx) => work(async (sql, params) => (await tx.query<Record<string, unknown>>(sql, params as unknown[])).rows));
  return buildStore('pglite', prisma, migrations, opts, direct, async () => {
    await db.close();
  });
}

/**
 * Opens the store: PostgreSQL when `databaseUrl` is given, else the embedded PGlite database in `dataDir`.
 * Pending migrations (prisma/migrations) are applied first, once each, under an advisory lock.
 * Throws DbError UNAVAILABLE when the database cannot be reached or opened, MIGRATION_* when migrating fails.
 */
export async function createStore(opts: StoreOptions = {}): Promise<Store> {
  if (opts.databaseUrl) return openPostgres({ ...opts, databaseUrl: opts.databaseUrl });
  if (opts.schema !== undefined && opts.schema !== 'public') {
    throw new DbError('INVALID_ARGUMENT', `The embedded store has a single schema; drop schema "${opts.schema}".`);
  }
  return openPglite(opts);
}
