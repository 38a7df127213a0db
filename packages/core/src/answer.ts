import type { Entity } from './entity';
import type { LexIndex, QueryTerm } from './lexindex';
import type { QueryParams } from './params';
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
}

export interface Answer {
  prompt: string;
  matched: Array<{ token: string; count: number; weight: number; df: number }>;
  results: AnswerResult[];
  /** Extractive summary: each sentence verbatim from the entity it cites. */
  summary: Array<{ sentence: string; sourceId: string; start: number; end: number }>;
  categories: Array<{ path: string; score: number }>;
  related: Array<{ token: string; pmi: number; count: number }>;
  seeAlso: Array<{ title: string; url: string }>;
  suggestions: string[];
  noAnswer?: { reason: string };
  params: QueryParams;
  timings: { matchMs: number; rankMs: number; answerMs: number; totalMs: number };
}

/** Builds the answer object: match the prompt, rank, then cite. */
export function buildAnswer(idx: LexIndex, prompt: string, p: QueryParams, now: () => number): Answer {
  const t0 = now();
  const { terms, missing, words } = idx.matchPrompt(prompt, p);
  const t1 = now();
  const answer: Answer = {
    prompt,
    matched: terms
      .filter((q) => !q.expansion)
      .map((q) => ({ token: idx.display(q.key), count: idx.termCount(q.termId), weight: round(q.weight), df: idx.termDf(q.termId) })),
    results: [],
    summary: [],
    categories: [],
    related: [],
    seeAlso: [],
    suggestions: [],
    params: p,
    timings: { matchMs: 0, rankMs: 0, answerMs: 0, totalMs: 0 },
  };
  if (idx.size === 0) {
    answer.noAnswer = { reason: 'the collection is empty: ingest documents first' };
  } else if (words.length === 0) {
    answer.noAnswer = { reason: 'the prompt has no searchable words (only stopwords, ignored words or punctuation)' };
  } else if (terms.filter((q) => !q.expansion).length === 0) {
    answer.noAnswer = {
      reason: `none of the prompt's words occur in the collection (${missing.slice(0, 8).join(', ')})`,
    };
  }
  let t2 = t1;
  if (!answer.noAnswer) {
    const r = idx.rank(terms, p, p.k);
    t2 = now();
    if (!r.slots.length) {
      answer.noAnswer = { reason: p.category ? `no entity under category "${p.category}" matches the prompt` : 'no entity matches the prompt' };
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
      if (p.sections) addSections(idx, answer, terms, r.slots, needles, p);
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

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

interface Needle {
  /** lowercase surface form to find in text */
  s: string;
  /** which prompt word it stands for */
  group: number;
}

/** Surface forms to look for in result text: every known surface of each matched single word. */
function needlesFor(idx: LexIndex, terms: QueryTerm[]): Needle[] {
  const out: Needle[] = [];
  let group = 0;
  const seen = new Set<string>();
  const found = new Set<string>();
  for (const q of terms) {
    if (q.expansion) continue;
    for (const w of q.key.split(MT_SEP)) {
      if (seen.has(w)) continue;
      seen.add(w);
      const forms = idx.surfacesOf(w, 4);
      if (!forms.includes(w)) forms.push(w);
      for (const s of forms) {
        if (found.has(s)) continue;
        found.add(s);
        out.push({ s, group });
      }
      group++;
    }
  }
  return out;
}

/** Matches kept per needle, and characters scanned: bound the cost of citing very long entities. */
const MAX_MATCHES_PER_NEEDLE = 24;
const MAX_SCAN_CHARS = 40_000;

function isWordChar(c: number): boolean {
  // letters, digits, underscore (ASCII fast path; any non-ASCII character counts as a word char)
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}

type Match = { pos: number; len: number; group: number };

/**
 * Whole-word occurrences of the needles in (the first MAX_SCAN_CHARS of) lowercased text, in text order: for each
 * needle its first MAX_MATCHES_PER_NEEDLE. The forms of one prompt word ("index", "indexes", "indexing") are found
 * in one pass: the text is searched for their longest common prefix, and each hit is checked against every form.
 */
function findMatches(lower: string, needles: readonly Needle[]): Match[] {
  const out: Match[] = [];
  let g = 0;
  while (g < needles.length) {
    // needles of one group are adjacent (needlesFor emits them group by group)
    let h = g + 1;
    while (h < needles.length && (needles[h] as Needle).group === (needles[g] as Needle).group) h++;
    const forms = needles.slice(g, h);
    let prefix = (forms[0] as Needle).s;
    for (const f of forms) {
      let k = 0;
      while (k < prefix.length && k < f.s.length && prefix.charCodeAt(k) === f.s.charCodeAt(k)) k++;
      prefix = prefix.slice(0, k);
    }
    if (prefix.length >= 3 || forms.length === 1) scanGroup(lower, prefix, forms, out);
    else for (const f of forms) scanGroup(lower, f.s, [f], out);
    g = h;
  }
  return out.sort((a, b) => a.pos - b.pos);
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

/** Matches per entity for one needle list (one answer): snippets and the summary read the same matches. */
const matchCache = new WeakMap<readonly Needle[], Map<Entity, Match[]>>();

function matchesOf(e: Entity, lower: string, needles: readonly Needle[]): Match[] {
  let byEntity = matchCache.get(needles);
  if (!byEntity) {
    byEntity = new Map();
    matchCache.set(needles, byEntity);
  }
  let m = byEntity.get(e);
  if (!m) {
    m = findMatches(lower, needles);
    byEntity.set(e, m);
  }
  return m;
}

/** Bounds of the sentence around a position: up to `limit` characters each way. */
function sentenceAround(text: string, pos: number, limit: number): { start: number; end: number } {
  let start = pos;
  const minStart = Math.max(0, pos - limit);
  while (start > minStart) {
    const c = text.charCodeAt(start - 1);
    if (c === 10) break;
    if ((c === 46 || c === 33 || c === 63) && start < text.length && /\s/.test(text[start] as string)) break;
    start--;
  }
  let end = pos;
  const maxEnd = Math.min(text.length, pos + limit);
  while (end < maxEnd) {
    const c = text.charCodeAt(end);
    if (c === 10) break;
    end++;
    if ((c === 46 || c === 33 || c === 63) && (end >= text.length || /\s/.test(text[end] as string))) break;
  }
  while (start < end && /\s/.test(text[start] as string)) start++;
  while (end > start && /\s/.test(text[end - 1] as string)) end--;
  return { start, end };
}

interface Passage {
  start: number;
  end: number;
  groups: number;
  firstPos: number;
}

/** Candidate passages (sentences around matches) scored by the number of distinct prompt words they hold. */
const lowered = new WeakMap<Entity, string>();

/** Lowercased text of an entity, computed once per entity object. */
function lowerText(e: Entity): string {
  let l = lowered.get(e);
  if (l === undefined) {
    // only the head of a very long text is scanned for citations, so only the head is kept
    l = (e.text.length > MAX_SCAN_CHARS ? e.text.slice(0, MAX_SCAN_CHARS) : e.text).toLowerCase();
    lowered.set(e, l);
  }
  return l;
}

function passages(e: Entity, needles: readonly Needle[], limit: number): Passage[] {
  const text = e.text;
  if (!needles.length || !text) return [];
  const lower = lowerText(e);
  // offsets would not map back after a length-changing case fold (rare Unicode cases)
  if (lower.length !== Math.min(text.length, MAX_SCAN_CHARS)) return [];
  const matches = matchesOf(e, lower, needles);
  const out: Passage[] = [];
  let last: Passage | null = null;
  let groups = new Set<number>();
  for (const m of matches) {
    if (last && m.pos < last.end) {
      groups.add(m.group);
      last.groups = groups.size;
      continue;
    }
    const b = sentenceAround(text, m.pos, limit);
    if (b.end <= b.start) continue;
    groups = new Set([m.group]);
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

function addSections(idx: LexIndex, answer: Answer, terms: QueryTerm[], slots: number[], needles: readonly Needle[], p: QueryParams): void {
  // Summary: the best sentence of each of the top results, verbatim, in rank order.
  const top = slots.slice(0, Math.max(p.summarySentences, 1) * 2);
  const seen = new Set<string>();
  for (const slot of top) {
    if (answer.summary.length >= p.summarySentences) break;
    const e = idx.slotEntity(slot) as Entity;
    const ps = passages(e, needles, 300);
    ps.sort((a, b) => b.groups - a.groups || a.start - b.start);
    const best = ps.find((x) => x.end - x.start >= 25 && x.end - x.start <= 600);
    if (!best) continue;
    const sentence = e.text.slice(best.start, best.end);
    if (seen.has(sentence)) continue;
    seen.add(sentence);
    answer.summary.push({ sentence, sourceId: e.id, start: best.start, end: best.end });
  }

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

  // Related: x-embeddings of the prompt's words (PMI), without the prompt's own words.
  const own = new Set<string>();
  for (const q of terms) for (const w of q.key.split(MT_SEP)) own.add(w);
  const rel = new Map<number, { pmi: number; nab: number }>();
  for (const q of terms) {
    if (q.expansion) continue;
    for (const w of q.key.split(MT_SEP)) {
      const t = idx.termIdOf(w);
      if (t === undefined) continue;
      for (const a of idx.associations(t, p.pmi, p.minJointCount, p.relatedCount * 2)) {
        if (a.pmi < p.minPmi) continue;
        const key = idx.termKey(a.termId);
        if (own.has(key)) continue;
        const cur = rel.get(a.termId);
        if (!cur || cur.pmi < a.pmi) rel.set(a.termId, { pmi: a.pmi, nab: a.nab });
      }
    }
  }
  answer.related = [...rel.entries()]
    .sort((a, b) => b[1].pmi - a[1].pmi || b[1].nab - a[1].nab || (idx.termKey(a[0]) < idx.termKey(b[0]) ? -1 : 1))
    .slice(0, p.relatedCount)
    .map(([t, v]) => ({ token: idx.display(idx.termKey(t)), pmi: round(v.pmi), count: v.nab }));

  // See also: explicit see-also links of the results, then the entities they link to most.
  const inResults = new Set(answer.results.map((r) => r.url ?? r.id));
  const linkScore = new Map<string, { title: string; url: string; score: number }>();
  answer.results.forEach((r, rank) => {
    const e = idx.get(r.id);
    if (!e) return;
    for (const l of e.links) {
      const target = idx.get(l.url) ?? undefined;
      const url = l.url.split('#')[0] as string;
      if (inResults.has(url) || inResults.has(l.url)) continue;
      const bonus = l.kind === 'see-also' || l.kind === 'related' ? 10 : 1;
      const cur = linkScore.get(url) ?? { title: target?.title ?? l.text, url, score: 0 };
      cur.score += bonus / (rank + 1);
      linkScore.set(url, cur);
    }
  });
  answer.seeAlso = [...linkScore.values()]
    .filter((x) => x.title.trim())
    .sort((a, b) => b.score - a.score || (a.url < b.url ? -1 : 1))
    .slice(0, 5)
    .map(({ title, url }) => ({ title: title.trim(), url }));

  // Suggestions: follow-up prompts pairing the prompt's strongest token with its associated multi-tokens.
  const head = [...terms].filter((q) => !q.expansion).sort((a, b) => b.words - a.words || b.weight - a.weight)[0];
  if (head) {
    const headText = idx.display(head.key);
    answer.suggestions = answer.related.slice(0, 3).map((r) => `${headText} ${r.token}`);
  }
}
