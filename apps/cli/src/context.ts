import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AppError, IndexStorageEnv, parseEnv } from '@lexigraph/contracts';
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

  /** Opens the store on first use. The db package is loaded only here, keeping cold `ask` free of it. */
  store(): Promise<PipelineStore> {
    if (!this.storePromise) {
      this.storePromise = (async () => {
        const [{ createStore }, { fromDbStore }] = await Promise.all([import('@lexigraph/db'), import('@lexigraph/pipeline')]);
        const store = await createStore(
          this.databaseUrl ? { databaseUrl: this.databaseUrl } : { dataDir: path.join(this.dataDir, 'db') },
        );
        return fromDbStore(store);
      })();
    }
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
    if (!this.storePromise) return;
    const pending = this.storePromise;
    this.storePromise = undefined;
    const store = await pending;
    await store.close();
  }
}
