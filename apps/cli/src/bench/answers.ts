import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { evaluate, itemMatches, parseQrels, type Answer, type Entity, type LexIndex, type Qrel, type RankedItem } from '@lexigraph/core';
import type { BenchDataset } from './datasets';

/**
 * What the answers around the ranking are worth, measured on one collection with our engine (built in this
 * process): whether it answers the judged prompts and declines out-of-domain ones, and (on judged prompts) whether
 * its summary, related multi-tokens and suggestions fit the prompt.
 */

/** A list of prompts the collection does not cover: every one of them should be declined. */
export interface PromptSet {
  name: string;
  prompts: string[];
}

export interface DeclineFigures {
  set: string;
  prompts: number;
  declined: number;
  share: number;
  /**
   * The declined share of each half of the set: the prompts at even positions (2nd, 4th, …: the half the default
   * thresholds were tuned on, DESIGN.md) and at odd positions (1st, 3rd, …: held out).
   */
  halves: [number, number];
}

/** Shares of a flag over the prompts at even positions (2nd, 4th, …) and at odd positions (1st, 3rd, …). */
function halvesOf(flags: readonly boolean[]): [number, number] {
  const half = (h: number) => {
    const xs = flags.filter((_, i) => i % 2 === h);
    return share(xs.filter(Boolean).length, xs.length);
  };
  return [half(1), half(0)];
}

export interface AnswerQuality {
  dataset: string;
  /** Judged prompts that got an answer (no `noAnswer`), of all judged prompts. */
  inDomain: { prompts: number; answered: number; share: number; halves: [number, number] };
  /** nDCG@10 of the ranking, and of the answers (a declined prompt ranks nothing). */
  ndcg10: { ranking: number; answers: number };
  outOfDomain: DeclineFigures[];
  /** Declined out-of-domain prompts over every out-of-domain set. */
  outOfDomainShare: number;
  /**
   * Answers whose first summary sentence comes from a judged-relevant entity and holds the prompt's principal matched
   * multi-token (its matched term of greatest weight, of one or more words) or all its content words, of the judged
   * prompts with a summary.
   */
  summaryFirst?: { prompts: number; hits: number; share: number };
  /**
   * The same with any matched multi-token of two or more words in place of the principal one: it also counts a
   * sentence that holds only a generic phrase of the prompt ("configuration parameters" for "enable_hashjoin
   * configuration parameter"), which says nothing of what was asked.
   */
  summaryFirstAnyPhrase?: { prompts: number; hits: number; share: number };
  /** Related multi-tokens that occur in a judged-relevant entity of the prompt, of all related multi-tokens. */
  relatedInRelevant?: { related: number; hits: number; share: number };
  /** Suggestions of the first answers: how many, how many got `noAnswer`, how many repeat the prompt. */
  suggestions?: { answers: number; suggestions: number; declined: number; repeats: number };
  table: string;
}

/** Judged prompts whose suggestions are asked in turn. */
export const SUGGESTION_ANSWERS = 500;

function share(n: number, of: number): number {
  return of > 0 ? n / of : 0;
}

function asItem(e: Entity): RankedItem {
  return e.url === undefined ? { id: e.id } : { id: e.id, url: e.url };
}

/** The prompt's content words as the engine keys them (stopwords and punctuation left out). */
function contentKeys(index: LexIndex, text: string): string[] {
  const out: string[] = [];
  for (const s of index.analyzer.sentences(text)) out.push(...s.keys);
  return out;
}

/** Whether `text` holds every key (as whole words, inflections folded by the engine's analyzer). */
function holdsAll(index: LexIndex, text: string, keys: readonly string[]): boolean {
  if (!keys.length) return false;
  const have = new Set(contentKeys(index, text));
  return keys.every((k) => have.has(k));
}

/**
 * Whether an answer's first summary sentence comes from a relevant entity and states the prompt: it holds the
 * prompt's principal matched multi-token (the matched term of greatest weight, ties to the rarer) or all its content
 * words (`principal`); `anyPhrase` counts any matched multi-token of two or more words instead. Null without a summary.
 */
export function summaryHit(index: LexIndex, answer: Answer, relevant: (e: Entity) => boolean): { principal: boolean; anyPhrase: boolean } | null {
  const first = answer.summary[0];
  if (!first) return null;
  const source = index.get(first.sourceId);
  if (!source || !relevant(source)) return { principal: false, anyPhrase: false };
  const holds = (token: string) => holdsAll(index, first.sentence, contentKeys(index, token));
  const all = holdsAll(index, first.sentence, contentKeys(index, answer.prompt));
  const principal = answer.matched.reduce<Answer['matched'][number] | undefined>((best, m) => (!best || m.weight > best.weight || (m.weight === best.weight && m.df < best.df) ? m : best), undefined);
  return {
    principal: all || (principal !== undefined && holds(principal.token)),
    anyPhrase: all || answer.matched.some((m) => m.token.includes(' ') && holds(m.token)),
  };
}

/** The text of an entity that a reader sees: title, headings, terms and body. */
function entityText(e: Entity): string {
  return [e.title, ...(e.headings ?? []), ...(e.terms ?? []), e.text].join('\n');
}

/**
 * Measures answers on a dataset: every judged prompt is asked once (answered share, nDCG@10 of the ranking and of
 * the answers, the summary and related figures), every out-of-domain prompt once (declined share), and the
 * suggestions of the first SUGGESTION_ANSWERS judged prompts are asked in turn.
 */
export function measureAnswers(ds: BenchDataset, index: LexIndex, outOfDomain: readonly PromptSet[], qrelsLimit?: number): AnswerQuality {
  const qrels = (qrelsLimit !== undefined ? ds.qrels.slice(0, qrelsLimit) : ds.qrels).filter((q) => q.relevant.length > 0);
  const answers = new Map<Qrel, Answer>();
  let answered = 0;
  let summaryPrompts = 0;
  let summaryHits = 0;
  let summaryPhraseHits = 0;
  let related = 0;
  let relatedHits = 0;
  for (const q of qrels) {
    const a = index.ask(q.query, { k: 100 });
    answers.set(q, a);
    if (!a.noAnswer) answered++;
    const relevantEntities = a.results.map((r) => index.get(r.id) as Entity).filter((e) => e && q.relevant.some((rel) => itemMatches(asItem(e), rel)));
    const isRelevant = (e: Entity) => q.relevant.some((rel) => itemMatches(asItem(e), rel));
    const hit = summaryHit(index, a, isRelevant);
    if (hit !== null) {
      summaryPrompts++;
      if (hit.principal) summaryHits++;
      if (hit.anyPhrase) summaryPhraseHits++;
    }
    const texts = relevantEntities.map(entityText);
    for (const r of a.related) {
      if (!r.token.includes(' ')) continue;
      related++;
      const keys = contentKeys(index, r.token);
      if (texts.some((t) => holdsAll(index, t, keys))) relatedHits++;
    }
  }
  const ranking = evaluate(qrels, (q) => (index.search(q.query, { k: 100 }).map((h) => asItem(index.get(h.id) as Entity))));
  const answering = evaluate(qrels, (q) => {
    const a = answers.get(q) as Answer;
    return a.noAnswer ? [] : a.results.map((r) => (r.url === undefined ? { id: r.id } : { id: r.id, url: r.url }));
  });
  const ood: DeclineFigures[] = outOfDomain.map((set) => {
    const flags = set.prompts.map((p) => index.ask(p, { sections: false }).noAnswer !== undefined);
    const declined = flags.filter(Boolean).length;
    return { set: set.name, prompts: set.prompts.length, declined, share: share(declined, set.prompts.length), halves: halvesOf(flags) };
  });
  const oodPrompts = ood.reduce((n, o) => n + o.prompts, 0);
  const oodDeclined = ood.reduce((n, o) => n + o.declined, 0);
  let sugAnswers = 0;
  let sugCount = 0;
  let sugDeclined = 0;
  let sugRepeats = 0;
  for (const q of qrels.slice(0, SUGGESTION_ANSWERS)) {
    const a = answers.get(q) as Answer;
    sugAnswers++;
    const own = contentKeys(index, q.query).join(' ');
    for (const s of a.suggestions) {
      sugCount++;
      if (contentKeys(index, s).join(' ') === own) sugRepeats++;
      if (index.ask(s, { sections: false }).noAnswer) sugDeclined++;
    }
  }
  const result: Omit<AnswerQuality, 'table'> = {
    dataset: ds.name,
    inDomain: { prompts: qrels.length, answered, share: share(answered, qrels.length), halves: halvesOf(qrels.map((q) => !(answers.get(q) as Answer).noAnswer)) },
    ndcg10: { ranking: ranking.ndcg10, answers: answering.ndcg10 },
    outOfDomain: ood,
    outOfDomainShare: share(oodDeclined, oodPrompts),
    summaryFirst: { prompts: summaryPrompts, hits: summaryHits, share: share(summaryHits, summaryPrompts) },
    summaryFirstAnyPhrase: { prompts: summaryPrompts, hits: summaryPhraseHits, share: share(summaryPhraseHits, summaryPrompts) },
    relatedInRelevant: { related, hits: relatedHits, share: share(relatedHits, related) },
    suggestions: { answers: sugAnswers, suggestions: sugCount, declined: sugDeclined, repeats: sugRepeats },
  };
  return { ...result, table: renderAnswerQuality(result) };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function halvesText(h: readonly [number, number]): string {
  return `tuning half ${pct(h[0])}, held-out half ${pct(h[1])}`;
}

export function renderAnswerQuality(a: Omit<AnswerQuality, 'table'>): string {
  const out = [`== answers: ${a.dataset} (our engine, default parameters)`];
  out.push(
    `in-domain answered: ${a.inDomain.answered}/${a.inDomain.prompts} (${pct(a.inDomain.share)}; ${halvesText(a.inDomain.halves)}); nDCG@10 ranking ${a.ndcg10.ranking.toFixed(4)}, answers ${a.ndcg10.answers.toFixed(4)} (a declined prompt ranks nothing)`,
  );
  for (const o of a.outOfDomain) out.push(`out-of-domain declined, ${o.set}: ${o.declined}/${o.prompts} (${pct(o.share)}; ${halvesText(o.halves)})`);
  if (a.outOfDomain.length) out.push(`out-of-domain declined, all sets: ${pct(a.outOfDomainShare)}`);
  if (a.summaryFirst) {
    out.push(`first summary sentence from a judged-relevant page, stating the prompt: ${a.summaryFirst.hits}/${a.summaryFirst.prompts} (${pct(a.summaryFirst.share)})`);
  }
  if (a.summaryFirstAnyPhrase) {
    const f = a.summaryFirstAnyPhrase;
    out.push(`  the same, counting any matched phrase of the prompt in place of its principal multi-token: ${f.hits}/${f.prompts} (${pct(f.share)})`);
  }
  if (a.relatedInRelevant) {
    out.push(`related multi-tokens occurring in a judged-relevant page: ${a.relatedInRelevant.hits}/${a.relatedInRelevant.related} (${pct(a.relatedInRelevant.share)})`);
  }
  if (a.suggestions) {
    const s = a.suggestions;
    out.push(`suggestions of ${s.answers} answers: ${s.suggestions}, of which ${s.declined} get noAnswer and ${s.repeats} repeat the prompt`);
  }
  return out.join('\n');
}

/** The vendored prompts folder beside this file (src/bench/prompts or dist/bench/prompts alike). */
function promptsDir(): string {
  const here = path.join(__dirname, 'prompts');
  return existsSync(here) ? here : path.resolve(__dirname, '..', '..', 'src', 'bench', 'prompts');
}

async function lines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

async function queriesOf(file: string): Promise<string[]> {
  return existsSync(file) ? parseQrels(await fs.readFile(file, 'utf8')).map((q) => q.query) : [];
}

/** SciFact's judged claims (the train split's queries), or none when the files are missing. */
async function scifactClaims(shared: string): Promise<string[]> {
  const queries = path.join(shared, 'scifact', 'queries.jsonl');
  const train = path.join(shared, 'scifact', 'qrels', 'train.tsv');
  if (!existsSync(queries) || !existsSync(train)) return [];
  const ids = new Set((await lines(train)).slice(1).map((l) => l.split('\t')[0]));
  return (await lines(queries)).map((l) => JSON.parse(l) as { _id: string; text: string }).filter((q) => ids.has(q._id)).map((q) => q.text);
}

/**
 * The out-of-domain prompt sets of each bench collection, made from the shipped data: SciFact's claims and the
 * xLLM prompts asked of the PostgreSQL manual, the manual's index terms asked of SciFact and of the xLLM corpus,
 * and the everyday questions vendored beside this file asked of all.
 */
export async function outOfDomainSets(shared: string): Promise<Record<string, PromptSet[]>> {
  const everyday: PromptSet = { name: 'everyday questions', prompts: await lines(path.join(promptsDir(), 'everyday.txt')) };
  const claims: PromptSet = { name: 'SciFact claims', prompts: await scifactClaims(shared) };
  const terms: PromptSet = { name: 'PostgreSQL index terms', prompts: await queriesOf(path.join(shared, 'pg15.qrels.jsonl')) };
  const xllm: PromptSet = { name: 'xLLM prompts', prompts: await queriesOf(path.join(shared, 'xllm-enterprise', 'prompts.qrels.jsonl')) };
  const present = (sets: PromptSet[]) => sets.filter((s) => s.prompts.length > 0);
  return {
    pg: present([claims, xllm, everyday]),
    'pg-questions': present([claims, xllm, everyday]),
    scifact: present([terms, everyday]),
    xllm: present([terms, claims, everyday]),
  };
}
