import { evaluate, itemMatches, parseQrels, type Qrel, type RankedItem } from './metrics';

const ids = (...xs: string[]): RankedItem[] => xs.map((id) => ({ id }));
const fixed =
  (ranking: RankedItem[]) =>
  (): RankedItem[] =>
    ranking;
const L = (r: number): number => Math.log2(r + 1); // discount of rank r

describe('parseQrels', () => {
  it('reads JSONL with optional grades and skips blank lines', () => {
    const text = '{"query":"a b","relevant":["x.html"]}\n\n{"query":"c","relevant":["1","2"],"grades":{"1":2}}\r\n';
    expect(parseQrels(text)).toEqual([
      { query: 'a b', relevant: ['x.html'] },
      { query: 'c', relevant: ['1', '2'], grades: { '1': 2 } },
    ]);
  });

  it('accepts a prompt with no relevant entity (unanswerable) and ignores extra keys', () => {
    expect(parseQrels('{"query":"q","expected":"none","relevant":[],"grades":{}}')).toEqual([
      { query: 'q', relevant: [], grades: {} },
    ]);
  });

  it('names the line of bad JSON', () => {
    expect(() => parseQrels('{"query":"a","relevant":["x"]}\n{"query":')).toThrow(/line 2/);
  });

  it('names the line and field of a structurally bad entry', () => {
    const good = '{"query":"a","relevant":["x"]}';
    expect(() => parseQrels(`${good}\n${good}\n{"query":"b","relevant":["x",7]}`)).toThrow(/line 3.*relevant/);
    expect(() => parseQrels('{"query":"b","relevant":"x.html"}')).toThrow(/line 1.*relevant/);
    expect(() => parseQrels('{"relevant":["x"]}')).toThrow(/line 1.*query/);
    expect(() => parseQrels('[1,2]')).toThrow(/line 1/);
    expect(() => parseQrels('{"query":"a","relevant":["x"],"grades":{"x":"high"}}')).toThrow(/line 1.*grade/);
  });
});

describe('itemMatches', () => {
  it('matches equal ids and path suffixes at a segment boundary', () => {
    expect(itemMatches({ id: '42' }, '42')).toBe(true);
    expect(itemMatches({ id: '/sql-select.html' }, 'sql-select.html')).toBe(true);
    expect(itemMatches({ id: '/docs/ref/sql-select.html' }, 'ref/sql-select.html')).toBe(true);
    expect(itemMatches({ id: '/sql-select.html' }, '/sql-select.html')).toBe(true);
  });

  it('does not match inside a path segment or on a mere prefix', () => {
    expect(itemMatches({ id: '/xsql-select.html' }, 'sql-select.html')).toBe(false);
    expect(itemMatches({ id: '/sql-select.html' }, 'select.html')).toBe(false);
    expect(itemMatches({ id: '/sql-select.html/extra' }, 'sql-select.html')).toBe(false);
    expect(itemMatches({ id: '142' }, '42')).toBe(false);
  });

  it('ignores fragments and query strings, and uses the URL path when the id does not match', () => {
    expect(itemMatches({ id: '/sql-select.html#SQL-WITH' }, 'sql-select.html')).toBe(true);
    expect(itemMatches({ id: '/sql-select.html?v=2' }, 'sql-select.html')).toBe(true);
    expect(itemMatches({ id: 'doc-7', url: 'http://127.0.0.1:8080/docs/sql-select.html#x' }, 'sql-select.html')).toBe(true);
    expect(itemMatches({ id: 'doc-7', url: 'http://127.0.0.1:8080/docs/other.html' }, 'sql-select.html')).toBe(false);
    // The host is not part of the path: a relevant "example.com" is not matched by a URL on that host.
    expect(itemMatches({ id: 'x', url: 'https://example.com/' }, 'example.com')).toBe(false);
  });
});

describe('evaluate', () => {
  it('computes binary metrics by hand: relevant at ranks 2 and 4', () => {
    const q: Qrel = { query: 'q', relevant: ['a', 'b'] };
    const m = evaluate([q], fixed(ids('x', 'a', 'y', 'b')));
    expect(m.queries).toBe(1);
    expect(m.ndcg10).toBeCloseTo((1 / L(2) + 1 / L(4)) / (1 / L(1) + 1 / L(2)), 10); // 0.6509
    expect(m.recall10).toBe(1);
    expect(m.recall100).toBe(1);
    expect(m.mrr10).toBe(0.5);
    expect(m.map).toBeCloseTo((1 / 2 + 2 / 4) / 2, 10);
    expect(m.perQuery).toEqual([{ query: 'q', ndcg10: m.ndcg10, firstRelevantRank: 2 }]);
  });

  it('uses grades as gains and builds the ideal ranking from the judged grades', () => {
    const q: Qrel = { query: 'q', relevant: ['a', 'b', 'c'], grades: { a: 2, b: 1, c: 3 } };
    // c (grade 3) is never retrieved: the ideal still counts it.
    const m = evaluate([q], fixed(ids('b', 'a')));
    const dcg = 1 / L(1) + 2 / L(2);
    const idcg = 3 / L(1) + 2 / L(2) + 1 / L(3);
    expect(m.ndcg10).toBeCloseTo(dcg / idcg, 10);
    expect(m.recall10).toBeCloseTo(2 / 3, 10);
    expect(m.mrr10).toBe(1);
    expect(m.map).toBeCloseTo((1 / 1 + 2 / 2) / 3, 10);
  });

  it('perfect graded ranking scores 1', () => {
    const q: Qrel = { query: 'q', relevant: ['a', 'b'], grades: { a: 1, b: 2 } };
    const m = evaluate([q], fixed(ids('b', 'a', 'z')));
    expect(m.ndcg10).toBeCloseTo(1, 12);
    expect(m.map).toBe(1);
  });

  it('treats grade 0 as not relevant and skips queries with nothing relevant', () => {
    const q1: Qrel = { query: 'q1', relevant: ['a', 'b'], grades: { a: 0 } };
    const q2: Qrel = { query: 'q2', relevant: ['c'], grades: { c: 0 } };
    const q3: Qrel = { query: 'q3', relevant: [] };
    const m = evaluate([q1, q2, q3], fixed(ids('a', 'b')));
    expect(m.queries).toBe(1);
    expect(m.mrr10).toBe(0.5);
    expect(m.ndcg10).toBeCloseTo(1 / L(2), 10);
    expect(m.perQuery.map((p) => p.query)).toEqual(['q1']);
  });

  it('credits a relevant page once even when several of its sections are returned', () => {
    const q: Qrel = { query: 'q', relevant: ['p.html', 'q.html'] };
    const m = evaluate([q], fixed(ids('/p.html#s1', '/p.html#s2', '/q.html')));
    // Rank 2 is a duplicate of rank 1 and gains nothing; q.html is credited at rank 3.
    expect(m.ndcg10).toBeCloseTo((1 / L(1) + 1 / L(3)) / (1 / L(1) + 1 / L(2)), 10);
    expect(m.map).toBeCloseTo((1 / 1 + 2 / 3) / 2, 10);
    expect(m.recall10).toBe(1);
  });

  it('credits the highest-graded entry when one result matches several', () => {
    const q: Qrel = { query: 'q', relevant: ['a.html', 'x/a.html'], grades: { 'a.html': 1, 'x/a.html': 3 } };
    const m = evaluate([q], fixed(ids('/x/a.html', '/y/a.html')));
    const dcg = 3 / L(1) + 1 / L(2);
    const idcg = 3 / L(1) + 1 / L(2);
    expect(m.ndcg10).toBeCloseTo(dcg / idcg, 10);
    expect(m.recall10).toBe(1);
  });

  it('separates the @10 and @100 cut-offs and ignores results past 100', () => {
    const ranking = ids(...Array.from({ length: 120 }, (_, i) => `n${i + 1}`));
    const q: Qrel = { query: 'q', relevant: ['n5', 'n50', 'n101'] };
    const m = evaluate([q], fixed(ranking));
    expect(m.recall10).toBeCloseTo(1 / 3, 10);
    expect(m.recall100).toBeCloseTo(2 / 3, 10);
    expect(m.mrr10).toBeCloseTo(1 / 5, 10);
    expect(m.map).toBeCloseTo((1 / 5 + 2 / 50) / 3, 10);
    expect(m.ndcg10).toBeCloseTo(1 / L(5) / (1 / L(1) + 1 / L(2) + 1 / L(3)), 10);

    const late: Qrel = { query: 'late', relevant: ['n11'] };
    const m2 = evaluate([late], fixed(ranking));
    expect(m2.mrr10).toBe(0);
    expect(m2.ndcg10).toBe(0);
    expect(m2.recall100).toBe(1);
    expect(m2.perQuery[0]?.firstRelevantRank).toBe(11);
  });

  it('averages over queries and reports misses as null ranks', () => {
    const qa: Qrel = { query: 'hit', relevant: ['a'] };
    const qb: Qrel = { query: 'miss', relevant: ['zzz'] };
    const m = evaluate([qa, qb], (q) => (q.query === 'hit' ? ids('a') : ids('a', 'b')));
    expect(m.queries).toBe(2);
    expect(m.ndcg10).toBe(0.5);
    expect(m.mrr10).toBe(0.5);
    expect(m.map).toBe(0.5);
    expect(m.perQuery[1]).toEqual({ query: 'miss', ndcg10: 0, firstRelevantRank: null });
  });

  it('counts P@1 as the share of queries whose first result is judged relevant', () => {
    const qs: Qrel[] = [
      { query: 'first', relevant: ['a'] },
      { query: 'second', relevant: ['b'] },
      { query: 'graded out', relevant: ['a', 'b'], grades: { a: 0, b: 1 } },
      { query: 'section', relevant: ['page.html'] },
    ];
    const runs: Record<string, RankedItem[]> = {
      first: ids('a', 'b'),
      second: ids('a', 'b'),
      'graded out': ids('a', 'b'),
      section: [{ id: '/page.html#part' }],
    };
    const m = evaluate(qs, (q) => runs[q.query] ?? []);
    // "first" and "section" (a section of the judged page) hold a relevant result first; "second" has it at rank 2;
    // "graded out" ranks first an entry judged 0, which is not relevant
    expect(m.p1).toBe(0.5);
    expect(evaluate(qs, () => [])).toMatchObject({ queries: 4, p1: 0 });
  });

  it('returns zeros with no queries', () => {
    expect(evaluate([], fixed([]))).toEqual({
      queries: 0,
      ndcg10: 0,
      p1: 0,
      recall10: 0,
      recall100: 0,
      mrr10: 0,
      map: 0,
      perQuery: [],
    });
  });
});
