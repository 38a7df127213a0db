import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RETAIN_VERSIONS } from '@lexigraph/contracts';

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
 * file is missing or partial). Afterwards the collection's index files are cut to `retain` (default 3, at least 1):
 * the one just written and the newest others by version number; older ones are removed.
 */
export async function writeSnapshot(
  dataDir: string,
  collection: string,
  version: number,
  bytes: Uint8Array,
  publishedAt: Date = new Date(),
  retain: number = DEFAULT_RETAIN_VERSIONS,
): Promise<SnapshotManifest> {
  if (!Number.isInteger(retain) || retain < 1) throw new Error(`retain must be a positive integer, got ${retain}`);
  const dir = indexesDir(dataDir);
  await fs.mkdir(dir, { recursive: true });
  const file = `${collection}.v${version}.lxg`;
  await writeFileAtomic(path.join(dir, file), bytes);
  const manifest: SnapshotManifest = { collection, version, file, publishedAt: publishedAt.toISOString(), bytes: bytes.length };
  await writeFileAtomic(manifestPath(dataDir, collection), `${JSON.stringify(manifest, null, 2)}\n`);
  const prefix = `${collection}.v`;
  const others = (await fs.readdir(dir))
    .filter((name) => name.startsWith(prefix) && name.endsWith('.lxg') && name !== file)
    .map((name) => ({ name, version: name.slice(prefix.length, -4) }))
    // only this collection's files: `<collection>.v<digits>.lxg` (a collection named `docs.v2` is another one)
    .filter((f) => /^\d+$/.test(f.version))
    .sort((a, b) => Number(b.version) - Number(a.version));
  for (const stale of others.slice(retain - 1)) await fs.rm(path.join(dir, stale.name), { force: true });
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
