import type { Entity } from './entity';
import { SnapshotError } from './errors';
import type { BuildOptions } from './params';

/**
 * The frame of a full snapshot (see serialize.ts): "LXGI" | u32 format version | u32 header length | header (UTF-8
 * JSON) | sections, in the order and with the lengths the header lists. This module finds the sections, either in
 * the bytes of a whole snapshot or by reading them one by one from a file, each into a buffer of its own.
 */
export const SNAPSHOT_MAGIC = 0x4947584c; // "LXGI" read as little-endian u32
/** The format written; formats from OLDEST_READ_FORMAT on are read. */
export const SNAPSHOT_FORMAT_VERSION = 8;
/**
 * Format 4 kept entities, inbound links and terms in the header, format 5 each pair once, format 6 no byte lengths of
 * postings and streams, format 7 no byte length of each entity's line; all are still read.
 */
export const OLDEST_READ_FORMAT = 4;
const EMPTY_SECTION = new Uint8Array(0);
/** Bytes before the header: magic, format version, header length. */
export const SNAPSHOT_PREFIX = 12;

export interface SnapshotHeader {
  options: BuildOptions;
  /** format 4 only (format 5 on: the `entities`, `inbound` and `words` sections) */
  slots?: Array<Entity | null>;
  inbound?: Array<[string, Array<[string, string]>]>;
  terms?: string;
  surfaces: Array<[string, number]>;
  counters: { pairCount: number; pairOccurrences: number; tokenOccurrences: number };
  sections: Array<[string, number]>;
}

/**
 * Bytes of a section left where they are (in a file) and read when asked: `read` returns exactly
 * [offset, offset + length) of the section, in a buffer of its own, at once (the entities are read while an answer is
 * made, which is synchronous).
 */
export interface SectionReader {
  readonly byteLength: number;
  read(offset: number, length: number): Uint8Array;
  /**
   * Reads [offset, offset + target.length) of the section, or up to its end, into `target`; returns the bytes read.
   * For a caller that reads often into one buffer of its own (see TokenStreams), where a new buffer per read cost
   * more than the read.
   */
  readInto?(target: Uint8Array, offset: number): number;
}

/**
 * The sections a reader may leave in place (see readSnapshotLayout), from format 8 on: the entities, two thirds of a
 * snapshot, whose lines an answer reads a few at a time (the results and their links), found by the byte lengths of
 * the `entityRows` section; and the postings, of which a query reads the lists of its words (found by the byte
 * lengths of `postRows`), each decoded once while the decoded lists' cache holds it. Earlier formats find each line
 * by its newline, so they read the sections.
 * A one-shot reader (a process that answers a prompt and exits) leaves the token streams in place too, an eighth of a
 * snapshot, each found by its byte length in `lengths`: an answer reads those of its phrase candidates, one read
 * each, where reading the section took a fifth of a cold ask at 1,000,000 entities. A server reads them, as its
 * answers read many.
 */
export function deferrable(version: number, section: string, oneShot = false): boolean {
  return version >= 8 && (section === 'entities' || section === 'postings' || (oneShot && section === 'streams'));
}

/**
 * A full snapshot found in its frame: its header and each section's bytes. The sections are views of one array when
 * the snapshot came whole (`owned` false: decoding copies what it keeps, so that array can go), or buffers of their
 * own when they were read one by one (`owned` true: decoding keeps them as they are). Reading a large snapshot so
 * never holds the whole file beside the copies of its sections: at 1,000,000 entities the file is 1.9 GB.
 */
export interface SnapshotLayout {
  readonly version: number;
  readonly header: SnapshotHeader;
  readonly sections: ReadonlyMap<string, Uint8Array>;
  readonly owned: boolean;
  /** the sections left in place (see deferrable), read when asked; absent from `sections` */
  readonly deferred?: ReadonlyMap<string, SectionReader>;
  /** the snapshot's size in bytes */
  readonly byteLength: number;
}

/** A segment of an index chain: a delta or a whole snapshot as bytes, or a snapshot read by sections (both have a `byteLength`). */
export type ChainSegment = Uint8Array | SnapshotLayout;

/** The format version and header length of a snapshot's first SNAPSHOT_PREFIX bytes. */
function readPrefix(b: Uint8Array): { version: number; headerLength: number } {
  if (b.byteLength < SNAPSHOT_PREFIX) throw new SnapshotError('index snapshot is truncated');
  const dv = new DataView(b.buffer, b.byteOffset, SNAPSHOT_PREFIX);
  if (dv.getUint32(0, true) !== SNAPSHOT_MAGIC) throw new SnapshotError('not a Lexigraph index snapshot (bad magic)');
  const version = dv.getUint32(4, true);
  if (version < OLDEST_READ_FORMAT || version > SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(`index snapshot format ${version} is not supported (expected ${SNAPSHOT_FORMAT_VERSION}): rebuild the index`);
  }
  return { version, headerLength: dv.getUint32(8, true) };
}

function parseHeader(json: Uint8Array): SnapshotHeader {
  let h: Partial<SnapshotHeader>;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json)) as Partial<SnapshotHeader>;
  } catch {
    throw new SnapshotError('index snapshot is corrupt (its header does not parse)');
  }
  const sectionsOk =
    typeof h === 'object' &&
    h !== null &&
    Array.isArray(h.sections) &&
    h.sections.every((s) => Array.isArray(s) && typeof s[0] === 'string' && Number.isSafeInteger(s[1]) && (s[1] as number) >= 0);
  if (!sectionsOk || !Array.isArray(h.surfaces)) throw new SnapshotError('index snapshot is corrupt (its header lacks its sections)');
  return h as SnapshotHeader;
}

/** The layout of a whole snapshot held in one array: its sections are views of it. */
export function layoutOf(bytes: Uint8Array): SnapshotLayout {
  const { version, headerLength } = readPrefix(bytes);
  if (SNAPSHOT_PREFIX + headerLength > bytes.byteLength) throw new SnapshotError('index snapshot is truncated');
  const header = parseHeader(bytes.subarray(SNAPSHOT_PREFIX, SNAPSHOT_PREFIX + headerLength));
  let off = SNAPSHOT_PREFIX + headerLength;
  const sections = new Map<string, Uint8Array>();
  for (const [name, len] of header.sections) {
    if (off + len > bytes.byteLength) throw new SnapshotError('index snapshot is truncated');
    sections.set(name, bytes.subarray(off, off + len));
    off += len;
  }
  return { version, header, sections, owned: false, byteLength: bytes.byteLength };
}

/**
 * Reads a snapshot of `size` bytes section by section: `read(offset, length)` resolves to exactly those bytes, in a
 * buffer the layout then owns (a file reader allocates one per call). With `leave`, a deferrable section (see
 * deferrable) is not read: `leave(offset, length)` gives the reader of those bytes of the snapshot, kept by the layout.
 * `oneShot`: the reader answers a prompt or two and exits (see deferrable).
 */
export async function readSnapshotLayout(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  size: number,
  leave?: (offset: number, length: number) => SectionReader,
  oneShot = false,
): Promise<SnapshotLayout> {
  if (size < SNAPSHOT_PREFIX) throw new SnapshotError('index snapshot is truncated');
  const { version, headerLength } = readPrefix(await read(0, SNAPSHOT_PREFIX));
  if (SNAPSHOT_PREFIX + headerLength > size) throw new SnapshotError('index snapshot is truncated');
  const header = parseHeader(await read(SNAPSHOT_PREFIX, headerLength));
  let off = SNAPSHOT_PREFIX + headerLength;
  for (const [, len] of header.sections) off += len;
  if (off > size) throw new SnapshotError('index snapshot is truncated');
  off = SNAPSHOT_PREFIX + headerLength;
  const sections = new Map<string, Uint8Array>();
  const deferred = new Map<string, SectionReader>();
  // every read asked at once: a file reader's reads run beside each other (and mostly wait on fresh pages)
  const reads: Array<Promise<void>> = [];
  for (const [name, len] of header.sections) {
    if (leave && deferrable(version, name, oneShot)) deferred.set(name, leave(off, len));
    else {
      // the map's order is the header's, whichever read ends first
      sections.set(name, EMPTY_SECTION);
      reads.push(
        read(off, len).then((b) => {
          if (b.byteLength !== len) throw new SnapshotError('index snapshot is truncated');
          sections.set(name, b);
        }),
      );
    }
    off += len;
  }
  await Promise.all(reads);
  return { version, header, sections, owned: true, byteLength: size, ...(deferred.size ? { deferred } : {}) };
}

/** Whether a segment is a full snapshot (else a delta, or something else). */
export function isSnapshot(s: ChainSegment): boolean {
  if (!(s instanceof Uint8Array)) return true;
  return s.byteLength >= 4 && new DataView(s.buffer, s.byteOffset, 4).getUint32(0, true) === SNAPSHOT_MAGIC;
}
