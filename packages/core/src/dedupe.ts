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

/** The readers of an entity as a key: '' when public, else its distinct ACL groups sorted. */
function aclKey(e: Entity): string {
  return e.acl === undefined ? '' : JSON.stringify([...new Set(e.acl)].sort());
}

/**
 * Drops exact duplicates (same content hash) and near duplicates (word 5-shingle Jaccard ≥ threshold, found through
 * MinHash bands, then verified exactly). The first entity of a group is kept. Texts under 50 words are only
 * checked for exact duplicates: near-duplicate detection on short texts flags legitimate variants. Only entities
 * with the same readers (the same ACL, or both public) are duplicates: dropping one copy must not hide the text from
 * anyone who could read it.
 */
export function dedupeEntities(entities: readonly Entity[], opts: { nearThreshold?: number } = {}): DedupeResult {
  const threshold = opts.nearThreshold ?? 0.9;
  const kept: Entity[] = [];
  const dropped: DedupeResult['dropped'] = [];
  const byHash = new Map<string, string>();
  const bands = new Map<string, number[]>();
  // the shingles of kept entities that a later one may be compared with (texts of 50 words and more)
  const shingleSets: Array<Uint32Array | null> = [];
  for (const e of entities) {
    const readers = aclKey(e);
    // normalized once for the hash and the shingles (NFKC is the costly part)
    const title = normalize(e.title);
    const text = normalize(e.text);
    const h = readers + hashNormalized(e, title, text);
    const first = byHash.get(h);
    if (first !== undefined) {
      dropped.push({ id: e.id, duplicateOf: first, kind: 'exact' });
      continue;
    }
    byHash.set(h, e.id);
    const sh = shingles(`${title}\n${text}`);
    if (sh.length >= 46) {
      const sig = minhash(sh);
      let dup: number | undefined;
      const keys: string[] = [];
      for (let b = 0; b < 8; b++) {
        const key = `${readers}${b}:${sig.slice(b * 4, b * 4 + 4).join(',')}`;
        keys.push(key);
        for (const cand of bands.get(key) ?? []) {
          if (dup === undefined && jaccard(sh, shingleSets[cand] as Uint32Array) >= threshold) dup = cand;
        }
      }
      if (dup !== undefined) {
        dropped.push({ id: e.id, duplicateOf: (kept[dup] as Entity).id, kind: 'near' });
        continue;
      }
      for (const key of keys) {
        const l = bands.get(key);
        if (l) l.push(kept.length);
        else bands.set(key, [kept.length]);
      }
    }
    shingleSets.push(sh.length >= 46 ? sh : null);
    kept.push(e);
  }
  return { kept, dropped };
}
