import { createHash } from 'node:crypto';
import type { Entity } from './entity';
import { normalize, wordSurfaces } from './tokenizer';

/** Hex SHA-256 of an entity's content (title, text, category, tags; not its id or url). */
export function contentHash(e: Entity): string {
  return hashNormalized(e, normalize(e.title), normalize(e.text));
}

/** contentHash of an entity whose title and text are already normalized. */
function hashNormalized(e: Entity, title: string, text: string): string {
  const h = createHash('sha256');
  h.update(title);
  h.update('\u0001');
  h.update(text.replace(/\s+/g, ' ').trim());
  h.update('\u0001');
  h.update(e.category.join('\u0002'));
  h.update('\u0001');
  h.update([...e.tags].sort().join('\u0002'));
  return h.digest('hex');
}

/**
 * Word 5-shingles of a normalized text as 32-bit hashes, distinct and ascending: each word is hashed once (FNV-1a),
 * a shingle combines its five word hashes (FNV-style, then a final avalanche), so a text costs one pass over its
 * characters. A text of fewer than five words is one shingle.
 */
function shingles(text: string): Uint32Array {
  const words = wordSurfaces(text);
  const wh = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    let h = 0x811c9dc5;
    for (let j = 0; j < w.length; j++) h = Math.imul(h ^ w.charCodeAt(j), 0x01000193);
    wh[i] = h;
  }
  const n = words.length < 5 ? Math.min(words.length, 1) : words.length - 4;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let k = i; k < i + 5 && k < words.length; k++) h = Math.imul(h ^ (wh[k] as number), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    out[i] = h >>> 0;
  }
  out.sort();
  let m = 0;
  for (let i = 0; i < n; i++) if (i === 0 || out[i] !== out[m - 1]) out[m++] = out[i] as number;
  return out.subarray(0, m);
}

const MINHASH_SEEDS = Array.from({ length: 32 }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) >>> 0) | 1);

function minhash(sh: Uint32Array): number[] {
  const sig = new Array<number>(MINHASH_SEEDS.length).fill(0xffffffff);
  for (const x of sh) {
    for (let i = 0; i < MINHASH_SEEDS.length; i++) {
      let h = Math.imul(x ^ (MINHASH_SEEDS[i] as number), 0x85ebca6b) >>> 0;
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35) >>> 0;
      h ^= h >>> 16;
      if (h < (sig[i] as number)) sig[i] = h;
    }
  }
  return sig;
}

/** Jaccard similarity of two ascending sets (a merge). */
function jaccard(a: Uint32Array, b: Uint32Array): number {
  let inter = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      inter++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter || 1);
}

export interface DedupeResult {
  kept: Entity[];
  dropped: Array<{ id: string; duplicateOf: string; kind: 'exact' | 'near' }>;
}

/** What the deduplicator found an entity to duplicate, or null when it is kept. */
export type DuplicateOf = { duplicateOf: string; kind: 'exact' | 'near' } | null;

/** The readers of an entity as a key: '' when public, else its distinct ACL groups sorted. */
function aclKey(e: Entity): string {
  return e.acl === undefined ? '' : JSON.stringify([...new Set(e.acl)].sort());
}

/** MinHash bands of a signature: 8 bands of 4 values. */
const BANDS = 8;
const BAND_ROWS = 4;

/** A 32-bit hash of a string (FNV-1a, then an avalanche). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * A multimap of 32-bit keys to kept-entity numbers, open addressing with linear probing (a key may be present many
 * times): 8 bytes an entry at a load of at most one half, where a Map of band strings to arrays took about 100.
 * Entries are never removed.
 */
class KeyTable {
  private keys = new Uint32Array(1024);
  private vals = new Int32Array(1024).fill(-1);
  private count = 0;

  add(key: number, val: number): void {
    if ((this.count + 1) * 2 > this.vals.length) this.grow();
    this.put(key, val);
    this.count++;
  }

  /** The values stored under `key`, ascending (the order they were added in). */
  get(key: number, out: number[]): number[] {
    out.length = 0;
    const mask = this.vals.length - 1;
    for (let i = key & mask; (this.vals[i] as number) >= 0; i = (i + 1) & mask) if (this.keys[i] === key) out.push(this.vals[i] as number);
    if (out.length > 1) out.sort((a, b) => a - b);
    return out;
  }

  private put(key: number, val: number): void {
    const mask = this.vals.length - 1;
    let i = key & mask;
    while ((this.vals[i] as number) >= 0) i = (i + 1) & mask;
    this.keys[i] = key;
    this.vals[i] = val;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(vals.length * 2).fill(-1);
    for (let i = 0; i < vals.length; i++) if ((vals[i] as number) >= 0) this.put(keys[i] as number, vals[i] as number);
  }
}

/** What the deduplicator derives from one entity. */
interface Fingerprint {
  readers: string;
  /** the readers' key and the content hash */
  hash: string;
  shingles: Uint32Array;
  /** the MinHash signature (texts of 50 words and more), else null */
  sig: number[] | null;
}

function fingerprint(e: Entity): Fingerprint {
  const readers = aclKey(e);
  // normalized once for the hash and the shingles (NFKC is the costly part)
  const title = normalize(e.title);
  const text = normalize(e.text);
  const sh = shingles(`${title}\n${text}`);
  return { readers, hash: readers + hashNormalized(e, title, text), shingles: sh, sig: sh.length >= 46 ? minhash(sh) : null };
}

/** Band `b` of a signature, as its key (the readers' key, the band, its values). */
function bandKey(readers: string, sig: readonly number[], b: number): string {
  return `${readers}${b}:${sig.slice(b * BAND_ROWS, b * BAND_ROWS + BAND_ROWS).join(',')}`;
}

/**
 * Finds exact duplicates (same content hash) and near duplicates (word 5-shingle Jaccard ≥ threshold, found through
 * MinHash bands, then verified exactly) among entities offered one by one; the first of a group is kept. Texts
 * under 50 words are only checked for exact duplicates: near-duplicate detection on short texts flags legitimate
 * variants. Only entities with the same readers (the same ACL, or both public) are duplicates: dropping one copy
 * must not hide the text from anyone who could read it.
 *
 * It holds about 40 bytes per kept entity, not the entities: 32-bit hashes of each content hash and of each MinHash
 * band, pointing at the kept entity's number. A match of those hashes is a candidate, checked against the kept
 * entity, which `keptAt` reads back (a bulk build holds them as lines), so the outcome is that of comparing the
 * content hashes and band keys themselves: the first kept entity, in the order kept, that shares the content hash;
 * else the first that shares a band (bands in order) and passes the Jaccard check.
 */
export class Deduper {
  private readonly threshold: number;
  private readonly exact = new KeyTable();
  private readonly bands = new KeyTable();
  private readonly found: number[] = [];
  private kept = 0;

  /**
   * `keptAt(n)`: the n-th kept entity (0-based), read back from where the caller holds them (a list, an index
   * builder's lines, a file of an upload's).
   */
  constructor(
    private readonly keptAt: (n: number) => Entity | undefined,
    opts: { nearThreshold?: number } = {},
  ) {
    this.threshold = opts.nearThreshold ?? 0.9;
  }

  /** Entities kept so far. */
  get size(): number {
    return this.kept;
  }

  /** What entity `e` duplicates among those kept so far, or null: then it is kept, as the next kept entity. */
  offer(e: Entity): DuplicateOf {
    const f = fingerprint(e);
    const h = hash32(f.hash);
    for (const n of this.exact.get(h, this.found)) {
      const k = this.keptAt(n) as Entity;
      if (fingerprint(k).hash === f.hash) return { duplicateOf: k.id, kind: 'exact' };
    }
    const keys: number[] = [];
    if (f.sig) {
      for (let b = 0; b < BANDS; b++) {
        const key = bandKey(f.readers, f.sig, b);
        const bh = hash32(key);
        keys.push(bh);
        for (const n of this.bands.get(bh, this.found)) {
          const k = this.keptAt(n) as Entity;
          const kf = fingerprint(k);
          if (kf.sig && bandKey(kf.readers, kf.sig, b) === key && jaccard(f.shingles, kf.shingles) >= this.threshold) {
            return { duplicateOf: k.id, kind: 'near' };
          }
        }
      }
    }
    const n = this.kept++;
    this.exact.add(h, n);
    for (const bh of keys) this.bands.add(bh, n);
    return null;
  }
}

/** Drops exact and near duplicates from a list of entities (see Deduper); the first entity of a group is kept. */
export function dedupeEntities(entities: readonly Entity[], opts: { nearThreshold?: number } = {}): DedupeResult {
  const kept: Entity[] = [];
  const dropped: DedupeResult['dropped'] = [];
  const deduper = new Deduper((n) => kept[n], opts);
  for (const e of entities) {
    const dup = deduper.offer(e);
    if (dup) dropped.push({ id: e.id, ...dup });
    else kept.push(e);
  }
  return { kept, dropped };
}
