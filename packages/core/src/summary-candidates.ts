import type { Entity } from './entity';
import type { LexIndex, QueryTerm, Scope } from './lexindex';
import { groupsIn, innerMap, isSpace, isWholeWord, isWordChar, MAX_SCAN_CHARS, passages, walkSentence, type Match, type Needle } from './citations';
import { MIN_SENTENCE, type SummaryCandidate } from './summary';
import { MT_SEP } from './tokenizer';

/**
 * The summary's candidate sentences: around the prompt's words in the top results, and the first sentences under the
 * headings and defined terms that name the prompt (summary.ts chooses among them).
 */

/**
 * Which of the multi-tokens (each the needle groups of its words) a lowercased sentence holds as a phrase: the
 * weight of the heaviest one whose words occur next to each other, in any order, with nothing between them but
 * punctuation and stopwords (as the engine's multi-tokens bridge them); 0 when none does.
 */
function phraseWeight(idx: LexIndex, lower: string, needles: readonly Needle[], multi: ReadonlyArray<{ groups: number[]; weight: number }>): number {
  const hits: Match[] = [];
  for (const n of needles) {
    for (let i = lower.indexOf(n.s); i >= 0; i = lower.indexOf(n.s, i + 1)) {
      if (isWholeWord(lower, i, n.s.length)) hits.push({ pos: i, len: n.s.length, group: n.group });
    }
  }
  hits.sort((x, y) => x.pos - y.pos || y.len - x.len);
  // runs of occurrences with only punctuation and stopwords between neighbours
  const bridged = (x: Match, y: Match) => {
    const gap = lower.slice(x.pos + x.len, y.pos);
    return y.pos >= x.pos + x.len && gap.split(/[^\p{L}\p{N}_]+/u).every((w) => w === '' || idx.analyzer.key(w) === '');
  };
  let best = 0;
  for (const { groups, weight } of multi) {
    if (weight <= best) continue;
    for (let i = 0; i + groups.length <= hits.length && weight > best; i++) {
      const seen = new Set<number>();
      for (let k = i; k < i + groups.length; k++) {
        if (k > i && !bridged(hits[k - 1] as Match, hits[k] as Match)) break;
        seen.add((hits[k] as Match).group);
      }
      if (seen.size === groups.length && groups.every((g) => seen.has(g))) best = weight;
    }
  }
  return best;
}

/** Lines of an entity's headings and terms, and where the first sentence under each starts and ends. */
interface Lead {
  /** Offset of the heading's or term's line in `text`. */
  line: number;
  start: number;
  end: number;
}

/** A section number opening a heading ("8.15.3. ", "F.3. "). */
const SECTION_NUMBER = /^(?:[A-Z]|\d+)(?:\.\d+)*\.\s/;

/** A chapter's or appendix's number ("Chapter 15. ", "Appendix F. "): its sections' numbers start with "15.", "F.". */
const CHAPTER_NUMBER = /^(?:Chapter|Appendix) ((?:[A-Z]|\d+)\.)\s/;
/** The line that opens a chapter's list of its sections. */
const TABLE_OF_CONTENTS = 'Table of Contents';

/** An entity's headings and terms: each one's kind, and each one lowercased (in the order of the map). */
interface Labels {
  kind: Map<string, 'heading' | 'term'>;
  lower: string[];
}
const labelCache = new WeakMap<Entity, Labels>();

/**
 * An entity's headings and defined terms, each marked as a heading or a term (a term that opens with a section number
 * is a heading listed in a table of contents), computed once per entity.
 */
function labelsOf(e: Entity): Labels {
  let labels = labelCache.get(e);
  if (!labels) {
    const kind = new Map<string, 'heading' | 'term'>();
    for (const h of e.headings ?? []) kind.set(h, 'heading');
    for (const t of e.terms ?? []) if (!kind.has(t)) kind.set(t, SECTION_NUMBER.test(t) ? 'heading' : 'term');
    labels = { kind, lower: [...kind.keys()].map((l) => l.toLowerCase()) };
    labelCache.set(e, labels);
  }
  return labels;
}

/** Occurrences of a heading's text tried when looking for its line (a table of contents lists it before). */
const LEAD_TRIES = 8;
const leadCache = new WeakMap<Entity, Map<string, Lead | null>>();

/**
 * The first sentence under a heading or defined term of an entity: the first line of the text equal to the label that
 * is followed by a line of text other than another label, and for a heading, not preceded by another heading (a table
 * of contents lists headings one after another). The table of contents of a numbered heading's own subsections
 * ("F.3.1. …" under "F.3. auth_delay") is skipped.
 */
function leadOf(e: Entity, label: string): Lead | null {
  const byLabel = innerMap(leadCache, e);
  const cached = byLabel.get(label);
  if (cached !== undefined) return cached;
  const text = e.text;
  const labels = labelsOf(e).kind;
  const number = SECTION_NUMBER.exec(label)?.[0].trimEnd() ?? CHAPTER_NUMBER.exec(label)?.[1];
  let found: Lead | null = null;
  let from = 0;
  for (let tries = 0; tries < LEAD_TRIES && !found; tries++) {
    const i = text.indexOf(label, from);
    if (i < 0) break;
    from = i + 1;
    let after = i + label.length;
    if ((i > 0 && text.charCodeAt(i - 1) !== 10) || text.charCodeAt(after) !== 10) continue;
    // a heading right after another heading is an entry of a table of contents
    if (i > 0 && labels.get(label) === 'heading' && labels.get(text.slice(text.lastIndexOf('\n', i - 2) + 1, i - 1).trim()) === 'heading') continue;
    let next = '';
    for (;;) {
      const nl = text.indexOf('\n', after + 1);
      next = text.slice(after + 1, nl < 0 ? text.length : nl).trim();
      // the heading's own subsections listed under it, after a "Table of Contents" line at most
      if (number === undefined || nl < 0 || (!(labels.has(next) && next.startsWith(number)) && next !== TABLE_OF_CONTENTS)) break;
      after = nl;
    }
    if (!next || labels.has(next)) continue;
    const b = walkSentence(text, after + 1, 600);
    if (b.end > b.start) found = { line: i, start: b.start, end: b.end };
  }
  byLabel.set(label, found);
  return found;
}

/** The line holding text[start, end), trimmed ("8.15.1. Declaration of Array Types" for "Declaration of Array Types"). */
function lineAround(text: string, start: number, end: number): string {
  const nl = text.indexOf('\n', end);
  return text.slice(text.lastIndexOf('\n', start - 1) + 1, nl < 0 ? text.length : nl).trim();
}

/** A value type after a term ("work_mem (integer)"). */
const TERM_TYPE = /\s+\([^()]*\)$/;

/** The words of a heading or term as the engine keys them, its section number and value type aside. */
function labelWords(idx: LexIndex, label: string): Set<string> {
  return new Set(idx.analyzer.sentences(label.replace(SECTION_NUMBER, '').replace(TERM_TYPE, '')).flatMap((s) => s.keys));
}

/** Occurrences of a word read past the cited head of the best result. */
const TAIL_MATCHES = 4;

/**
 * The sentences around the first TAIL_MATCHES whole-word occurrences of a word's forms (as written, or capitalized)
 * past the cited head of a long text.
 */
function tailSentences(text: string, forms: readonly Needle[]): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (const { s } of forms) {
    for (const form of new Set([s, s.charAt(0).toUpperCase() + s.slice(1)])) {
      let found = 0;
      for (let i = text.indexOf(form, MAX_SCAN_CHARS); i >= 0 && found < TAIL_MATCHES; i = text.indexOf(form, i + 1)) {
        if (!isWholeWord(text, i, form.length)) continue;
        const b = walkSentence(text, i, 300);
        if (b.end > b.start && !out.some((o) => o.start === b.start)) out.push(b);
        found++;
      }
    }
  }
  return out;
}

/** An article a sentence may open with before its subject. */
const ARTICLE = /^(?:the|an?)\s+/i;

/** Whether text[start, end) opens with one of the forms (after an article at most), as a whole word. */
function opensWith(text: string, start: number, end: number, forms: readonly Needle[]): boolean {
  const head = text.slice(start, Math.min(end, start + 80)).toLowerCase();
  const at = ARTICLE.exec(head)?.[0].length ?? 0;
  return forms.some(({ s }) => head.startsWith(s, at) && !isWordChar(head.charCodeAt(at + s.length)));
}

/** Sentences under a heading read for the first one that holds a prompt word. */
const LEAD_SENTENCES = 3;

/** Headings and terms of one entity whose lead sentences are offered to the summary, at most. */
const LEADS_PER_ENTITY = 3;

/**
 * The summary's candidate sentences from the top results (slots, best first): the sentences around the prompt's
 * words, and the first sentence under each heading or defined term that holds prompt words (a term's entry carries
 * its term line, "archive_command (string)" before its definition). Each is described by the share of the prompt's
 * weight it holds (a word weighs its idf, ln(1 + N / df)), whether it holds every word, and the weight of the
 * heaviest matched multi-token it holds as a phrase over that of the prompt's rarest word (at most 1).
 */
export function summaryCandidates(idx: LexIndex, prompt: string, slots: readonly number[], terms: readonly QueryTerm[], keys: readonly string[], needles: readonly Needle[], scope: Scope): SummaryCandidate[] {
  const live = Math.max(1, scope.live);
  const weights = keys.map((k) => {
    const t = idx.termIdOf(k);
    return Math.log(1 + live / Math.max(1, t === undefined ? 1 : scope.df(t)));
  });
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const heaviest = weights.reduce((best, w, g) => (w > (weights[best] as number) ? g : best), 0);
  const multiGroups = terms.filter((q) => !q.expansion && q.words > 1).map((q) => q.key.split(MT_SEP).map((w) => keys.indexOf(w)));
  const multi = multiGroups.map((groups) => ({ groups, weight: Math.min(1, groups.reduce((sum, g) => sum + (weights[g] as number), 0) / (weights[heaviest] as number)) }));
  const promptSet = new Set(keys);
  // a heading or term names the prompt when it holds one of its matched multi-tokens, all of its words, or its rarest
  // word and nothing else ("seq_page_cost (floating point)" for "seq_page_cost configuration parameter")
  const names = (has: readonly boolean[], words: () => Set<string>) =>
    has.every(Boolean) || multiGroups.some((gs) => gs.every((g) => has[g])) || (has[heaviest] === true && [...words()].every((w) => promptSet.has(w)));
  const coverOf = (has: readonly boolean[]) => has.reduce((sum, h, g) => (h ? sum + (weights[g] as number) : sum), 0) / total;
  // the rarest word as the prompt wrote it (a form of another word with the same stem does not count)
  const asked = prompt.toLowerCase();
  const rarest = needles.filter((n) => n.group === heaviest && groupsIn(asked, [{ s: n.s, group: 0 }], 1)[0]);
  const out: Array<SummaryCandidate & { heaviest?: boolean }> = [];
  slots.forEach((slot, rank) => {
    const e = idx.slotEntity(slot) as Entity;
    const text = e.text;
    const describe = (start: number, end: number, lead?: { share: number; is: boolean }, body?: number): SummaryCandidate => {
      const lower = text.slice(start, end).toLowerCase();
      const has = groupsIn(lower, needles, keys.length);
      const all = has.every(Boolean);
      const phrase = multiGroups.some((gs) => gs.every((g) => has[g])) ? phraseWeight(idx, lower, needles, multi) : 0;
      const c: SummaryCandidate & { heaviest?: boolean } = { sourceId: e.id, text, start, end, cover: coverOf(has), all, phrase, rank };
      if (lead) c.lead = lead;
      if (body !== undefined) c.body = body;
      // a short one ("dense_rank () → bigint") only when it says more than the prompt ("Boolean Data Type" does not)
      if (has[heaviest] && opensWith(text, body ?? start, end, rarest) && (end - start >= MIN_SENTENCE || [...labelWords(idx, text.slice(start, end))].some((w) => !promptSet.has(w)))) c.subject = true;
      if (has[heaviest]) c.heaviest = true;
      return c;
    };
    const { kind: labels, lower } = labelsOf(e);
    // a heading's or term's own line is not a sentence: its entry is offered below
    const from = out.length;
    for (const x of passages(e, needles, 300)) if (!labels.has(lineAround(text, x.start, x.end))) out.push(describe(x.start, x.end));
    if (rank === 0 && text.length > MAX_SCAN_CHARS && !out.slice(from).some((c) => c.heaviest)) {
      // the best result speaks of the prompt's rarest word only past its cited head: read the sentences there too
      for (const b of tailSentences(text, needles.filter((n) => n.group === heaviest))) out.push(describe(b.start, b.end));
    }
    const found: Array<{ label: string; has: boolean[]; cover: number }> = [];
    let i = 0;
    for (const label of labels.keys()) {
      const l = lower[i++] as string;
      // most headings and terms hold no prompt word: a substring search skips them before any allocation
      if (!needles.some((n) => l.includes(n.s))) continue;
      const has = groupsIn(l, needles, keys.length);
      const cover = coverOf(has);
      if (cover > 0) found.push({ label, has, cover });
    }
    const held = found
      .map((l) => {
        let words: Set<string> | undefined;
        const wordsOf = () => (words ??= labelWords(idx, l.label));
        const named = names(l.has, wordsOf);
        return { ...l, named, is: named && l.has.every(Boolean) && wordsOf().size === keys.length };
      })
      .sort((a, b) => Number(b.named) - Number(a.named) || b.cover - a.cover);
    let leads = 0;
    for (const { label, has: labelHas, named, cover, is } of held) {
      if (leads >= LEADS_PER_ENTITY) break;
      const lead = leadOf(e, label);
      if (!lead) continue;
      const kind = named ? { share: cover, is } : undefined;
      if (labels.get(label) === 'term') {
        // a defined term's entry carries its term line ("archive_command (string)") before the definition
        out.push(describe(lead.line, lead.end, kind, lead.start));
      } else {
        // under a heading, the first of its first sentences that holds a prompt word
        let b: { start: number; end: number } = lead;
        for (let k = 0; k < LEAD_SENTENCES; k++) {
          const bodyHas = groupsIn(text.slice(b.start, b.end).toLowerCase(), needles, keys.length);
          if (bodyHas.some(Boolean)) {
            // the section's first sentence, under a heading that names the prompt, carries the heading's line
            // (its section number aside) as a term's entry carries its term line, when the heading holds a prompt
            // word the sentence lacks ("pg_index⏎The catalog pg_index contains…" would say it twice)
            const carry =
              named &&
              k === 0 &&
              b.end - b.start >= MIN_SENTENCE &&
              labelHas.some((h, g) => h && !bodyHas[g]) &&
              text.lastIndexOf('\n', b.start - 1) === lead.line + label.length;
            out.push(carry ? describe(lead.line + (SECTION_NUMBER.exec(label)?.[0].length ?? 0), b.end, kind, b.start) : describe(b.start, b.end, kind));
            break;
          }
          let next = b.end;
          while (next < text.length && isSpace(text.charCodeAt(next))) next++;
          if (next >= text.length) break;
          b = walkSentence(text, next, 600);
        }
      }
      leads++;
    }
  });
  return out;
}
