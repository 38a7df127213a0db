import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import type { BuildOptions } from './params';

/**
 * Binary snapshot of an index: the raw tables, so loading never re-analyzes text.
 *
 * Layout (little-endian): "LXGI" | u32 format version | u32 header length | header (UTF-8 JSON) | padding to 4 |
 * Int32 sections in the order the header lists them: per term its count, df, trie parent and last word; the postings
 * of single words (offsets per term); per entity its token stream (offsets per slot) and field lengths; the pair
 * adjacency. Postings and token streams are loaded as views on the buffer (no copy); a posting list is copied only
 * when an incremental update touches it.
 */
export const SNAPSHOT_FORMAT_VERSION = 2;
const MAGIC = 0x4947584c; // "LXGI" read as little-endian u32

interface Header {
  options: BuildOptions;
  slots: Array<Entity | null>;
  inbound: Array<[string, Array<[string, string]>]>;
  terms: string;
  surfaces: Array<[string, number]>;
  counters: { pairCount: number; pairOccurrences: number; tokenOccurrences: number };
  sections: Array<[string, number]>;
}

function flatten(lists: ReadonlyArray<ArrayLike<number> | undefined>): { offsets: Int32Array; data: Int32Array } {
  // index loops, not forEach: lists loaded from a snapshot have holes, which forEach would skip
  const offsets = new Int32Array(lists.length + 1);
  let n = 0;
  for (let i = 0; i < lists.length; i++) {
    offsets[i] = n;
    n += lists[i]?.length ?? 0;
  }
  offsets[lists.length] = n;
  const data = new Int32Array(n);
  for (let i = 0; i < lists.length; i++) {
    const l = lists[i];
    if (l) data.set(l, offsets[i] as number);
  }
  return { offsets, data };
}

export function serializeIndex(idx: LexIndex): Uint8Array {
  const s = idx.snapshotState();
  // a single word held by one entity keeps its posting in the sole* columns: written as a list of one
  const lists: Array<ArrayLike<number> | undefined> = s.postings.slice();
  lists.length = s.df.length;
  for (let t = 0; t < s.df.length; t++) {
    if (s.df[t] === 1 && s.parent[t] === -1) lists[t] = [s.soleSlot[t] as number, s.soleA[t] as number, s.soleB[t] as number];
  }
  const post = flatten(lists);
  const streams = flatten(s.streams);
  const sections: Array<[string, Int32Array]> = [
    ['cnt', s.cnt],
    ['df', s.df],
    ['parent', s.parent],
    ['lastWord', s.lastWord],
    ['postOff', post.offsets],
    ['postData', post.data],
    ['streamOff', streams.offsets],
    ['streamData', streams.data],
    ['lengths', Int32Array.from(s.lengths)],
    ['pairOff', s.pairOff],
    ['pairData', s.pairData],
  ];
  const header: Header = {
    options: s.options,
    slots: s.slots.map((e) => e ?? null),
    inbound: [...s.inbound.entries()].map(([k, list]) => [k, list.map((x) => [x.from, x.text] as [string, string])]),
    terms: s.terms.join('\n'),
    surfaces: [...s.surfaceCount.entries()],
    counters: s.counters,
    sections: sections.map(([name, a]) => [name, a.length]),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headLen = 12 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  let total = headLen + pad;
  for (const [, a] of sections) total += a.byteLength;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, SNAPSHOT_FORMAT_VERSION, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  let off = headLen + pad;
  for (const [, a] of sections) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  return out;
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export function deserializeIndex(bytes: Uint8Array): LexIndex {
  if (bytes.byteLength < 12) throw new SnapshotError('index snapshot is truncated');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new SnapshotError('not a Lexigraph index snapshot (bad magic)');
  const version = dv.getUint32(4, true);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(`index snapshot format ${version} is not supported (expected ${SNAPSHOT_FORMAT_VERSION}): rebuild the index`);
  }
  const jsonLen = dv.getUint32(8, true);
  if (12 + jsonLen > bytes.byteLength) throw new SnapshotError('index snapshot is truncated');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLen))) as Header;
  const headLen = 12 + jsonLen;
  let off = headLen + ((4 - (headLen % 4)) % 4);
  // Int32 views need a 4-byte aligned absolute offset; copy once when the buffer is not aligned.
  const aligned = (bytes.byteOffset + off) % 4 === 0 ? bytes : bytes.slice();
  const base = aligned === bytes ? bytes.byteOffset : 0;
  const sec: Record<string, Int32Array> = {};
  for (const [name, len] of header.sections) {
    if (off + len * 4 > bytes.byteLength) throw new SnapshotError('index snapshot is truncated');
    sec[name] = new Int32Array(aligned.buffer, base + off, len);
    off += len * 4;
  }
  const need = (n: string): Int32Array => {
    const a = sec[n];
    if (!a) throw new SnapshotError(`index snapshot lacks section ${n}`);
    return a;
  };
  const terms = header.terms === '' ? [] : header.terms.split('\n');
  const postOff = need('postOff');
  const postData = need('postData');
  const postings: Array<Int32Array | undefined> = new Array(terms.length);
  const soleSlot = new Int32Array(terms.length);
  const soleA = new Int32Array(terms.length);
  const soleB = new Int32Array(terms.length);
  for (let t = 0; t < terms.length; t++) {
    const a = postOff[t] as number;
    const b = postOff[t + 1] as number;
    if (b - a === 3) {
      soleSlot[t] = postData[a] as number;
      soleA[t] = postData[a + 1] as number;
      soleB[t] = postData[a + 2] as number;
    } else if (b > a) postings[t] = postData.subarray(a, b);
  }
  const streamOff = need('streamOff');
  const streamData = need('streamData');
  const streams: Array<Int32Array | undefined> = new Array(header.slots.length);
  for (let s = 0; s < header.slots.length; s++) {
    streams[s] = header.slots[s] ? streamData.subarray(streamOff[s] as number, streamOff[s + 1] as number) : undefined;
  }
  const idx = new LexIndex(header.options);
  idx.restoreState({
    options: header.options,
    slots: header.slots.map((e) => e ?? undefined),
    inbound: new Map(header.inbound.map(([k, l]) => [k, l.map(([from, text]) => ({ from, text }))])),
    terms,
    cnt: need('cnt'),
    df: need('df'),
    parent: need('parent'),
    lastWord: need('lastWord'),
    soleSlot,
    soleA,
    soleB,
    surfaceCount: new Map(header.surfaces),
    postings,
    streams,
    lengths: Array.from(need('lengths')),
    pairOff: need('pairOff'),
    pairData: need('pairData'),
    counters: header.counters,
  });
  return idx;
}
