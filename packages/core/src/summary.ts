/**
 * The extractive summary chosen for the prompt, not per result: candidate sentences (each a verbatim slice of a top
 * result's text, with the number of distinct prompt words it holds) are scored together and the best ones kept.
 * Offsets count UTF-16 code units, as JavaScript string indices do: `text.slice(start, end)` is the sentence.
 */

/** A sentence of a top result, as `passages` found it. */
export interface SummaryCandidate {
  sourceId: string;
  text: string;
  start: number;
  end: number;
  /** Distinct prompt words the sentence holds. */
  groups: number;
  /** Rank of its result (0 = first). */
  rank: number;
}

export interface SummarySentence {
  sentence: string;
  sourceId: string;
  start: number;
  end: number;
}

/** Characters an example block may add to the sentence that introduces it. */
export const EXAMPLE_BUDGET = 500;
/** Lines of an example block carried, at most. */
const EXAMPLE_LINES = 8;

/** A cross-reference ("See CREATE INDEX for details."): it belongs to see-also, not to the summary. */
const CROSS_REFERENCE = /^(see|refer to|for (more|further) (details|information))\b|\bfor (more |further )?details\.?$|^see also\b/i;
/** Definitional forms: "X is a…", "X are…", "X means…", "X refers to…". */
const DEFINITION = /\b(is|are|means|refers to|denotes|provides|allows|lets you|can be used to)\b/i;
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

/**
 * Scores a candidate for the prompt: the prompt words it holds (most), a definitional form, a sentence that stands
 * alone (neither a cross-reference nor a fragment ending in a colon without its example), and the rank of its
 * result (a small tie-breaker).
 */
function score(c: SummaryCandidate, promptWords: number, extended: boolean): number {
  const sentence = c.text.slice(c.start, c.end);
  let s = c.groups;
  if (promptWords > 0 && c.groups >= promptWords) s += 1;
  if (DEFINITION.test(sentence)) s += 0.5;
  if (sentence.endsWith(':') && !extended) s -= 1;
  s -= 1 * c.rank;
  return s;
}

/**
 * Chooses up to `count` summary sentences among the candidates of the top results: cross-references and sentences
 * shorter than 25 or longer than 600 characters are left out; the rest are ranked by {@link score}; a sentence
 * introducing an example carries it; at most two sentences come from one result.
 */
export function chooseSummary(candidates: readonly SummaryCandidate[], promptWords: number, count: number): SummarySentence[] {
  const scored: Array<{ c: SummaryCandidate; end: number; s: number }> = [];
  for (const c of candidates) {
    const len = c.end - c.start;
    if (len < 25 || len > 600) continue;
    const sentence = c.text.slice(c.start, c.end);
    if (CROSS_REFERENCE.test(sentence)) continue;
    const end = withExample(c.text, c.end);
    scored.push({ c, end, s: score(c, promptWords, end > c.end) });
  }
  scored.sort((a, b) => b.s - a.s || a.c.rank - b.c.rank || a.c.start - b.c.start);
  const out: SummarySentence[] = [];
  const seen = new Set<string>();
  const perSource = new Map<string, number>();
  for (const { c, end } of scored) {
    if (out.length >= count) break;
    const sentence = c.text.slice(c.start, end);
    if (seen.has(sentence) || (perSource.get(c.sourceId) ?? 0) >= 2) continue;
    seen.add(sentence);
    perSource.set(c.sourceId, (perSource.get(c.sourceId) ?? 0) + 1);
    out.push({ sentence, sourceId: c.sourceId, start: c.start, end });
  }
  return out;
}
