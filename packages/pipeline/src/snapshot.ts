import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The manifest that points a cold reader at the published index file of a collection. */
export interface SnapshotManifest {
  collection: string;
  version: number;
  /** File name of the serialized index, relative to the manifest's directory. */
  file: string;
  /** ISO 8601 time of publication. */
  publishedAt: string;
  bytes: number;
}

export function indexesDir(dataDir: string): string {
  return path.join(dataDir, 'indexes');
}

export function manifestPath(dataDir: string, collection: string): string {
  return path.join(indexesDir(dataDir), `${collection}.json`);
}

/** Writes `data` to `target` atomically: a temporary file in the same directory, fsynced, then renamed. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${target}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, target);
}

/**
 * Writes the serialized index of `collection` version `version` as `<dataDir>/indexes/<collection>.v<N>.lxg`, then
 * points `<collection>.json` at it (both written atomically, file first, so a reader never sees a manifest whose
 * file is missing or partial). Older index files of the collection are removed afterwards.
 */
export async function writeSnapshot(
  dataDir: string,
  collection: string,
  version: number,
  bytes: Uint8Array,
  publishedAt: Date = new Date(),
): Promise<SnapshotManifest> {
  const dir = indexesDir(dataDir);
  await fs.mkdir(dir, { recursive: true });
  const file = `${collection}.v${version}.lxg`;
  await writeFileAtomic(path.join(dir, file), bytes);
  const manifest: SnapshotManifest = { collection, version, file, publishedAt: publishedAt.toISOString(), bytes: bytes.length };
  await writeFileAtomic(manifestPath(dataDir, collection), `${JSON.stringify(manifest, null, 2)}\n`);
  const stale = (await fs.readdir(dir)).filter((name) => name.startsWith(`${collection}.v`) && name.endsWith('.lxg') && name !== file);
  for (const name of stale) {
    const version = Number(name.slice(collection.length + 2, -4));
    if (Number.isInteger(version)) await fs.rm(path.join(dir, name), { force: true });
  }
  return manifest;
}

/** Reads the manifest of `collection`, or null when there is none. A malformed manifest throws. */
export async function readManifest(dataDir: string, collection: string): Promise<SnapshotManifest | null> {
  let text: string;
  try {
    text = await fs.readFile(manifestPath(dataDir, collection), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const value = JSON.parse(text) as Partial<SnapshotManifest>;
  if (typeof value.file !== 'string' || typeof value.version !== 'number' || value.file.includes('/') || value.file.includes('\\')) {
    throw new Error(`index manifest of collection "${collection}" is malformed: ${manifestPath(dataDir, collection)}`);
  }
  return value as SnapshotManifest;
}

/** Reads the index bytes the manifest points at, or null when the file is missing. */
export async function readSnapshotBytes(dataDir: string, manifest: SnapshotManifest): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await fs.readFile(path.join(indexesDir(dataDir), manifest.file)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
