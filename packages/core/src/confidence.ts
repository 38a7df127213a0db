import type { QueryParams } from './params';
import { bm25Idf } from './ranker';
import type { Scope } from './scope';
import { isIdentifier } from './tokenizer';

/**
 * Whether the collection covers a prompt, from evidence the answer already has: how much of the prompt's weight the
 * collection knows, and how much of it the best result holds. An out-of-domain prompt ("how do I bake sourdough
 * bread" asked of a database manual, a biomedical claim asked of it) shares a few common words with the corpus at
 * best: most of its idf weight is missing, and no entity holds much of what remains.
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
}

/** Assesses a ranked prompt (see {@link Confidence}); `bestScore` is the top result's raw score, `maxScore` the ranker's. */
export function assessPrompt(
  termIdOf: (key: string) => number | undefined,
  scope: Scope,
  p: QueryParams,
  words: readonly string[],
  missing: readonly string[],
  bestScore: number,
  maxScore: number,
): Confidence {
  const n = Math.max(1, scope.live);
  const lacking = bm25Idf(n, 1);
  let all = 0;
  let known = 0;
  for (const w of new Set(words)) {
    const t = termIdOf(w);
    const df = t === undefined ? 0 : scope.df(t);
    if (df > 0) {
      const idf = bm25Idf(n, df);
      all += idf;
      known += idf;
    } else all += lacking;
  }
  let missingMax = 0;
  for (const w of new Set(missing)) missingMax += (isIdentifier(w) ? p.identifierWeight : 1) * lacking * (p.k1 + 1);
  const whole = maxScore + missingMax;
  return { coverage: all > 0 ? known / all : 0, best: whole > 0 ? Math.min(1, bestScore / whole) : 0 };
}

/** Whether an assessed prompt is answered: both shares at or above their thresholds (`minCoverage`, `minBest`). */
export function isCovered(c: Confidence, p: QueryParams): boolean {
  return c.coverage >= p.minCoverage && c.best >= p.minBest;
}

/** The reason of a declined prompt, with its figures. */
export function declineReason(c: Confidence): string {
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  return `the collection does not cover the prompt: it holds ${pct(c.coverage)} of the prompt's weight, and the best match ${pct(c.best)}`;
}
