/**
 * Retrieval quality metrics over relevance judgments (qrels): nDCG@10, P@1, Recall@10/100, MRR@10 and MAP.
 * Pure functions: text in, numbers out. The CLI's `eval` and `bench` commands read the files and call these.
 */

/** One judged query: the relevant entity ids (or URL/path suffixes) and optional graded relevance. */
export interface Qrel {
  query: string;
  /**
   * Ids or URL path suffixes of the relevant entities (see {@link itemMatches}). May be empty: a prompt the corpus
   * cannot answer; {@link evaluate} leaves such queries out.
   */
  relevant: string[];
  /** Gain per relevant entry (key = an entry of `relevant`); missing entries have grade 1; grade 0 = not relevant. */
  grades?: Record<string, number>;
}

/** One ranked result as seen by the metrics: its id and, when known, its URL. */
export interface RankedItem {
  id: string;
  url?: string;
}

/** Mean metrics over the scored queries; every value is in [0, 1]. */
export interface Metrics {
  /** Number of queries scored (queries without any relevant entry of grade > 0 are left out). */
  queries: number;
  ndcg10: number;
  /** Precision at 1: the share of queries whose first result matches a relevant entry. */
  p1: number;
  recall10: number;
  recall100: number;
  mrr10: number;
  /** Mean average precision over the top 100 results. */
  map: number;
}

export interface QueryMetrics {
  query: string;
  ndcg10: number;
  /** 1-based rank of the first result that matches a relevant entry, or null when none does. */
  firstRelevantRank: number | null;
}

export type Evaluation = Metrics & { perQuery: QueryMetrics[] };

/** Depth of the deep metrics (Recall@100, MAP). */
const DEEP = 100;
/** Depth of the shallow metrics (nDCG@10, Recall@10, MRR@10). */
const SHALLOW = 10;

/**
 * Parses a qrels file: one JSON object per line, `{ "query": string, "relevant": string[], "grades"?: {id: number} }`
 * (other keys, e.g. an expected answer, are ignored). Blank lines are skipped. Throws an Error naming the 1-based line number and the problem on the first bad line.
 */
export function parseQrels(text: string): Qrel[] {
  const out: Qrel[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const where = `qrels line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
    }
    out.push(toQrel(value, where));
  }
  return out;
}

function toQrel(value: unknown, where: string): Qrel {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected a JSON object with "query" and "relevant"`);
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.query !== 'string' || obj.query.trim() === '') {
    throw new Error(`${where}: "query" must be a non-empty string`);
  }
  const rel = obj.relevant;
  if (!Array.isArray(rel) || !rel.every((r) => typeof r === 'string' && r !== '')) {
    throw new Error(`${where}: "relevant" must be an array of non-empty strings`);
  }
  const qrel: Qrel = { query: obj.query, relevant: rel as string[] };
  if (obj.grades !== undefined) {
    const g = obj.grades;
    if (typeof g !== 'object' || g === null || Array.isArray(g)) {
      throw new Error(`${where}: "grades" must be an object mapping ids to numbers`);
    }
    const grades: Record<string, number> = {};
    for (const [id, grade] of Object.entries(g as Record<string, unknown>)) {
      if (typeof grade !== 'number' || !Number.isFinite(grade) || grade < 0) {
        throw new Error(`${where}: grade of "${id}" must be a finite number >= 0`);
      }
      grades[id] = grade;
    }
    qrel.grades = grades;
  }
  return qrel;
}

/** Path part of an id or URL: scheme and host dropped, query string and fragment ignored. */
function pathOf(s: string): string {
  let p = s;
  const hash = p.indexOf('#');
  if (hash >= 0) p = p.slice(0, hash);
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (scheme) p = p.slice(scheme[0].length);
  return p;
}

function pathEndsWith(path: string, suffix: string): boolean {
  if (suffix === '' || !path.endsWith(suffix)) return false;
  if (path.length === suffix.length || suffix.startsWith('/')) return true;
  return path[path.length - suffix.length - 1] === '/';
}

/**
 * True when a ranked item stands for the judged entry `rel`: the id (or URL) equals it, or the path of the id or
 * URL ends with the path of `rel` at a segment boundary. Query strings and fragments are ignored on both sides, so
 * a section `/sql-select.html#SQL-WITH` matches `sql-select.html`, while `/xsql-select.html` does not.
 */
export function itemMatches(item: RankedItem, rel: string): boolean {
  if (item.id === rel || (item.url !== undefined && item.url === rel)) return true;
  const relPath = pathOf(rel);
  if (relPath === '') return false;
  if (pathEndsWith(pathOf(item.id), relPath)) return true;
  return item.url !== undefined && pathEndsWith(pathOf(item.url), relPath);
}

/** The judged entries with a positive gain, in qrels order, de-duplicated. */
function positiveJudgments(q: Qrel): { rel: string; gain: number }[] {
  const seen = new Set<string>();
  const out: { rel: string; gain: number }[] = [];
  for (const rel of q.relevant) {
    if (seen.has(rel)) continue;
    seen.add(rel);
    const gain = q.grades?.[rel] ?? 1;
    if (gain > 0) out.push({ rel, gain });
  }
  return out;
}

/**
 * Scores a run against the qrels. `run` returns the ranked results of one query (best first; only the first 100
 * are read). Each relevant entry is credited once, at the first result that matches it (several sections of one
 * relevant page do not add up); when a result matches several uncredited entries, the one with the highest grade
 * is credited. Gains are the grades (linear), and the ideal DCG comes from the judged grades.
 * Queries whose qrel has no entry of grade > 0 are skipped. With no scored query every mean is 0.
 */
export function evaluate(qrels: Qrel[], run: (q: Qrel) => RankedItem[]): Evaluation {
  const perQuery: QueryMetrics[] = [];
  let ndcg = 0;
  let p1 = 0;
  let r10 = 0;
  let r100 = 0;
  let mrr = 0;
  let map = 0;
  for (const q of qrels) {
    const judged = positiveJudgments(q);
    if (judged.length === 0) continue;
    const ranked = run(q).slice(0, DEEP);
    const credited = new Set<number>();
    let dcg = 0;
    let hits10 = 0;
    let hits = 0;
    let precisionSum = 0;
    let first: number | null = null;
    for (let i = 0; i < ranked.length; i++) {
      const item = ranked[i] as RankedItem;
      let best = -1;
      for (let j = 0; j < judged.length; j++) {
        if (credited.has(j)) continue;
        const jj = judged[j] as { rel: string; gain: number };
        if ((best < 0 || jj.gain > (judged[best] as { gain: number }).gain) && itemMatches(item, jj.rel)) best = j;
      }
      if (best < 0) continue;
      credited.add(best);
      const rank = i + 1;
      hits++;
      // Invariant: `hits` = distinct relevant entries credited within ranks 1..rank.
      precisionSum += hits / rank;
      if (first === null) first = rank;
      if (rank <= SHALLOW) {
        hits10++;
        dcg += (judged[best] as { gain: number }).gain / Math.log2(rank + 1);
      }
    }
    const ideal = judged.map((j) => j.gain).sort((a, b) => b - a);
    let idcg = 0;
    for (let i = 0; i < Math.min(SHALLOW, ideal.length); i++) idcg += (ideal[i] as number) / Math.log2(i + 2);
    const qNdcg = idcg > 0 ? dcg / idcg : 0;
    ndcg += qNdcg;
    if (first === 1) p1++;
    r10 += hits10 / judged.length;
    r100 += hits / judged.length;
    mrr += first !== null && first <= SHALLOW ? 1 / first : 0;
    map += precisionSum / judged.length;
    perQuery.push({ query: q.query, ndcg10: qNdcg, firstRelevantRank: first });
  }
  const n = perQuery.length;
  const mean = (x: number): number => (n === 0 ? 0 : x / n);
  return {
    queries: n,
    ndcg10: mean(ndcg),
    p1: mean(p1),
    recall10: mean(r10),
    recall100: mean(r100),
    mrr10: mean(mrr),
    map: mean(map),
    perQuery,
  };
}
