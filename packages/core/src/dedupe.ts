import { createHash } from 'node:crypto';
import type { Entity } from './entity';
import { normalize, tokenizeWords } from './tokenizer';

/** Hex SHA-256 of an entity's content (title, text, category, tags; not its id or url). */
export function contentHash(e: Entity): string {
  const h = createHash('sha256');
  h.update(normalize(e.title));
  h.update('\u0001');
  h.update(normalize(e.text).replace(/\s+/g, ' ').trim());
  h.update('\u0001');
  h.update(e.category.join('\u0002'));
  h.update('\u0001');
  h.update([...e.tags].sort().join('\u0002'));
  return h.digest('hex');
}

/** Word 5-shingles of a text, hashed to 32-bit integers (FNV-1a). */
function shingles(text: string): Set<number> {
  const words = tokenizeWords(normalize(text)).map((w) => w.surface);
  const out = new Set<number>();
  for (let i = 0; i + 5 <= words.length || (i === 0 && words.length > 0); i++) {
    let h = 0x811c9dc5;
    for (const w of words.slice(i, i + 5)) {
      for (let j = 0; j < w.length; j++) {
        h ^= w.charCodeAt(j);
        h = Math.imul(h, 0x01000193);
      }
      h ^= 32;
      h = Math.imul(h, 0x01000193);
    }
    out.add(h >>> 0);
    if (words.length < 5) break;
  }
  return out;
}

const MINHASH_SEEDS = Array.from({ length: 32 }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) >>> 0) | 1);

function minhash(sh: Set<number>): number[] {
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

function jaccard(a: Set<number>, b: Set<number>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter || 1);
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
  const shingleSets: Array<Set<number>> = [];
  for (const e of entities) {
    const readers = aclKey(e);
    const h = readers + contentHash(e);
    const first = byHash.get(h);
    if (first !== undefined) {
      dropped.push({ id: e.id, duplicateOf: first, kind: 'exact' });
      continue;
    }
    byHash.set(h, e.id);
    const sh = shingles(`${e.title}\n${e.text}`);
    if (sh.size >= 46) {
      const sig = minhash(sh);
      let dup: number | undefined;
      const keys: string[] = [];
      for (let b = 0; b < 8; b++) {
        const key = `${readers}${b}:${sig.slice(b * 4, b * 4 + 4).join(',')}`;
        keys.push(key);
        for (const cand of bands.get(key) ?? []) {
          if (dup === undefined && jaccard(sh, shingleSets[cand] as Set<number>) >= threshold) dup = cand;
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
    shingleSets.push(sh);
    kept.push(e);
  }
  return { kept, dropped };
}
