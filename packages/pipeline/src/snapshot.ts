import { closeSync, fstatSync, open, promises as fs, read as fsRead, readSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CollectionName, DEFAULT_RETAIN_VERSIONS } from '@lexigraph/contracts';
import { isSnapshot, readSnapshotLayout, type ChainSegment, type SectionReader } from '@lexigraph/core';
import type { PublishedIndex } from './ports';

/** The manifest that points a cold reader at the published index file of a collection. */
export interface SnapshotManifest {
  collection: string;
  version: number;
  /** File name of the version's own segment (a full snapshot or a delta), relative to the manifest's directory. */
  file: string;
  /** The files that open the version, in order: its chain's full snapshot, then each delta up to `file`. */
  chain: string[];
  /** ISO 8601 time of publication. */
  publishedAt: string;
  bytes: number;
  /**
   * The collection's stored query defaults when the version was written (`key` → value as stored), so a cold
   * reader of the files answers with the same defaults as the services (absent: none were known).
   */
  defaults?: Record<string, string>;
}

export function indexesDir(dataDir: string): string {
  return path.join(dataDir, 'indexes');
}

/** Names of the collections with a snapshot manifest in `dataDir`, sorted (none when it holds no indexes yet). */
export async function snapshotCollections(dataDir: string): Promise<string[]> {
  let files: string[];
  try {
    files = await fs.readdir(indexesDir(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((name) => CollectionName.safeParse(name).success)
    .sort();
}

export function manifestPath(dataDir: string, collection: string): string {
  return path.join(indexesDir(dataDir), `${collection}.json`);
}

/** Writes `data` to `target` atomically: a temporary file in the same directory, fsynced, then renamed. */
export async function writeFileAtomic(target: string, data: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
  const tmp = `${target}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for (const part of data) await handle.writeFile(part);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, target);
}

/** A delta's chain, for writeSnapshot: its parent, and (when the parent's files are not at hand) every segment. */
export interface DeltaChain {
  parentVersion: number;
  /** The published chain's segments with their versions, full snapshot first, ending with the delta itself. */
  segments: () => Promise<Array<{ version: number; bytes: Uint8Array }>>;
}

function fileOf(collection: string, version: number): string {
  return `${collection}.v${version}.lxg`;
}

/** A segment file written by writeSegmentFile, for writeSnapshot: its size in bytes. */
export interface WrittenSegment {
  readonly writtenBytes: number;
}

function isWritten(bytes: Uint8Array | readonly Uint8Array[] | WrittenSegment): bytes is WrittenSegment {
  return 'writtenBytes' in bytes;
}

/**
 * Writes the segment of `collection` version `version` as `<dataDir>/indexes/<collection>.v<N>.lxg` (atomically),
 * and nothing else: a publish writes it while the database stores the same bytes, then writeSnapshot points the
 * manifest at it. Until then no reader opens it; `removeSegmentFile` takes it back when the publish fails.
 */
export async function writeSegmentFile(dataDir: string, collection: string, version: number, bytes: Uint8Array | readonly Uint8Array[]): Promise<WrittenSegment> {
  const dir = indexesDir(dataDir);
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, fileOf(collection, version)), bytes);
  return { writtenBytes: bytes instanceof Uint8Array ? bytes.length : bytes.reduce((n, part) => n + part.length, 0) };
}

/** Removes the segment file of `collection` version `version`, if there is one (a publish that failed). */
export async function removeSegmentFile(dataDir: string, collection: string, version: number): Promise<void> {
  await fs.rm(path.join(indexesDir(dataDir), fileOf(collection, version)), { force: true });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Writes the segment of `collection` version `version` (a full snapshot, or a delta with `delta`) as
 * `<dataDir>/indexes/<collection>.v<N>.lxg` (unless writeSegmentFile wrote it: `bytes` says so), then points `<collection>.json` at the files that open it (both written
 * atomically, files first, so a reader never sees a manifest whose files are missing or partial). A delta extends
 * the chain of the manifest when that names its parent and its files are there; else the whole chain is written
 * from `delta.segments()`. Afterwards the collection's other index files are cut to `retain` (default 3, at least
 * 1): the chain just written stays, and the newest others by version number; older ones are removed.
 */
export async function writeSnapshot(
  dataDir: string,
  collection: string,
  version: number,
  bytes: Uint8Array | readonly Uint8Array[] | WrittenSegment,
  publishedAt: Date = new Date(),
  retain: number = DEFAULT_RETAIN_VERSIONS,
  delta?: DeltaChain,
  defaults?: Record<string, string>,
): Promise<SnapshotManifest> {
  if (!Number.isInteger(retain) || retain < 1) throw new Error(`retain must be a positive integer, got ${retain}`);
  const dir = indexesDir(dataDir);
  const file = fileOf(collection, version);
  const size = (isWritten(bytes) ? bytes : await writeSegmentFile(dataDir, collection, version, bytes)).writtenBytes;
  let chain = [file];
  if (delta) {
    const prev = await readManifest(dataDir, collection);
    const have = prev && prev.version === delta.parentVersion && (await Promise.all(prev.chain.map((f) => exists(path.join(dir, f))))).every(Boolean);
    if (prev && have) chain = [...prev.chain, file];
    else {
      chain = [];
      for (const seg of await delta.segments()) {
        const name = fileOf(collection, seg.version);
        if (seg.version !== version) await writeFileAtomic(path.join(dir, name), seg.bytes);
        chain.push(name);
      }
      if (chain[chain.length - 1] !== file) throw new Error(`the published chain of "${collection}" does not end with version ${version}`);
    }
  }
  const manifest: SnapshotManifest = { collection, version, file, chain, publishedAt: publishedAt.toISOString(), bytes: size };
  if (defaults) manifest.defaults = { ...defaults };
  await writeFileAtomic(manifestPath(dataDir, collection), `${JSON.stringify(manifest, null, 2)}\n`);
  const prefix = `${collection}.v`;
  const keep = new Set(chain);
  const others = (await fs.readdir(dir))
    .filter((name) => name.startsWith(prefix) && name.endsWith('.lxg') && !keep.has(name))
    .map((name) => ({ name, version: name.slice(prefix.length, -4) }))
    // only this collection's files: `<collection>.v<digits>.lxg` (a collection named `docs.v2` is another one)
    .filter((f) => /^\d+$/.test(f.version))
    .sort((a, b) => Number(b.version) - Number(a.version));
  for (const stale of others.slice(Math.max(0, retain - 1))) await fs.rm(path.join(dir, stale.name), { force: true });
  return manifest;
}

/** Writes the files of a published version's chain and its manifest (see writeSnapshot). */
export async function writeSnapshotChain(
  dataDir: string,
  collection: string,
  published: PublishedIndex,
  retain?: number,
  defaults?: Record<string, string>,
): Promise<SnapshotManifest> {
  const own = published.segments[published.segments.length - 1];
  if (!own || own.version !== published.version) throw new Error(`the chain of "${collection}" v${published.version} does not end with it`);
  const chain =
    published.segments.length > 1
      ? { parentVersion: (published.segments[published.segments.length - 2] as { version: number }).version, segments: async () => published.segments }
      : undefined;
  return writeSnapshot(dataDir, collection, published.version, own.bytes, published.publishedAt, retain, chain, defaults);
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
  const plain = (f: unknown): f is string => typeof f === 'string' && f !== '' && !f.includes('/') && !f.includes('\\');
  // a manifest written before chains names its one file
  const chain = value.chain ?? (plain(value.file) ? [value.file] : undefined);
  if (!plain(value.file) || typeof value.version !== 'number' || !Array.isArray(chain) || !chain.every(plain) || chain[chain.length - 1] !== value.file) {
    throw new Error(`index manifest of collection "${collection}" is malformed: ${manifestPath(dataDir, collection)}`);
  }
  const defaults = value.defaults;
  if (defaults !== undefined && !(typeof defaults === 'object' && defaults !== null && Object.values(defaults).every((v) => typeof v === 'string'))) {
    throw new Error(`index manifest of collection "${collection}" is malformed (defaults): ${manifestPath(dataDir, collection)}`);
  }
  return { ...value, chain } as SnapshotManifest;
}

/**
 * Reads the segments the manifest names (full snapshot first), or null when a file is missing. A full snapshot is
 * read section by section, each into a buffer the decoded index keeps (see readSnapshotLayout); a delta is read whole.
 * `oneShot`: the reader answers a prompt and exits, so it leaves more of the file in place (see deferrable).
 */
export async function readSnapshotChain(dataDir: string, manifest: SnapshotManifest, oneShot = false): Promise<ChainSegment[] | null> {
  const out: ChainSegment[] = [];
  for (const file of manifest.chain) {
    try {
      out.push(await readSegmentFile(path.join(indexesDir(dataDir), file), oneShot));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
  return out;
}

/** Largest read asked of the file system at once (a single read is capped below 2 GiB). */
const READ_MAX = 1 << 30;
// a numeric descriptor (not a FileHandle): the sections left in the file read it synchronously, and it outlives this
// module's reads (see closeWhenCollected)
const openFile = promisify(open);
const readAt = promisify(fsRead);

/**
 * The descriptors of the files whose sections an index reads in place, closed when the section's reader is collected
 * (no index holds it any more). A file removed by the retention meanwhile stays readable through its descriptor.
 */
const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing is left to release
  }
});

/** A file's descriptor, shared by the sections read in place from it; closed once none of them is left. */
interface OpenFile {
  readonly fd: number;
}

/**
 * A section of a snapshot file read in place (see SectionReader), `byteLength` bytes from byte `at` of the file: each
 * read is a positioned read of the descriptor, a few microseconds for an entity's line in the page cache.
 */
class FileSection implements SectionReader {
  constructor(
    private readonly file: OpenFile,
    private readonly at: number,
    readonly byteLength: number,
  ) {}

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.byteLength) throw new RangeError(`read of [${offset}, ${offset + length}) outside a section of ${this.byteLength} bytes`);
    const b = new Uint8Array(length);
    return b.subarray(0, this.fill(b, offset, length));
  }

  readInto(target: Uint8Array, offset: number): number {
    if (offset < 0 || offset > this.byteLength) throw new RangeError(`read at ${offset} outside a section of ${this.byteLength} bytes`);
    return this.fill(target, offset, Math.min(target.length, this.byteLength - offset));
  }

  /** Reads `length` bytes from `offset` of the section into the start of `b`; returns the bytes read. */
  private fill(b: Uint8Array, offset: number, length: number): number {
    let got = 0;
    while (got < length) {
      const n = readSync(this.file.fd, b, got, Math.min(length - got, READ_MAX), this.at + offset + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }
}

async function readSegmentFile(file: string, oneShot: boolean): Promise<ChainSegment> {
  const fd = await openFile(file, 'r');
  // the entities and postings of a snapshot (four fifths of it) stay in the file, read an entity or a list at a
  // time (see deferrable): their readers keep the descriptor, closed when they are collected
  let left: OpenFile | null = null;
  try {
    const size = fstatSync(fd).size;
    // exactly [offset, offset + length) of the file, in a buffer of its own (shorter when the file is); not zeroed
    // first, as the read fills it (and only what was read is handed on): zeroing the sections read at a million
    // entities (0.6 GB) cost about a tenth of a load
    const read = async (offset: number, length: number): Promise<Uint8Array> => {
      const b = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead: n } = await readAt(fd, b, got, Math.min(length - got, READ_MAX), offset + got);
        if (n === 0) return b.subarray(0, got);
        got += n;
      }
      return b;
    };
    const leave = (at: number, length: number): SectionReader => {
      left ??= { fd };
      return new FileSection(left, at, length);
    };
    const head = await read(0, Math.min(4, size));
    const segment = isSnapshot(head) ? await readSnapshotLayout(read, size, leave, oneShot) : await read(0, size);
    if (left) closeWhenCollected.register(left, fd);
    return segment;
  } catch (err) {
    left = null;
    throw err;
  } finally {
    if (!left) closeSync(fd);
  }
}

/**
 * Removes every snapshot file of `collection` from `<dataDir>/indexes` (its manifest first, so no reader opens a
 * chain whose files are going); returns how many files went. Other collections' files stay, including one named
 * like `<collection>.v2` (only `<collection>.v<digits>.lxg` and `<collection>.json` are this one's).
 */
export async function removeSnapshots(dataDir: string, collection: string): Promise<number> {
  const dir = indexesDir(dataDir);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const prefix = `${collection}.v`;
  const files = names.filter((n) => n.startsWith(prefix) && n.endsWith('.lxg') && /^\d+$/.test(n.slice(prefix.length, -4)));
  let removed = 0;
  if (names.includes(`${collection}.json`)) {
    await fs.rm(manifestPath(dataDir, collection), { force: true });
    removed++;
  }
  for (const f of files) {
    await fs.rm(path.join(dir, f), { force: true });
    removed++;
  }
  return removed;
}
