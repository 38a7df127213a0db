import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AppError, IndexStorageEnv, parseEnv } from '@lexigraph/contracts';
import type { Store } from '@lexigraph/db';
import type { PipelineStore } from '@lexigraph/pipeline';
import type { CliIO } from './io';

export interface GlobalOptions {
  data?: string;
  databaseUrl?: string;
}

/**
 * What every command shares: the data directory (`--data`, else LEXIGRAPH_DATA, else `./.lexigraph`), the database
 * choice (`--database-url`, else DATABASE_URL, else embedded PGlite under the data directory), the index versions
 * kept per collection after a publish (INDEX_RETAIN_VERSIONS, default 3) and a store opened lazily, once, because
 * booting the embedded database takes seconds and `ask` must not pay for it. A bad environment value throws.
 */
export class CliContext {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly retainVersions: number;
  /** Whether full builds also store the SQL-readable tables (INDEX_SQL_TABLES, default off). */
  readonly sqlTables: boolean;
  private databasePromise: Promise<Store> | undefined;
  private storePromise: Promise<PipelineStore> | undefined;

  constructor(
    readonly io: CliIO,
    options: GlobalOptions,
  ) {
    this.dataDir = path.resolve(io.cwd, options.data ?? io.env.LEXIGRAPH_DATA ?? '.lexigraph');
    const url = options.databaseUrl ?? io.env.DATABASE_URL;
    this.databaseUrl = url && url.trim() !== '' ? url : undefined;
    try {
      const storage = parseEnv(IndexStorageEnv, io.env, 'lexigraph');
      this.retainVersions = storage.INDEX_RETAIN_VERSIONS;
      this.sqlTables = storage.INDEX_SQL_TABLES;
    } catch (err) {
      throw new AppError('VALIDATION', (err as Error).message);
    }
  }

  /**
   * Opens the database on first use (for what the pipeline's store does not cover: keys, the audit trail). The db
   * package is loaded only here, keeping cold `ask` free of it.
   */
  database(): Promise<Store> {
    this.databasePromise ??= (async () => {
      const { createStore } = await import('@lexigraph/db');
      return createStore(this.databaseUrl ? { databaseUrl: this.databaseUrl } : { dataDir: path.join(this.dataDir, 'db') });
    })();
    return this.databasePromise;
  }

  /** The pipeline's store over the database, opened on first use. */
  store(): Promise<PipelineStore> {
    this.storePromise ??= (async () => {
      const [db, { fromDbStore }] = await Promise.all([this.database(), import('@lexigraph/pipeline')]);
      return fromDbStore(db);
    })();
    return this.storePromise;
  }

  /**
   * Opens the store for a reader of `collection`: with the embedded database, a data directory that holds no
   * database yet has no collections, so this fails at once instead of creating an empty database.
   */
  async storeFor(collection: string): Promise<PipelineStore> {
    if (!this.databaseUrl && !existsSync(path.join(this.dataDir, 'db'))) {
      throw new AppError(
        'UNKNOWN_COLLECTION',
        `unknown collection "${collection}": no data in ${this.dataDir} yet; create it with "lexigraph ingest <source> --collection ${collection}"`,
        { collection },
      );
    }
    return this.store();
  }

  /** Closes the store if it was opened. */
  async close(): Promise<void> {
    const pending = this.storePromise;
    const database = this.databasePromise;
    this.storePromise = undefined;
    this.databasePromise = undefined;
    if (pending) await (await pending).close();
    else if (database) await (await database).close();
  }
}
