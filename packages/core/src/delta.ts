import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import { runSteps, runStepsSliced, SnapshotError } from './serialize';
import { isSnapshot, type ChainSegment } from './snapshotlayout';

/**
 * A delta segment: the documents of a collection that changed since the version it follows (its parent), each in
 * its current state: added or replaced entities, and ids removed. A published index version is a chain: one full
 * snapshot (its base) and the deltas after it, in order. Every table of the index is a sum of per-entity
 * contributions, so applying a delta with `remove`/`add` gives exactly the tables, and so the scores, of a rebuild
 * over the same documents; it costs what the change costs, not what the collection costs.
 *
 * Layout: "LXGD" | u32 format version | UTF-8 JSON { upserts, deletes }.
 */
export interface IndexDelta {
  /** Entities added or replaced (an entity replaces the one with the same id). */
  upserts: Entity[];
  /** Ids of entities removed (absent ids are ignored). */
  deletes: string[];
}

export const DELTA_FORMAT_VERSION = 1;
const DELTA_MAGIC = 0x4447584c; // "LXGD" read as little-endian u32

export function encodeDelta(delta: IndexDelta): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ upserts: delta.upserts, deletes: delta.deletes }));
  const out = new Uint8Array(8 + json.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, DELTA_MAGIC, true);
  dv.setUint32(4, DELTA_FORMAT_VERSION, true);
  out.set(json, 8);
  return out;
}

function magicOf(bytes: Uint8Array): number {
  if (bytes.byteLength < 8) throw new SnapshotError('index segment is truncated');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

/** Whether serialized bytes hold a delta segment (else a full snapshot, or something else). */
export function isDelta(bytes: Uint8Array): boolean {
  return magicOf(bytes) === DELTA_MAGIC;
}

export function decodeDelta(bytes: Uint8Array): IndexDelta {
  if (magicOf(bytes) !== DELTA_MAGIC) throw new SnapshotError('not a Lexigraph delta segment (bad magic)');
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (version !== DELTA_FORMAT_VERSION) {
    throw new SnapshotError(`delta segment format ${version} is not supported (expected ${DELTA_FORMAT_VERSION}): rebuild the index`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8)));
  } catch {
    throw new SnapshotError('delta segment is corrupt (its JSON does not parse)');
  }
  const d = parsed as Partial<IndexDelta>;
  if (!d || !Array.isArray(d.upserts) || !Array.isArray(d.deletes)) throw new SnapshotError('delta segment is corrupt (no upserts/deletes)');
  return { upserts: d.upserts, deletes: d.deletes };
}

/** Applies a delta to an index in place: removals first, then additions and replacements. */
export function applyDelta(index: LexIndex, delta: IndexDelta): void {
  runSteps(applyDeltaSteps(index, delta));
}

/** `applyDelta` as a stepwise task: one entity's add is small (its own tokens and pairs), so it pauses between them. */
function* applyDeltaSteps(index: LexIndex, delta: IndexDelta): Generator<void, void, void> {
  for (const id of delta.deletes) index.remove(id);
  yield;
  for (const e of delta.upserts) {
    index.add(e);
    yield;
  }
}

/**
 * Opens an index version from its chain of segments: the full snapshot first (its bytes, or its sections as a file
 * reader gives them), then its deltas in order (each the bytes of one published version).
 */
export function openChain(segments: readonly ChainSegment[]): LexIndex {
  return runSteps(openChainSteps(segments));
}

/**
 * `openChain` in slices of about `sliceMs` between awaits of `pause()` (a server passes `setImmediate`), so requests
 * keep being answered while a large version is decoded. The index is built apart and returned whole: nothing
 * served sees it half made.
 */
export function openChainSliced(segments: readonly ChainSegment[], pause: () => Promise<void>, sliceMs?: number): Promise<LexIndex> {
  return runStepsSliced(openChainSteps(segments, true), pause, sliceMs);
}

/**
 * The steps of opening a chain; with `prepare`, the index also makes what it would otherwise make when first asked
 * for (see LexIndex.prepareSteps), as a server does.
 */
function* openChainSteps(segments: readonly ChainSegment[], prepare = false): Generator<void, LexIndex, void> {
  const [base, ...deltas] = segments;
  if (!base) throw new SnapshotError('an index chain needs its full snapshot');
  // bytes too short to hold a magic are reported as truncated
  if (base instanceof Uint8Array) magicOf(base);
  if (!isSnapshot(base)) throw new SnapshotError('an index chain must start with a full snapshot');
  const index = yield* LexIndex.deserializeSteps(base);
  for (const bytes of deltas) {
    if (!(bytes instanceof Uint8Array)) throw new SnapshotError('an index chain holds one full snapshot, first');
    const d = decodeDelta(bytes);
    yield;
    yield* applyDeltaSteps(index, d);
  }
  if (prepare) yield* index.prepareSteps();
  return index;
}
