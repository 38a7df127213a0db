/**
 * The extractive summary chosen for the prompt, not per result: candidate sentences (each a verbatim slice of a top
 * result's text, with the number of distinct prompt words it holds) are scored together and the best ones kept.
 * Offsets count UTF-16 code units, as JavaScript string indices do: `text.slice(start, end)` is the sentence.
 */

/** A sentence of a top result: a verbatim slice of its text, with what it holds of the prompt. */
export interface SummaryCandidate {
  sourceId: string;
  text: string;
  start: number;
  end: number;
  /** Share of the prompt's weight (each word weighed by its idf) the sentence holds, 0..1. */
  cover: number;
  /** Whether it holds every prompt word. */
  all: boolean;
  /**
   * The weight of the heaviest of the prompt's matched multi-tokens that the sentence holds as a phrase (its words
   * adjacent, in any order), over the weight of the prompt's rarest word, at most 1 (0 when it holds none): a phrase
   * of common words weighs little beside a rare name, and a claim's key phrase as much as its rarest word.
   */
  phrase: number;
  /**
   * Whether the sentence proper (from `body`) is about the prompt's rarest word: it opens with it, after an article at
   * most ("pg_file_rename renames a file.", "A row constructor is…").
   */
  subject?: boolean;
  /**
   * Set when it is the first sentence under a heading or defined term that names the prompt (holds one of its matched
   * multi-tokens, all its words, or its rarest word and nothing but prompt words): `share` is the share of the prompt's
   * weight the heading or term holds (0..1), `is` whether its words are the prompt's words.
   */
  lead?: { share: number; is: boolean };
  /**
   * Where the sentence proper starts when it carries the line of the heading or term whose section or entry it opens
   * ("Modifying Arrays⏎An array value can be replaced completely:"): whether it has a definitional form is judged from
   * there, and it never leans on the sentence before: the carried line is what its "This parameter…" refers to.
   * Absent: judged from `start`.
   */
  body?: number;
  /** Rank of its result (0 = first). */
  rank: number;
}

export interface SummarySentence {
  sentence: string;
  sourceId: string;
  start: number;
  end: number;
}

/** Characters a summary sentence holds at least: a shorter one is a fragment ("The command"). */
export const MIN_SENTENCE = 25;

/** Characters a sentence opening with the prompt's rarest word holds at least ("dense_rank () → bigint"). */
export const MIN_SUBJECT_SENTENCE = 12;

/** Characters an example block may add to the sentence that introduces it. */
export const EXAMPLE_BUDGET = 500;
/** Lines of an example block carried, at most. */
const EXAMPLE_LINES = 8;

/** A cross-reference ("See CREATE INDEX for details."): it belongs to see-also, not to the summary. */
const CROSS_REFERENCE = /^(see|refer to|for (more|further) (details|information))\b|\bfor (more |further )?details\.?$|^see also\b/i;
/** Definitional forms: "X is a…", "X are…", "X means…", "X refers to…". */
const DEFINITION = /\b(is|are|means|refers to|denotes|provides|allows|lets you|can be used to)\b/i;
/** A sentence that leans on the one before it ("This…", "However, …", "Also…"): it does not stand alone. */
const LEANING = /^(this|these|that|those|it|its|they|their|such|also|however|but|then|otherwise|thus|therefore|hence|here|now|in this case|in that case|similarly|likewise|instead|again|for example|for instance)\b/i;
/** A line of running prose (ends a sentence, starts with a capital, several words): an example block stops before it. */
const PROSE = /^[A-Z][^\n]*[.!?]$/;

/** Whether a line reads as prose rather than code or a listing. */
function isProse(line: string): boolean {
  return PROSE.test(line) && line.split(/\s+/).length >= 6;
}

/**
 * The end of the sentence extended by the example it introduces: a sentence ending in ":" carries the lines that
 * follow it (code, a command, a listing) verbatim, up to EXAMPLE_BUDGET characters and EXAMPLE_LINES lines, stopping
 * at the next line of prose. Returns `end` unchanged when there is no such block.
 */
export function withExample(text: string, end: number): number {
  if (text.charCodeAt(end - 1) !== 58 /* : */) return end;
  let at = end;
  let lines = 0;
  while (lines < EXAMPLE_LINES) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    const next = text.indexOf('\n', nl + 1);
    const lineEnd = next < 0 ? text.length : next;
    const line = text.slice(nl + 1, lineEnd).trim();
    if (!line || isProse(line) || lineEnd - end > EXAMPLE_BUDGET) break;
    at = lineEnd;
    lines++;
  }
  return lines > 0 ? at : end;
}

/** Weights of {@link score}: what a candidate holds of the prompt outweighs how it reads; the rank breaks ties. */
export const SUMMARY_WEIGHTS = {
  /** Times the share of the prompt's weight held. */
  cover: 1.5,
  /** When every prompt word is held. */
  all: 1,
  /** Times the weight of a matched multi-token held as a phrase (see `phrase`). */
  phrase: 1.5,
  /** Times the share of the prompt held by the heading or term (naming the prompt) whose section or entry it opens. */
  lead: 1.5,
  /** More when that heading or term is the prompt. */
  leadIs: 1.5,
  /** A definitional form. */
  definition: 0.5,
  /** A sentence that opens with the prompt's rarest word (see `subject`). */
  subject: 0.5,
  /** A sentence leaning on the one before it. */
  leaning: -0.5,
  /** A sentence ending in a colon whose example could not be carried. */
  bareColon: -1,
  /** Per rank of the result. */
  rank: -1,
} as const;

/**
 * Scores a candidate for the prompt: the weighed share of the prompt it holds (most), all of it, a matched
 * multi-token as a phrase, opening a section or term entry that names the prompt, a definitional form, a sentence that
 * stands alone (neither leaning on the one before nor a fragment ending in a colon without its example), and the rank
 * of its result.
 */
function score(c: SummaryCandidate, extended: boolean): number {
  const w = SUMMARY_WEIGHTS;
  const sentence = c.text.slice(c.body ?? c.start, c.end);
  let s = w.cover * c.cover + w.phrase * c.phrase + w.rank * c.rank;
  if (c.lead) s += w.lead * c.lead.share + (c.lead.is ? w.leadIs : 0);
  if (c.all) s += w.all;
  if (c.subject) s += w.subject;
  if (DEFINITION.test(sentence)) s += w.definition;
  if (c.body === undefined && LEANING.test(sentence)) s += w.leaning;
  if (sentence.endsWith(':') && !extended) s += w.bareColon;
  return s;
}

/**
 * Chooses up to `count` summary sentences among the candidates of the top results: cross-references and sentences
 * shorter than MIN_SENTENCE or longer than 600 characters are left out; the rest are ranked by {@link score}; a sentence
 * introducing an example carries it; at most two sentences come from one result.
 */
export function chooseSummary(candidates: readonly SummaryCandidate[], count: number): SummarySentence[] {
  const scored: Array<{ c: SummaryCandidate; end: number; s: number }> = [];
  for (const c of candidates) {
    const len = c.end - c.start;
    if (len < (c.subject ? MIN_SUBJECT_SENTENCE : MIN_SENTENCE) || len > 600) continue;
    const sentence = c.text.slice(c.start, c.end);
    if (CROSS_REFERENCE.test(sentence)) continue;
    const end = withExample(c.text, c.end);
    scored.push({ c, end, s: score(c, end > c.end) });
  }
  scored.sort((a, b) => b.s - a.s || a.c.rank - b.c.rank || a.c.start - b.c.start);
  const out: SummarySentence[] = [];
  const seen = new Set<string>();
  const perSource = new Map<string, number>();
  for (const { c, end } of scored) {
    if (out.length >= count) break;
    const sentence = c.text.slice(c.start, end);
    if (seen.has(sentence) || (perSource.get(c.sourceId) ?? 0) >= 2) continue;
    // a term's entry and the sentence it holds are one passage: keep the better scored
    if (out.some((o) => o.sourceId === c.sourceId && o.start < end && c.start < o.end)) continue;
    seen.add(sentence);
    perSource.set(c.sourceId, (perSource.get(c.sourceId) ?? 0) + 1);
    out.push({ sentence, sourceId: c.sourceId, start: c.start, end });
  }
  return out;
}
