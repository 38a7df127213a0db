import type { Entity } from './entity';
import type { LexIndex, QueryTerm } from './lexindex';
import { MT_SEP } from './tokenizer';

/**
 * Citing a result: the surface forms of the prompt's words found in its text (a word table per entity, or a scan of
 * its lowercased head), the sentences around them, and the snippets and summary passages read from those. Offsets
 * count UTF-16 code units, as JavaScript string indices do.
 */

export interface Snippet {
  /** Verbatim slice of the entity's text: text === entity.text.slice(start, end). */
  text: string;
  start: number;
  end: number;
}

export interface Needle {
  /** lowercase surface form to find in text */
  s: string;
  /** which prompt word it stands for */
  group: number;
  /** hash of `s` for the word tables, computed on first use (once per answer, not once per cited entity) */
  h?: number;
}

/** The prompt's matched words (expansions left out), each once, in prompt order: needle group g is word g. */
export function promptWordKeys(terms: readonly QueryTerm[]): string[] {
  return [...new Set(terms.filter((q) => !q.expansion).flatMap((q) => q.key.split(MT_SEP)))];
}

/** Surface forms to look for in result text: every known surface of each matched single word. */
export function needlesFor(idx: LexIndex, terms: QueryTerm[]): Needle[] {
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
export const MAX_SCAN_CHARS = 40_000;

export function isWordChar(c: number): boolean {
  // letters, digits, underscore (ASCII fast path; any non-ASCII character counts as a word char)
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}

/** Whether text[i, i + len) is a whole word: no word character right before or after it (past either end is none). */
export function isWholeWord(text: string, i: number, len: number): boolean {
  return !isWordChar(text.charCodeAt(i - 1)) && !isWordChar(text.charCodeAt(i + len));
}

/** Exactly the characters `/\s/` matches. */
export function isSpace(c: number): boolean {
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

export type Match = { pos: number; len: number; group: number };

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
export function innerMap<K extends object, K2, V>(outer: WeakMap<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

export function citedOf(e: Entity, needles: readonly Needle[]): Cited | null {
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
export function walkSentence(text: string, pos: number, limit: number): { start: number; end: number } {
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
export function passages(e: Entity, needles: readonly Needle[], limit: number): Passage[] {
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

export function snippetsFor(e: Entity, needles: readonly Needle[], count: number, chars: number): Snippet[] {
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
export function groupsIn(lower: string, needles: readonly Needle[], words: number): boolean[] {
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
