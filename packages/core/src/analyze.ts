import type { Entity } from './entity';
import { FIELD_COUNT } from './params';
import { Analyzer, MT_SEP } from './tokenizer';

/** Field slots in per-field arrays (same order as FIELDS). */
export const F_TITLE = 0;
export const F_HEADING = 1;
export const F_CATEGORY = 2;
export const F_TAGS = 3;
export const F_ANCHOR = 4;
export const F_BODY = 5;

/** Local term ids of pairs are packed as a * PAIR_LOCAL + b. */
const PAIR_LOCAL = 1 << 21;

/**
 * The multi-tokens of one entity, accumulated without per-term allocations: `keys[i]` is a multi-token and
 * `tfs[i * FIELD_COUNT + f]` its occurrences in field f.
 */
export class TermBag {
  readonly keys: string[] = [];
  private readonly local = new Map<string, number>();
  tfs = new Int32Array(256 * FIELD_COUNT);
  /** kept single words per field (length normalization) */
  readonly lengths = new Array<number>(FIELD_COUNT).fill(0);
  /** surface form → occurrences (own fields only), for display forms */
  readonly surfaces = new Map<string, number>();
  /** unordered pairs of local ids (a < b as packed numbers) → occurrences */
  readonly pairs = new Map<number, number>();

  add(key: string, field: number): number {
    let i = this.local.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.local.set(key, i);
      this.keys.push(key);
      if ((i + 1) * FIELD_COUNT > this.tfs.length) {
        const grown = new Int32Array(this.tfs.length * 2);
        grown.set(this.tfs);
        this.tfs = grown;
      }
    }
    this.tfs[i * FIELD_COUNT + field] = (this.tfs[i * FIELD_COUNT + field] as number) + 1;
    return i;
  }

  get size(): number {
    return this.keys.length;
  }
}

export interface AnalyzeOptions {
  maxWords: number;
  pairMaxWords: number;
  pairWindow: number;
}

/**
 * Multi-tokens of one text into the bag: every run of 1..maxWords kept words within a sentence (stopwords are not
 * kept, so runs bridge them). Returns the number of kept words.
 */
function addText(analyzer: Analyzer, text: string, field: number, opts: AnalyzeOptions, bag: TermBag, own: boolean): number {
  if (!text) return 0;
  let kept = 0;
  const ids: number[] = [];
  for (const s of analyzer.sentences(text)) {
    const keys = s.keys;
    const n = keys.length;
    kept += n;
    ids.length = 0;
    for (let i = 0; i < n; i++) {
      let key = keys[i] as string;
      ids.push(bag.add(key, field));
      for (let w = 2; w <= opts.maxWords && i + w <= n; w++) {
        key += MT_SEP + (keys[i + w - 1] as string);
        bag.add(key, field);
      }
    }
    if (!own) continue;
    for (const sf of s.surfaces) bag.surfaces.set(sf, (bag.surfaces.get(sf) ?? 0) + 1);
    if (field === F_CATEGORY || field === F_TAGS) continue;
    // Pairs: single words whose positions are 1..pairWindow apart in the sentence, counted per occurrence.
    for (let i = 0; i < n; i++) {
      const a = ids[i] as number;
      for (let j = i + 1; j <= i + opts.pairWindow && j < n; j++) {
        const b = ids[j] as number;
        if (a === b) continue;
        const pk = a < b ? a * PAIR_LOCAL + b : b * PAIR_LOCAL + a;
        bag.pairs.set(pk, (bag.pairs.get(pk) ?? 0) + 1);
      }
    }
  }
  return kept;
}

/** Unpacks a local pair key into its two local ids. */
export function unpackLocalPair(pk: number): [number, number] {
  const a = Math.floor(pk / PAIR_LOCAL);
  return [a, pk - a * PAIR_LOCAL];
}

/**
 * Analyzes an entity: its own fields, plus the anchor texts of links pointing at it (which feed the anchor field
 * only: no surfaces, no pairs, so an entity's pairs depend on itself alone).
 */
export function analyzeEntity(analyzer: Analyzer, e: Entity, opts: AnalyzeOptions, anchors: readonly string[] = []): TermBag {
  const bag = new TermBag();
  const len = bag.lengths;
  len[F_TITLE] = addText(analyzer, e.title, F_TITLE, opts, bag, true);
  let h = 0;
  for (const t of e.headings ?? []) h += addText(analyzer, t, F_HEADING, opts, bag, true);
  for (const t of e.terms ?? []) h += addText(analyzer, t, F_HEADING, opts, bag, true);
  len[F_HEADING] = h;
  let c = 0;
  for (const t of e.category) c += addText(analyzer, t, F_CATEGORY, opts, bag, true);
  len[F_CATEGORY] = c;
  let g = 0;
  for (const t of e.tags) g += addText(analyzer, t, F_TAGS, opts, bag, true);
  len[F_TAGS] = g;
  len[F_BODY] = addText(analyzer, e.text, F_BODY, opts, bag, true);
  let a = 0;
  for (const t of anchors) a += addText(analyzer, t, F_ANCHOR, opts, bag, false);
  len[F_ANCHOR] = a;
  return bag;
}
