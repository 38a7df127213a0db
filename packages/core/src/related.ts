import type { LexIndex, Scope } from './lexindex';
import { cmpStr } from './lexicon';
import { MT_SEP } from './tokenizer';

/**
 * Related multi-tokens of an answer, taken from its top results: the multi-tokens of the corpus that the results'
 * sentences holding the prompt's words hold, ranked by how many of the results hold them. A token the top results
 * share is associated with the prompt as a whole (with its words jointly, through the pages that answer it), not
 * with one of its words in another sense, which a word-by-word association cannot tell ("default factory" brings
 * "mailbox" through "factory" alone).
 */

/** A related token as the answer shows it. */
export interface RelatedToken {
  token: string;
  /**
   * For a multi-token from the results: ln of its share among the top results over its share of the collection
   * (its pointwise mutual information with the prompt's top results). For a word association: its summed PMI.
   */
  pmi: number;
  /** Top results holding a multi-token; for a word association, its largest joint count. */
  count: number;
}

/** A token of digits only (with a decimal point or comma) says nothing as a related concept. */
export const BARE_NUMBER = /^\d+(?:[.,]\d+)*$/;
/** A token held by more than this share of the entities (and by more than GENERIC_MIN_DF) is too generic to relate. */
const GENERIC_SHARE = 0.2;
const GENERIC_MIN_DF = 10;

/** Whether a token held by `df` of `live` entities is too generic to be related or suggested. */
export function isGeneric(df: number, live: number): boolean {
  return df > GENERIC_MIN_DF && df > GENERIC_SHARE * live;
}

/** Longest related multi-token, in words: longer runs of a few pages are their sentences, not concepts. */
const MAX_RELATED_WORDS = 3;
/** Sentences of each result read, at most (its title, headings and first sentences holding a prompt word). */
const RELATED_SENTENCES = 12;
/** Fewest entities holding a related multi-token: a concept recurs; a run held by two pages is often one example repeated. */
const MIN_RELATED_DF = 3;

/**
 * Multi-tokens of the top results' sentences that hold a prompt word, at most `limit`: of 2..MAX_RELATED_WORDS
 * words, held by at least MIN_RELATED_DF entities of the scope, adding a word to the prompt's (`own`: the prompt's
 * word keys), with no bare number or piece of a contraction among their words and at least one word that is not
 * generic; ranked by the number
 * of results holding them, then by rank-weighted support, then by the number of entities holding them. A token that
 * repeats (is within, or holds) one already taken is left out. `slots` are the top results, best first (at most 31
 * are read).
 */
export function relatedFromResults(idx: LexIndex, slots: readonly number[], own: ReadonlySet<string>, scope: Scope, limit: number): RelatedToken[] {
  const results = Math.min(31, slots.length);
  if (limit <= 0 || results <= 0) return [];
  const live = Math.max(1, scope.live);
  const ownIds = new Set<number>();
  for (const w of own) {
    const id = idx.termIdOf(w);
    if (id !== undefined) ownIds.add(id);
  }
  // per multi-token, the ranks of the results holding it as a bit mask
  const ranks = new Map<number, number>();
  for (let rank = 0; rank < results; rank++) {
    const bit = 1 << rank;
    idx.multiTokensNear(slots[rank] as number, ownIds, MAX_RELATED_WORDS, RELATED_SENTENCES, (t) => ranks.set(t, (ranks.get(t) ?? 0) | bit));
  }
  const candidates = [...ranks].map(([t, mask]) => ({ t, count: bitCount(mask), support: support(mask) }));
  candidates.sort((a, b) => b.count - a.count || b.support - a.support || a.t - b.t);
  const taken: string[] = [];
  const out: RelatedToken[] = [];
  // qualified lazily, best first: most candidates are never looked at
  for (let i = 0; i < candidates.length && out.length < limit; ) {
    // a run of candidates tied on count and support is ordered by df, most first, then by key: term ids follow the
    // order of additions, so they must not decide, or an updated index would relate otherwise than a rebuild
    let j = i + 1;
    const c0 = candidates[i] as (typeof candidates)[number];
    while (j < candidates.length && (candidates[j] as typeof c0).count === c0.count && (candidates[j] as typeof c0).support === c0.support) j++;
    const tied = candidates.slice(i, j).filter((c) => qualifies(idx, c.t, ownIds, scope, live));
    tied.sort((a, b) => scope.df(b.t) - scope.df(a.t) || cmpStr(idx.termKey(a.t), idx.termKey(b.t)));
    for (const c of tied) {
      if (out.length >= limit) break;
      const key = idx.termKey(c.t);
      const padded = `${MT_SEP}${key}${MT_SEP}`;
      if (taken.some((k) => k.includes(padded) || padded.includes(k))) continue;
      taken.push(padded);
      const pmi = Math.log(c.count / results / (scope.df(c.t) / live));
      out.push({ token: idx.display(key, scope), pmi: Math.round(pmi * 10000) / 10000, count: c.count });
    }
    i = j;
  }
  return out;
}

function bitCount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}

/** Σ 1 / (rank + 1) over the ranks of a mask. */
function support(mask: number): number {
  let s = 0;
  for (let r = 0; r < 31; r++) if (mask & (1 << r)) s += 1 / (r + 1);
  return s;
}

/** What the tokenizer leaves of English contractions ("doesn't" → "doesn", "t"): no concept starts or ends with one. */
const CONTRACTION_PARTS = new Set(['s', 't', 'd', 'll', 're', 've', 'm']);

/** Whether a multi-token qualifies as related (see relatedFromResults). */
function qualifies(idx: LexIndex, t: number, own: ReadonlySet<number>, scope: Scope, live: number): boolean {
  if (scope.df(t) < MIN_RELATED_DF) return false;
  const words = idx.wordIds(t);
  if (words.every((w) => own.has(w))) return false;
  let specific = false;
  for (const w of words) {
    const key = idx.termKey(w);
    if (BARE_NUMBER.test(key) || CONTRACTION_PARTS.has(key)) return false;
    if (!isGeneric(scope.df(w), live)) specific = true;
  }
  return specific;
}
