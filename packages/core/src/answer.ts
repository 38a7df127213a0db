import type { Entity } from './entity';
import { assessPrompt, declineReason, isCovered, type Confidence } from './confidence';
import type { LexIndex, QueryTerm, Scope } from './lexindex';
import { FIELDS, type FieldName, type QueryParams } from './params';
import type { RankExplanation } from './ranker';
import { standardPrompt, type StandardPrompt } from './standardize';
import { BARE_NUMBER, isGeneric, relatedFromResults, type RelatedToken } from './related';
import { seeAlsoOf, type SeeAlso } from './seealso';
import { chooseSummary, MIN_SENTENCE, type SummaryCandidate } from './summary';
import { MT_SEP } from './tokenizer';

export interface Snippet {
  /** Verbatim slice of the entity's text: text === entity.text.slice(start, end). */
  text: string;
  start: number;
  end: number;
}

export interface AnswerResult {
  id: string;
  title: string;
  url?: string;
  category: string[];
  tags: string[];
  /** Share of the best achievable score for this prompt, 0..1. */
  score: number;
  snippets: Snippet[];
  parent?: string;
  /** Why this result (only with the `explain` parameter). */
  explain?: ResultExplanation;
}

/**
 * Why a result scored what it did: the prompt terms it holds (matched multi-tokens among them) with each one's share
 * of the score, and each field's share. Shares are of the result's raw score, 0..1; the terms' shares, the fields'
 * shares and `softMatch` each add up to 1 with it (rounding aside).
 */
export interface ResultExplanation {
  terms: Array<{ token: string; words: number; expansion: boolean; share: number; fields: Record<FieldName, number> }>;
  fields: Record<FieldName, number>;
  softMatch: number;
}

export interface Answer {
  prompt: string;
  matched: Array<{ token: string; count: number; weight: number; df: number }>;
  results: AnswerResult[];
  /** Extractive summary: each sentence verbatim from the entity it cites. */
  summary: Array<{ sentence: string; sourceId: string; start: number; end: number }>;
  categories: Array<{ path: string; score: number }>;
  /** Related multi-tokens from the top results, then words associated with the prompt (related.ts). */
  related: RelatedToken[];
  seeAlso: SeeAlso[];
  suggestions: string[];
  noAnswer?: { reason: string };
  /** How well the collection covers the prompt (see confidence.ts); absent when nothing was ranked. */
  confidence?: Confidence;
  params: QueryParams;
  timings: { matchMs: number; rankMs: number; answerMs: number; totalMs: number };
}

/**
 * Builds the answer object: match the prompt (or take its standard form, matched before under the same scope),
 * rank, then cite. Everything is read through the caller's scope: a restricted caller's answer is made of the
 * entities it may see and of statistics counted over them (DESIGN.md). The answer reads the prompt only through its
 * standard form, except `prompt`, which echoes it: keep it so (anything more the answer needs from the prompt goes
 * into the StandardPrompt and its key), or a cached answer of one paraphrase would differ from the answer computed
 * for another.
 */
export function buildAnswer(idx: LexIndex, prompt: string, p: QueryParams, scope: Scope, now: () => number, standard?: StandardPrompt): Answer {
  const t0 = now();
  const { terms, missing, searchable, words, lacking, written } = standard ?? standardPrompt(idx.matchPrompt(prompt, p, scope));
  const t1 = now();
  const answer: Answer = {
    prompt,
    matched: terms
      .filter((q) => !q.expansion)
      .map((q) => ({ token: asWritten(q.key, written, idx, scope), count: scope.count(q.termId), weight: round(q.weight), df: scope.df(q.termId) })),
    results: [],
    summary: [],
    categories: [],
    related: [],
    seeAlso: [],
    suggestions: [],
    params: p,
    timings: { matchMs: 0, rankMs: 0, answerMs: 0, totalMs: 0 },
  };
  if (scope.live === 0) {
    answer.noAnswer = { reason: 'the collection is empty: ingest documents first' };
  } else if (!searchable) {
    answer.noAnswer = { reason: 'the prompt has no searchable words (only stopwords, ignored words or punctuation)' };
  } else if (terms.filter((q) => !q.expansion).length === 0) {
    answer.noAnswer = {
      reason: `none of the prompt's words occur in the collection (${missing.join(', ')})`,
    };
  }
  let t2 = t1;
  if (!answer.noAnswer) {
    const r = idx.rank(terms, p, p.k, scope);
    t2 = now();
    const top = r.slots[0];
    const confidence =
      top === undefined
        ? null
        : assessPrompt(
            (key) => idx.termIdOf(key),
            scope,
            p,
            words,
            lacking,
            { score: r.scores[0] as number, maxScore: r.maxScore, holds: (t) => idx.slotHolds(top, t) },
            idx.options.typicalBest,
          );
    if (confidence) answer.confidence = rounded(confidence);
    if (!r.slots.length) {
      answer.noAnswer = { reason: p.category ? `no entity under category "${p.category}" matches the prompt` : 'no entity matches the prompt' };
    } else if (confidence && !isCovered(confidence, p, new Set(words).size)) {
      answer.noAnswer = { reason: declineReason(confidence) };
    } else {
      const needles = needlesFor(idx, terms);
      r.slots.forEach((slot, i) => {
        const e = idx.slotEntity(slot) as Entity;
        const score = r.maxScore > 0 ? Math.min(1, (r.scores[i] as number) / r.maxScore) : 0;
        const res: AnswerResult = {
          id: e.id,
          title: e.title,
          category: e.category,
          tags: e.tags,
          score: round(score),
          snippets: p.snippetsPerResult > 0 ? snippetsFor(e, needles, p.snippetsPerResult, p.snippetChars) : [],
        };
        if (e.url) res.url = e.url;
        if (e.parent) res.parent = e.parent;
        answer.results.push(res);
      });
      if (p.explain) {
        idx.explainRanked(terms, p, r.slots, r.scores, scope).forEach((ex, i) => ((answer.results[i] as AnswerResult).explain = shown(idx, ex, written, scope)));
      }
      if (p.sections) addSections(idx, answer, terms, r.slots, needles, p, scope);
    }
  }
  const t3 = now();
  answer.timings = {
    matchMs: round(t1 - t0),
    rankMs: round(t2 - t1),
    answerMs: round(t3 - t2),
    totalMs: round(t3 - t0),
  };
  return answer;
}

/** A matched term shown as the prompt wrote its words ("specifiers", not the corpus's "specified"). */
function asWritten(key: string, written: ReadonlyMap<string, string>, idx: LexIndex, scope: Scope): string {
  const words = key.split(MT_SEP);
  return words.every((w) => written.has(w)) ? words.map((w) => written.get(w) as string).join(' ') : idx.display(key, scope);
}

/** A ranking explanation as the answer shows it: terms as the prompt wrote them, shares of the score, rounded. */
function shown(idx: LexIndex, ex: RankExplanation, written: ReadonlyMap<string, string>, scope: Scope): ResultExplanation {
  const total = ex.terms.reduce((sum, t) => sum + t.score, 0) / (1 - ex.softMatch || 1);
  const share = (x: number) => (total > 0 ? round(x / total) : 0);
  const fieldShares = (f: Record<FieldName, number>, scale: (x: number) => number) =>
    Object.fromEntries(FIELDS.map((name) => [name, scale(f[name])])) as Record<FieldName, number>;
  return {
    terms: ex.terms.map((t) => ({ token: asWritten(t.key, written, idx, scope), words: t.words, expansion: t.expansion, share: share(t.score), fields: fieldShares(t.fields, share) })),
    fields: fieldShares(ex.fields, round),
    softMatch: round(ex.softMatch),
  };
}

function noClock(): number {
  return 0;
}

function rounded(c: Confidence): Confidence {
  const out: Confidence = { coverage: round(c.coverage), best: round(c.best), held: round(c.held), rareHeld: round(c.rareHeld) };
  if (c.strength !== undefined) out.strength = round(c.strength);
  return out;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

interface Needle {
  /** lowercase surface form to find in text */
  s: string;
  /** which prompt word it stands for */
  group: number;
  /** hash of `s` for the word tables, computed on first use (once per answer, not once per cited entity) */
  h?: number;
}

/** The prompt's matched words (expansions left out), each once, in prompt order: needle group g is word g. */
function promptWordKeys(terms: readonly QueryTerm[]): string[] {
  return [...new Set(terms.filter((q) => !q.expansion).flatMap((q) => q.key.split(MT_SEP)))];
}

/** Surface forms to look for in result text: every known surface of each matched single word. */
function needlesFor(idx: LexIndex, terms: QueryTerm[]): Needle[] {
  const out: Needle[] = [];
  const found = new Set<string>();
  promptWordKeys(terms).forEach((w, group) => {
    const forms = idx.surfacesOf(w, 4);
    if (!forms.includes(w)) forms.push(w);
    for (const s of forms) {
      if (found.has(s)) continue;
      found.add(s);
      out.push({ s, group });
    }
  });
  return out;
}

/** Matches kept per needle, and characters scanned: bound the cost of citing very long entities. */
const MAX_MATCHES_PER_NEEDLE = 24;
const MAX_SCAN_CHARS = 40_000;

function isWordChar(c: number): boolean {
  // letters, digits, underscore (ASCII fast path; any non-ASCII character counts as a word char)
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}

/** Whether text[i, i + len) is a whole word: no word character right before or after it (past either end is none). */
function isWholeWord(text: string, i: number, len: number): boolean {
  return !isWordChar(text.charCodeAt(i - 1)) && !isWordChar(text.charCodeAt(i + len));
}

/** Exactly the characters `/\s/` matches. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function isWordForm(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isWordChar(s.charCodeAt(i))) return false;
  return s.length > 0;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function hashOf(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

type Match = { pos: number; len: number; group: number };

/**
 * The words of the cited head of an entity's text, built once per entity object (on its second citation, see
 * {@link citedOf}): each maximal run of word characters of the lowercased text, with its bounds, bucketed by a hash
 * of its characters. Citing then looks each prompt word up in its bucket instead of searching the text for it.
 */
interface WordTable {
  lower: string;
  /** Start offset and length of each word. */
  start: Int32Array;
  len: Uint16Array;
  /** Words by hash bucket (hash & mask), each bucket's words in text order: order[bucket[b] .. bucket[b + 1]). */
  mask: number;
  bucket: Int32Array;
  order: Int32Array;
  /** Sentence breaks of the text, up to `covered`: see {@link sentenceAround}. */
  breaks: SentenceBreaks;
}

let scratch = new Int32Array(3 * 4096);

/** The lowercased head of an entity's text (null when lowercasing changes its length: offsets would not map back). */
function lowerHead(e: Entity): string | null {
  // only the head of a very long text is scanned for citations
  const lower = (e.text.length > MAX_SCAN_CHARS ? e.text.slice(0, MAX_SCAN_CHARS) : e.text).toLowerCase();
  return lower.length === Math.min(e.text.length, MAX_SCAN_CHARS) ? lower : null;
}

/** The word table of an entity, built now (null when its text cannot be cited). */
function wordTable(e: Entity): WordTable | null {
  const lower = lowerHead(e);
  return lower === null ? null : buildTable(e, lower);
}

function buildTable(e: Entity, lower: string): WordTable {
  const len = lower.length;
  if (scratch.length < 3 * (len / 2 + 1)) scratch = new Int32Array(3 * Math.ceil(len / 2 + 1));
  let n = 0;
  let i = 0;
  while (i < len) {
    let c = lower.charCodeAt(i);
    if (!isWordChar(c)) {
      i++;
      continue;
    }
    const from = i;
    let h = FNV_OFFSET;
    do {
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    } while (i < len && isWordChar((c = lower.charCodeAt(i))));
    scratch[3 * n] = from;
    scratch[3 * n + 1] = i;
    scratch[3 * n + 2] = h;
    n++;
  }
  const start = new Int32Array(n);
  const wordLen = new Uint16Array(n);
  for (let w = 0; w < n; w++) {
    start[w] = scratch[3 * w] as number;
    // a word is at most MAX_SCAN_CHARS (< 65,536) long
    wordLen[w] = (scratch[3 * w + 1] as number) - (scratch[3 * w] as number);
  }
  let size = 16;
  while (size < n) size *= 2;
  const mask = size - 1;
  const bucket = new Int32Array(size + 1);
  for (let w = 0; w < n; w++) {
    const b = ((scratch[3 * w + 2] as number) & mask) + 1;
    bucket[b] = (bucket[b] as number) + 1;
  }
  for (let b = 0; b < size; b++) bucket[b + 1] = (bucket[b + 1] as number) + (bucket[b] as number);
  const fill = bucket.slice(0, size);
  const order = new Int32Array(n);
  for (let w = 0; w < n; w++) {
    const b = (scratch[3 * w + 2] as number) & mask;
    order[fill[b] as number] = w;
    fill[b] = (fill[b] as number) + 1;
  }
  return { lower, start, len: wordLen, mask, bucket, order, breaks: sentenceBreaks(e.text) };
}

/**
 * Whole-word occurrences of the needles in (the first MAX_SCAN_CHARS of) the lowercased text, in text order: for each
 * needle its first MAX_MATCHES_PER_NEEDLE. Needles made of word characters only are looked up among the text's words
 * in their hash buckets; a needle holding other characters ("node.js", "c++") is searched in the text, the forms of
 * one prompt word through their longest common prefix.
 */
function findMatches(t: WordTable, needles: readonly Needle[]): Match[] {
  const out: Match[] = [];
  const words: Needle[] = [];
  for (const forms of groupsOf(needles)) {
    if (forms.every((f) => isWordForm(f.s))) words.push(...forms);
    else scanText(t.lower, forms, out);
  }
  const scanned = out.length > 0;
  if (words.length) lookUpWords(t, words, out);
  return scanned ? out.sort((a, b) => a.pos - b.pos) : out;
}

/** The needles of each prompt word: runs of the same group (needlesFor emits them group by group). */
function groupsOf(needles: readonly Needle[]): Needle[][] {
  const out: Needle[][] = [];
  for (const n of needles) {
    const last = out[out.length - 1];
    if (last && (last[0] as Needle).group === n.group) last.push(n);
    else out.push([n]);
  }
  return out;
}

/** Matches of word-only needles among the table's words (first MAX_MATCHES_PER_NEEDLE per needle), in text order. */
function lookUpWords(t: WordTable, forms: readonly Needle[], out: Match[]): void {
  const { lower, start, len, mask, bucket, order } = t;
  const from = out.length;
  for (const form of forms) {
    const h = (form.h ??= hashOf(form.s));
    const b = h & mask;
    let found = 0;
    for (let k = bucket[b] as number, stop = bucket[b + 1] as number; k < stop && found < MAX_MATCHES_PER_NEEDLE; k++) {
      const w = order[k] as number;
      const pos = start[w] as number;
      // the words of a bucket share the low bits of their hash: the word itself decides
      if (len[w] !== form.s.length || !lower.startsWith(form.s, pos)) continue;
      out.push({ pos, len: form.s.length, group: form.group });
      found++;
    }
  }
  if (forms.length > 1 && out.length - from > 1) {
    const mine = out.splice(from).sort((x, y) => x.pos - y.pos);
    for (const m of mine) out.push(m);
  }
}

/** Matches of one prompt word's forms found by searching the text (the longest common prefix of the forms). */
function scanText(lower: string, forms: readonly Needle[], out: Match[]): void {
  let prefix = (forms[0] as Needle).s;
  for (const f of forms) {
    let k = 0;
    while (k < prefix.length && k < f.s.length && prefix.charCodeAt(k) === f.s.charCodeAt(k)) k++;
    prefix = prefix.slice(0, k);
  }
  if (prefix.length >= 3 || forms.length === 1) scanGroup(lower, prefix, forms, out);
  else for (const f of forms) scanGroup(lower, f.s, [f], out);
}

/** Matches of `forms` (all starting with `prefix`) found by searching `prefix`. */
function scanGroup(lower: string, prefix: string, forms: readonly Needle[], out: Match[]): void {
  const found = new Array<number>(forms.length).fill(0);
  let open = forms.length;
  let from = 0;
  while (open > 0) {
    const i = lower.indexOf(prefix, from);
    if (i < 0) break;
    from = i + 1;
    if (i > 0 && isWordChar(lower.charCodeAt(i - 1))) continue;
    for (let f = 0; f < forms.length; f++) {
      const n = forms[f] as Needle;
      if ((found[f] as number) >= MAX_MATCHES_PER_NEEDLE || !lower.startsWith(n.s, i)) continue;
      const j = i + n.s.length;
      if (j < lower.length && isWordChar(lower.charCodeAt(j))) continue;
      out.push({ pos: i, len: n.s.length, group: n.group });
      found[f] = (found[f] as number) + 1;
      if (found[f] === MAX_MATCHES_PER_NEEDLE) open--;
    }
  }
}

/**
 * What citing an entity reads: its word table once it has been cited before, else (the first time) its lowercased
 * head, searched directly. A table costs more to build than one search of the text, and most entities of a large
 * collection are cited once or never: building it on the second citation keeps the first as cheap as a plain scan.
 */
const tables = new WeakMap<Entity, WordTable | null>();
const citedOnce = new WeakMap<Entity, string>();

/** The matches of one answer's needles in an entity, and the table its sentences are read from (null: walk the text). */
interface Cited {
  matches: Match[];
  table: WordTable | null;
}

/** Per needle list (one answer) and entity: snippets and the summary read the same matches. */
const citedCache = new WeakMap<readonly Needle[], Map<Entity, Cited | null>>();

/** The inner map of a two-level cache, created on first use. */
function innerMap<K extends object, K2, V>(outer: WeakMap<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

function citedOf(e: Entity, needles: readonly Needle[]): Cited | null {
  const byEntity = innerMap(citedCache, needles);
  let c = byEntity.get(e);
  if (c !== undefined) return c;
  let table = tables.get(e);
  if (table === undefined) {
    const lower = citedOnce.get(e);
    if (lower !== undefined) {
      table = buildTable(e, lower);
      tables.set(e, table);
      citedOnce.delete(e);
    } else {
      const head = lowerHead(e);
      if (head === null) tables.set(e, null);
      else citedOnce.set(e, head);
      c = head === null ? null : { matches: scanMatches(head, needles), table: null };
      byEntity.set(e, c);
      return c;
    }
  }
  c = table === null ? null : { matches: findMatches(table, needles), table };
  byEntity.set(e, c);
  return c;
}

/** The matches {@link findMatches} reads from a word table, found by searching the lowercased text. */
function scanMatches(lower: string, needles: readonly Needle[]): Match[] {
  const out: Match[] = [];
  for (const forms of groupsOf(needles)) scanText(lower, forms, out);
  return out.sort((a, b) => a.pos - b.pos);
}

/** Characters past the cited head whose sentence breaks are indexed too (a sentence may run past the head). */
const BREAKS_BEYOND = 2048;

/**
 * Where sentences start and end, found once per entity: `starts` holds every s where a sentence may begin (after a
 * newline, or after . ! ? followed by a space), `newlines` every newline position (a sentence ends before it), and
 * `stops` every e + 1 after . ! ? followed by a space or the end of the text (a sentence ends after it). Indexed
 * over text[0, covered).
 */
interface SentenceBreaks {
  covered: number;
  starts: Int32Array;
  newlines: Int32Array;
  stops: Int32Array;
}

function sentenceBreaks(text: string): SentenceBreaks {
  const len = text.length;
  const covered = Math.min(len, MAX_SCAN_CHARS + BREAKS_BEYOND);
  // newlines, then the ends of . ! ? followed by a space or the end of the text, each found by a native search
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0 && i < covered; i = text.indexOf('\n', i + 1)) newlines.push(i);
  const stops: number[] = [];
  for (const mark of ['.', '!', '?']) {
    const from = stops.length;
    for (let i = text.indexOf(mark); i >= 0 && i < covered; i = text.indexOf(mark, i + 1)) {
      if (i + 1 >= len || isSpace(text.charCodeAt(i + 1))) stops.push(i + 1);
    }
    if (from > 0 && stops.length > from) stops.sort((x, y) => x - y);
  }
  // a sentence starts after a newline, or after a stop that is not the end of the text
  const starts = new Int32Array(newlines.length + stops.length);
  let n = 0;
  let a = 0;
  let b = 0;
  while (a < newlines.length || b < stops.length) {
    const x = a < newlines.length ? (newlines[a] as number) + 1 : Number.POSITIVE_INFINITY;
    const y = b < stops.length ? (stops[b] as number) : Number.POSITIVE_INFINITY;
    // x !== y: x - 1 holds a newline, y - 1 a stop mark
    if (x < y) {
      starts[n++] = x;
      a++;
    } else {
      if (y < len) starts[n++] = y;
      b++;
    }
  }
  return { covered, starts: starts.slice(0, n), newlines: Int32Array.from(newlines), stops: Int32Array.from(stops) };
}

/** Index of the first element >= x in a sorted array (its length when none is). */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Bounds of the sentence around a position, up to `limit` characters each way, read from the entity's sentence
 * breaks: the same bounds {@link walkSentence} finds by walking the text, without the walk.
 */
function sentenceAround(text: string, br: SentenceBreaks, pos: number, limit: number): { start: number; end: number } {
  const maxEnd = Math.min(text.length, pos + limit);
  if (maxEnd > br.covered) return walkSentence(text, pos, limit);
  const si = lowerBound(br.starts, pos + 1) - 1;
  let start = Math.max(Math.max(0, pos - limit), si >= 0 ? (br.starts[si] as number) : 0);
  const ni = lowerBound(br.newlines, pos);
  const pi = lowerBound(br.stops, pos + 1);
  let end = Math.min(maxEnd, ni < br.newlines.length ? (br.newlines[ni] as number) : maxEnd, pi < br.stops.length ? (br.stops[pi] as number) : maxEnd);
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

/** Bounds of the sentence around a position, up to `limit` characters each way, by walking the text. */
function walkSentence(text: string, pos: number, limit: number): { start: number; end: number } {
  let start = pos;
  const minStart = Math.max(0, pos - limit);
  while (start > minStart) {
    const c = text.charCodeAt(start - 1);
    if (c === 10) break;
    if ((c === 46 || c === 33 || c === 63) && start < text.length && isSpace(text.charCodeAt(start))) break;
    start--;
  }
  let end = pos;
  const maxEnd = Math.min(text.length, pos + limit);
  while (end < maxEnd) {
    const c = text.charCodeAt(end);
    if (c === 10) break;
    end++;
    if ((c === 46 || c === 33 || c === 63) && (end >= text.length || isSpace(text.charCodeAt(end)))) break;
  }
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

/** A candidate passage (the sentence around a match) with the number of distinct prompt words it holds. */
interface Passage {
  start: number;
  end: number;
  groups: number;
  firstPos: number;
}

/** Number of distinct groups in a passage: a bit mask for the first 31 prompt words, a set beyond. */
class GroupCount {
  private mask = 0;
  private more: Set<number> | null = null;
  size = 0;
  reset(group: number): void {
    this.mask = 0;
    this.more = null;
    this.size = 0;
    this.add(group);
  }
  add(group: number): void {
    if (group < 31) {
      const bit = 1 << group;
      if (this.mask & bit) return;
      this.mask |= bit;
    } else {
      this.more ??= new Set();
      if (this.more.has(group)) return;
      this.more.add(group);
    }
    this.size++;
  }
}

/** Candidate passages (sentences around matches) scored by the number of distinct prompt words they hold. */
function passages(e: Entity, needles: readonly Needle[], limit: number): Passage[] {
  const text = e.text;
  if (!needles.length || !text) return [];
  const cited = citedOf(e, needles);
  if (!cited) return [];
  const { matches, table } = cited;
  const out: Passage[] = [];
  let last: Passage | null = null;
  const groups = new GroupCount();
  for (const m of matches) {
    if (last && m.pos < last.end) {
      groups.add(m.group);
      last.groups = groups.size;
      continue;
    }
    const b = table ? sentenceAround(text, table.breaks, m.pos, limit) : walkSentence(text, m.pos, limit);
    if (b.end <= b.start) continue;
    groups.reset(m.group);
    last = { start: b.start, end: b.end, groups: 1, firstPos: m.pos };
    out.push(last);
  }
  return out;
}

function snippetsFor(e: Entity, needles: readonly Needle[], count: number, chars: number): Snippet[] {
  const text = e.text;
  const ps = passages(e, needles, chars * 2);
  ps.sort((a, b) => b.groups - a.groups || a.start - b.start);
  const out: Snippet[] = [];
  for (const ps1 of ps.slice(0, count)) {
    let { start, end } = ps1;
    // keep long sentences short: a window of `chars` on each side of the first match, cut at spaces
    if (end - start > chars * 2) {
      const s = Math.max(start, ps1.firstPos - chars);
      const e = Math.min(end, ps1.firstPos + chars);
      const sp = text.indexOf(' ', s);
      start = s > start && sp >= 0 && sp < ps1.firstPos ? sp + 1 : s;
      const ep = text.lastIndexOf(' ', e);
      end = e < end && ep > ps1.firstPos ? ep : e;
    }
    out.push({ text: text.slice(start, end), start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Which prompt words (needle groups) a lowercased text holds as whole words. */
function groupsIn(lower: string, needles: readonly Needle[], words: number): boolean[] {
  const has = new Array<boolean>(words).fill(false);
  for (const n of needles) {
    if (has[n.group]) continue;
    for (let i = lower.indexOf(n.s); i >= 0; i = lower.indexOf(n.s, i + 1)) {
      if (isWholeWord(lower, i, n.s.length)) {
        has[n.group] = true;
        break;
      }
    }
  }
  return has;
}

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
function summaryCandidates(idx: LexIndex, prompt: string, slots: readonly number[], terms: readonly QueryTerm[], keys: readonly string[], needles: readonly Needle[], scope: Scope): SummaryCandidate[] {
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

function addSections(idx: LexIndex, answer: Answer, terms: QueryTerm[], slots: number[], needles: readonly Needle[], p: QueryParams, scope: Scope): void {
  // Summary: sentences chosen for the prompt among the top results' (summary.ts), verbatim, with their sources.
  const top = slots.slice(0, Math.max(3, Math.min(5, p.summarySentences * 2)));
  const promptKeys = promptWordKeys(terms);
  if (p.summarySentences > 0) answer.summary = chooseSummary(summaryCandidates(idx, answer.prompt, top, terms, promptKeys, needles, scope), p.summarySentences);

  // Categories: the category paths of the results, weighted by score.
  const cats = new Map<string, number>();
  answer.results.forEach((r) => {
    if (!r.category.length) return;
    const path = r.category.join(' > ');
    cats.set(path, (cats.get(path) ?? 0) + r.score);
  });
  const maxCat = Math.max(0, ...cats.values());
  answer.categories = [...cats.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 5)
    .map(([path, s]) => ({ path, score: round(maxCat > 0 ? s / maxCat : 0) }));

  // Related: the multi-tokens the top results share around the prompt's words (related.ts), then the x-embeddings of
  // the prompt as a whole: a word associated with more of the prompt's words ranks first (so one word's other sense
  // does not lead), then by summed PMI; generic tokens and bare numbers do not qualify.
  const own = new Set<string>();
  for (const q of terms) for (const w of q.key.split(MT_SEP)) own.add(w);
  const rel = new Map<number, { words: number; pmi: number; nab: number }>();
  const live = Math.max(1, scope.live);
  for (const w of promptKeys) {
    const t = idx.termIdOf(w);
    if (t === undefined) continue;
    for (const a of idx.associations(t, p.pmi, p.minJointCount, p.relatedCount * 3, scope)) {
      if (a.pmi < p.minPmi) continue;
      const key = idx.termKey(a.termId);
      if (own.has(key) || BARE_NUMBER.test(key) || isGeneric(scope.df(a.termId), live)) continue;
      const cur = rel.get(a.termId) ?? { words: 0, pmi: 0, nab: 0 };
      cur.words++;
      cur.pmi += a.pmi;
      cur.nab = Math.max(cur.nab, a.nab);
      rel.set(a.termId, cur);
    }
  }
  const related = [...rel.entries()].sort(
    (a, b) => b[1].words - a[1].words || b[1].pmi - a[1].pmi || b[1].nab - a[1].nab || (idx.termKey(a[0]) < idx.termKey(b[0]) ? -1 : 1),
  );
  const fromResults = relatedFromResults(idx, top, own, scope, p.relatedCount);
  const words: RelatedToken[] = related.map(([t, v]) => ({ token: idx.display(idx.termKey(t), scope), pmi: round(v.pmi), count: v.nab }));
  answer.related = [...fromResults, ...words].slice(0, p.relatedCount);

  // See also: the results' explicit see-also links, then the pages several results link to (seealso.ts).
  answer.seeAlso = seeAlsoOf(idx, answer.results, scope);

  // Suggestions: multi-tokens of the corpus (distilled, df >= 2) that join a prompt word with a related token, in
  // their display form: each names something the corpus holds, so asking it gets an answer.
  const promptSet = [...promptKeys].sort().join(' ');
  // whether a suggestion gets an answer is decided by its best result alone: rank one, cite nothing
  const answerOnly: QueryParams = { ...p, sections: false, explain: false, k: 1, snippetsPerResult: 0 };
  const suggestions: string[] = [];
  const taken = new Set<number>();
  for (const [r] of related.slice(0, 8)) {
    if (suggestions.length >= 3) break;
    const rk = idx.termKey(r);
    for (const w of promptKeys) {
      const wt = idx.termIdOf(w);
      if (wt === undefined || isGeneric(scope.df(wt), live)) continue;
      // of the orderings the corpus holds, the most frequent (then by key): term ids follow the order of additions,
      // so they must not decide, or an updated index would suggest otherwise than a rebuild
      let found: number | undefined;
      for (const t of idx.sortedLookup([w, rk])) {
        if (taken.has(t) || scope.df(t) < 2) continue;
        if (found === undefined || scope.df(t) > scope.df(found) || (scope.df(t) === scope.df(found) && idx.termKey(t) < idx.termKey(found))) found = t;
      }
      if (found === undefined) continue;
      const key = idx.termKey(found);
      if (key.split(MT_SEP).sort().join(' ') === promptSet) continue;
      taken.add(found);
      const shown = idx.display(key, scope);
      // asked, it must get an answer under the same parameters and scope (the thresholds may decline a phrase)
      if (buildAnswer(idx, shown, answerOnly, scope, noClock).noAnswer) continue;
      suggestions.push(shown);
      break;
    }
  }
  answer.suggestions = suggestions;
}

/** @internal The citation scan's parts, for the property tests that hold them to the plain text walk. */
export const citationInternals = {
  wordTable,
  findMatches,
  scanMatches,
  citedOf,
  sentenceAround,
  walkSentence,
  sentenceBreaks,
  scanText,
  MAX_SCAN_CHARS,
};
