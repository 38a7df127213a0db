import type { PromptMatch, QueryTerm } from './matcher';
import { cmpStr } from './lexicon';

/**
 * A prompt as the engine understands it: what matching kept of it, in a canonical order. Paraphrases the engine
 * treats alike ("vacuum freeze", "Freeze VACUUM?", "how to vacuum freeze") give equal standard prompts, and the
 * answer is a function of the standard prompt and the parameters only (plus the prompt as asked, echoed in
 * `Answer.prompt`), so an answer computed for one paraphrase is the answer of every other.
 */
export interface StandardPrompt {
  /**
   * The canonical text of the match: equal for two prompts exactly when their standard prompts are equal (under
   * the same parameters and index state). A cache keys answers by it, beside the parameters and the index version.
   */
  key: string;
  /** The weighted query terms, prompt terms before expansions, longer multi-tokens first, then by key. */
  terms: QueryTerm[];
  /**
   * The prompt words found nowhere, sorted and without repeats, at most {@link MISSING_SHOWN}; kept only when no
   * prompt term matched (the no-answer reason names them), else empty.
   */
  missing: string[];
  /** Whether the prompt had any searchable word (not only stopwords, ignored words or punctuation). */
  searchable: boolean;
  /** The prompt's kept words (keys), sorted and without repeats: the confidence weighs them (confidence.ts). */
  words: string[];
  /** Its words found nowhere, sorted and without repeats (all of them, unlike `missing`). */
  lacking: string[];
  /** Each prompt word's key → the form the prompt wrote it in: matched terms are shown so. */
  written: Map<string, string>;
}

/** Missing words a no-answer reason names, at most. */
export const MISSING_SHOWN = 8;

/** Canonical order of query terms: prompt terms before expansions, more words first, then by key. */
function compareTerms(a: QueryTerm, b: QueryTerm): number {
  if (a.expansion !== b.expansion) return a.expansion ? 1 : -1;
  return b.words - a.words || cmpStr(a.key, b.key);
}

/**
 * The standard prompt of a match (`Matcher.matchPrompt`'s output): its terms in canonical order, and the missing
 * words only when they can show in the answer. Linear in the terms, after a sort of at most a few dozen.
 */
export function standardPrompt(match: PromptMatch): StandardPrompt {
  const terms = match.terms.slice().sort(compareTerms);
  const searchable = match.words.length > 0;
  const anyPromptTerm = terms.length > 0 && !(terms[0] as QueryTerm).expansion;
  const missing = anyPromptTerm ? [] : [...new Set(match.missing)].sort(cmpStr).slice(0, MISSING_SHOWN);
  // Keys hold no spaces, '*' or '+' (words are runs of word characters joined by '~'), so the text is unambiguous;
  // a weight is written in full (String of a double is exact and round-trips).
  let key = searchable ? '' : '-';
  for (const q of terms) key += `${q.expansion ? '+' : ''}${q.key}*${q.weight} `;
  if (!anyPromptTerm && searchable) key += `?${missing.join(' ')}`;
  // what the answer reads besides the terms: the words weighed by the confidence and the forms matched terms show
  const words = [...new Set(match.words)].sort(cmpStr);
  const lacking = [...new Set(match.missing)].sort(cmpStr);
  const written = new Map([...match.written].sort((a, b) => cmpStr(a[0], b[0])));
  key += `|${words.join(' ')}|${lacking.join(' ')}|${[...written.values()].join(' ')}`;
  return { key, terms, missing, searchable, words, lacking, written };
}
