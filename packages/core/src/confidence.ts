import type { QueryParams } from './params';
import { bm25Idf } from './ranker';
import type { Scope } from './scope';
import { isIdentifier } from './tokenizer';

/**
 * Whether the collection covers a prompt, from evidence the answer already has: how much of the prompt's weight the
 * collection knows, how much of it the best result holds, and how the best result's score compares with the scores
 * the collection's own titles reach. An out-of-domain prompt ("how do I bake sourdough bread" asked of a database
 * manual, a biomedical claim asked of it) shares a few words with the corpus at best: most of its idf weight is
 * missing, the words it shares are scattered over entities that each hold one of them, and its best score is low
 * for the collection.
 */
export interface Confidence {
  /**
   * Share of the prompt words' idf weight that the collection holds (0..1). A word the collection lacks weighs as a
   * word held by one entity (a lacking rare name, typo or number does not weigh more than the rarest known word).
   */
  coverage: number;
  /**
   * The best result's BM25F score over the best score achievable for the whole prompt, the lacking words included
   * (0..1): what share of the prompt one entity answers.
   */
  best: number;
  /** Share of the prompt words' idf weight (weighed as for `coverage`) that the best result holds at all (0..1). */
  held: number;
  /**
   * Share of the prompt's rare weight that the best result holds (0..1): each word weighs its idf less
   * RARE_IDF_SHARE of the idf of a word held by one entity (a lacking word weighs as one held by one entity), and
   * nothing when that is negative. 1 when no word of the prompt is rare.
   */
  rareHeld: number;
  /**
   * The best result's raw score over the collection's typical best score (its build option `typicalBest`, see
   * {@link typicalBestOf}); absent when the index has none (an index grown by additions only, or a tiny one).
   */
  strength?: number;
}

/**
 * A prompt of at most this many distinct words is short: one entity of a collection that covers it holds nearly all
 * of it (`minHeld`). Longer prompts (claims, questions in a person's words) are judged without that rule.
 */
export const SHORT_PROMPT_WORDS = 3;

/**
 * A word is rare, for `rareHeld`, by the part of its idf above this share of the idf of a word held by one entity
 * (in a collection of 1,000 entities a word held by 75 or more of them weighs nothing, one held by 10 of them 43 % of
 * its idf): the common words of a long prompt then weigh nothing, and its best result must hold its topical ones.
 */
export const RARE_IDF_SHARE = 0.4;

/** What assessPrompt reads of the ranking: the best result's raw score, the ranker's maximum, and what the best result holds. */
export interface RankedBest {
  score: number;
  maxScore: number;
  /** Whether the best result holds the term (a single word's term id). */
  holds: (termId: number) => boolean;
}

/** Assesses a ranked prompt (see {@link Confidence}) from its kept words and those the collection lacks. */
export function assessPrompt(
  termIdOf: (key: string) => number | undefined,
  scope: Scope,
  p: QueryParams,
  words: readonly string[],
  missing: readonly string[],
  top: RankedBest,
  typicalBest: number | undefined,
): Confidence {
  const n = Math.max(1, scope.live);
  const lacking = bm25Idf(n, 1);
  const floor = RARE_IDF_SHARE * lacking;
  let all = 0;
  let known = 0;
  let held = 0;
  let rare = 0;
  let rareHeld = 0;
  for (const w of new Set(words)) {
    const t = termIdOf(w);
    const df = t === undefined ? 0 : scope.df(t);
    if (df > 0) {
      const idf = bm25Idf(n, df);
      all += idf;
      known += idf;
      rare += Math.max(0, idf - floor);
      if (top.holds(t as number)) {
        held += idf;
        rareHeld += Math.max(0, idf - floor);
      }
    } else {
      all += lacking;
      rare += lacking - floor;
    }
  }
  let missingMax = 0;
  for (const w of new Set(missing)) missingMax += (isIdentifier(w) ? p.identifierWeight : 1) * lacking * (p.k1 + 1);
  const whole = top.maxScore + missingMax;
  const c: Confidence = {
    coverage: all > 0 ? known / all : 0,
    best: whole > 0 ? Math.min(1, top.score / whole) : 0,
    held: all > 0 ? held / all : 0,
    rareHeld: rare > 0 ? rareHeld / rare : 1,
  };
  if (typicalBest !== undefined && typicalBest > 0) c.strength = top.score / typicalBest;
  return c;
}

/**
 * Whether an assessed prompt of `words` distinct words is answered (DESIGN.md, "Knowing when not to answer"):
 * - coverage and best at or above `minCoverage` and `minBest`;
 * - a short prompt (at most SHORT_PROMPT_WORDS words) held by its best result: `minHeld` of its weight, and
 *   `minKnownHeld` of the weight the collection knows (its coverage);
 * - a long prompt held by its best result: not below both `minLongHeld` of its weight and `minRareHeld` of its rare
 *   weight, and not below both `minLongCoverage` and `minLongBest`;
 * - a best score strong enough for the collection, when the index has a typical best score: `minStrength`, and
 *   `minShortStrength` for a short prompt; neither applies when the best result holds the prompt fully
 *   (best at or above `fullBest`).
 */
export function isCovered(c: Confidence, p: QueryParams, words: number): boolean {
  if (c.coverage < p.minCoverage || c.best < p.minBest) return false;
  const short = words <= SHORT_PROMPT_WORDS;
  if (short && (c.held < p.minHeld || (c.coverage > 0 && c.held / c.coverage < p.minKnownHeld))) return false;
  if (!short && c.held < p.minLongHeld && c.rareHeld < p.minRareHeld) return false;
  if (!short && c.coverage < p.minLongCoverage && c.best < p.minLongBest) return false;
  if (c.strength === undefined || (p.fullBest > 0 && c.best >= p.fullBest)) return true;
  return c.strength >= p.minStrength && (!short || c.strength >= p.minShortStrength);
}

/** The reason of a declined prompt, with its figures. */
export function declineReason(c: Confidence): string {
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  const strength = c.strength === undefined ? '' : `, and its score is ${pct(c.strength)} of the collection's typical best score`;
  return `the collection does not cover the prompt: it holds ${pct(c.coverage)} of the prompt's weight, the best match ${pct(c.best)} of the best score, ${pct(c.held)} of the weight and ${pct(c.rareHeld)} of its rare words' weight${strength}`;
}

/** Titles asked of a collection to learn its typical best score, at most. */
export const CALIBRATION_TITLES = 1000;
/** Fewer titles than this teach nothing: the index keeps no typical best score. */
export const MIN_CALIBRATION_TITLES = 20;
/** The share of the titles with the lowest best scores whose mean is the typical best score. */
export const CALIBRATION_SHARE = 0.05;

/**
 * The collection's typical best score: its titles (up to CALIBRATION_TITLES of them, evenly spaced) asked of it, and
 * the mean of the lowest CALIBRATION_SHARE of their best raw scores: a score that nearly every page of the collection
 * reaches when asked for by its own title (the mean of a low tail, not one quantile, so that the sample's few lowest
 * titles move it little). A collection of long titles and abstracts (SciFact) gets a high one, a manual of short
 * titles a low one, so `strength` (a best score over it) reads alike across collections. `bestOf` ranks one title and
 * returns its best raw score (null: nothing matched). Undefined below MIN_CALIBRATION_TITLES scored titles.
 */
export function typicalBestOf(titles: readonly string[], bestOf: (title: string) => number | null): number | undefined {
  const step = Math.max(1, Math.ceil(titles.length / CALIBRATION_TITLES));
  const scores: number[] = [];
  for (let i = 0; i < titles.length; i += step) {
    const s = bestOf(titles[i] as string);
    if (s !== null && s > 0) scores.push(s);
  }
  if (scores.length < MIN_CALIBRATION_TITLES) return undefined;
  scores.sort((a, b) => a - b);
  const low = scores.slice(0, Math.max(1, Math.floor(CALIBRATION_SHARE * scores.length)));
  return low.reduce((sum, x) => sum + x, 0) / low.length;
}
