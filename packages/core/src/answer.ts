import type { Entity } from './entity';
import { assessPrompt, declineReason, isCovered, type Confidence } from './confidence';
import type { LexIndex, QueryTerm, Scope } from './lexindex';
import { FIELDS, type FieldName, type QueryParams } from './params';
import type { RankExplanation } from './ranker';
import { standardPrompt, type StandardPrompt } from './standardize';
import { BARE_NUMBER, isGeneric, relatedFromResults, type RelatedToken } from './related';
import { seeAlsoOf, type SeeAlso } from './seealso';
import { needlesFor, promptWordKeys, snippetsFor, type Needle, type Snippet } from './citations';
import { chooseSummary } from './summary';
import { summaryCandidates } from './summary-candidates';
import { MT_SEP } from './tokenizer';

export type { Snippet };

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
  answer.seeAlso = seeAlsoOf(idx, answer.results, slots, scope);

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
