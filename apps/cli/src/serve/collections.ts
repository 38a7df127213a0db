import { loadIndex, readManifest, snapshotCollections, type ServedCollection } from '@lexigraph/pipeline';
import type { CliContext } from '../context';

/**
 * The collections `lexigraph serve` answers from, as `ask` reads them: each published index from its snapshot file
 * (the database only when the file is missing). A collection is loaded on first use and loaded again when its
 * manifest names a newer version (a `lexigraph ingest` beside the server), so the page always answers from the
 * published version.
 */
export class ServedCollections {
  private readonly served = new Map<string, ServedCollection>();

  constructor(private readonly ctx: CliContext) {}

  /** Names of the published collections: the snapshot manifests (and, on PostgreSQL, the database's collections). */
  async names(): Promise<string[]> {
    const names = new Set(await snapshotCollections(this.ctx.dataDir));
    if (this.ctx.databaseUrl) for (const name of await (await this.ctx.store()).listCollections()) names.add(name);
    return [...names].sort();
  }

  /** The served collection `name` at its published version; throws AppError UNKNOWN_COLLECTION or NO_INDEX. */
  async get(name: string): Promise<ServedCollection> {
    const current = this.served.get(name);
    const manifest = await readManifest(this.ctx.dataDir, name);
    if (current && (!manifest || manifest.version === current.version)) return current;
    const { index, version, defaults } = await loadIndex({ dataDir: this.ctx.dataDir, collection: name, openStore: () => this.ctx.storeFor(name), retainVersions: this.ctx.retainVersions });
    const next: ServedCollection = { collection: name, index, version, defaults };
    this.served.set(name, next);
    return next;
  }
}
