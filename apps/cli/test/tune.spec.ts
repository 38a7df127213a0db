import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PARAMS, evaluate, LexIndex, parseQrels, type Entity, type Qrel, type QueryParams, type RankedItem } from '@lexigraph/core';
import { SEARCH_SPACE, tuneParams, type Searcher } from '../src/tune/search';
import { isJudged, seededRandom, shuffled, splitQrels } from '../src/tune/split';
import { cli, FIXTURES, tempDir } from './helpers';

const TINY_CORPUS = path.join(__dirname, '..', 'src', 'bench', '__fixtures__', 'tiny', 'corpus.jsonl');
const TUNE_QRELS = path.join(FIXTURES, 'tune-tiny.qrels.jsonl');

function tinyEntities(): Entity[] {
  return readFileSync(TINY_CORPUS, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Entity);
}

function qrelsOf(n: number): Qrel[] {
  return Array.from({ length: n }, (_, i) => ({ query: `q${i}`, relevant: [`d${i}`] }));
}

describe('splitQrels', () => {
  it('is deterministic for a seed, disjoint, and covers every judged query', () => {
    const qrels = qrelsOf(101);
    const a = splitQrels(qrels, 7, 0.5);
    const b = splitQrels(qrels, 7, 0.5);
    expect(a.dev.map((q) => q.query)).toEqual(b.dev.map((q) => q.query));
    expect(a.heldOut.map((q) => q.query)).toEqual(b.heldOut.map((q) => q.query));
    expect(a.dev).toHaveLength(51);
    expect(a.heldOut).toHaveLength(50);
    const dev = new Set(a.dev.map((q) => q.query));
    expect(a.heldOut.some((q) => dev.has(q.query))).toBe(false);
    expect(new Set([...a.dev, ...a.heldOut].map((q) => q.query))).toEqual(new Set(qrels.map((q) => q.query)));
  });

  it('shuffles: another seed gives another split, and the dev part is not simply the head of the file', () => {
    const qrels = qrelsOf(200);
    const a = splitQrels(qrels, 1).dev.map((q) => q.query);
    const b = splitQrels(qrels, 2).dev.map((q) => q.query);
    expect(a).not.toEqual(b);
    expect(new Set(a)).not.toEqual(new Set(qrels.slice(0, 100).map((q) => q.query)));
  });

  it('honours the dev fraction, keeps a query on each side, and drops unjudged queries', () => {
    const qrels: Qrel[] = [
      ...qrelsOf(10),
      { query: 'nothing relevant', relevant: [] },
      { query: 'graded zero', relevant: ['x'], grades: { x: 0 } },
    ];
    const s = splitQrels(qrels, 3, 0.3);
    expect(s.unjudged).toBe(2);
    expect(s.dev).toHaveLength(3);
    expect(s.heldOut).toHaveLength(7);
    expect([...s.dev, ...s.heldOut].every(isJudged)).toBe(true);
    expect(splitQrels(qrelsOf(2), 1, 0.01).dev).toHaveLength(1);
    expect(splitQrels(qrelsOf(2), 1, 0.99).heldOut).toHaveLength(1);
    expect(() => splitQrels(qrels, 1, 1)).toThrow(/dev fraction/);
  });

  it('uses a fixed generator, so a seed gives the same numbers everywhere', () => {
    const r = seededRandom(42);
    const xs = [r(), r(), r()];
    const again = seededRandom(42);
    expect([again(), again(), again()]).toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    expect(shuffled([1, 2, 3, 4, 5, 6], seededRandom(9)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('tuneParams', () => {
  it('finds the value of a parameter that a synthetic engine rewards, within the budget', () => {
    // The relevant entity is ranked first when wTitle >= 5 and k1 <= 0.8, second when one of them holds, else tenth.
    const dev = qrelsOf(20);
    const search: Searcher = (query, p) => {
      const rel: RankedItem = { id: `d${query.slice(1)}` };
      const met = Number((p.wTitle ?? 0) >= 5) + Number((p.k1 ?? 9) <= 0.8);
      const ranked: RankedItem[] = Array.from({ length: 9 }, (_, i) => ({ id: `other${i}` }));
      ranked.splice(met === 2 ? 0 : met === 1 ? 1 : 9, 0, rel);
      return ranked;
    };
    const r = tuneParams({ dev, search, metric: 'mrr@10', budget: 200 });
    expect(r.startScore).toBeCloseTo(0.1, 10);
    expect(r.bestScore).toBe(1);
    expect(r.best.wTitle).toBeGreaterThanOrEqual(5);
    expect(r.best.k1).toBeLessThanOrEqual(0.8);
    expect(r.evaluations).toBeLessThanOrEqual(200);
    // Once nothing improves any more the search stops by itself.
    expect(r.stop).toBe('converged');
    // Every query gains alike: as significant as can be.
    expect(r.significant).toBe(true);
  });

  it('keeps the defaults when the only gain comes from one query (not significant), unless told to take any gain', () => {
    // wTitle >= 5 lifts the first query from rank 10 to rank 1 and changes nothing else: t = 1 on 20 queries.
    const dev = qrelsOf(20);
    const search: Searcher = (query, p) => {
      const rel: RankedItem = { id: `d${query.slice(1)}` };
      const ranked: RankedItem[] = Array.from({ length: 9 }, (_, i) => ({ id: `other${i}` }));
      ranked.splice(query === 'q0' && (p.wTitle ?? 0) >= 5 ? 0 : 9, 0, rel);
      return ranked;
    };
    const strict = tuneParams({ dev, search, metric: 'mrr@10', budget: 100 });
    expect(strict.significant).toBe(false);
    expect(strict.best).toEqual(strict.start);
    expect(strict.bestScore).toBe(strict.startScore);
    expect(strict.ascentBestScore).toBeCloseTo(strict.startScore + 0.9 / 20, 10);
    const loose = tuneParams({ dev, search, metric: 'mrr@10', budget: 100, minT: 0 });
    expect(loose.significant).toBe(true);
    expect(loose.best.wTitle).toBeGreaterThanOrEqual(5);
    expect(loose.bestScore).toBeCloseTo(strict.startScore + 0.9 / 20, 10);
  });

  it('stops at the budget', () => {
    const dev = qrelsOf(5);
    let calls = 0;
    const search: Searcher = () => {
      calls++;
      return [];
    };
    const r = tuneParams({ dev, search, metric: 'ndcg@10', budget: 7 });
    expect(r.evaluations).toBe(7);
    expect(calls).toBe(7 * dev.length);
    expect(r.stop).toBe('budget');
  });

  it('on a real index: never worse than the defaults on dev, and the reported score is the metric of the winner', () => {
    const index = LexIndex.build(tinyEntities());
    const qrels = parseQrels(readFileSync(TUNE_QRELS, 'utf8'));
    const { dev } = splitQrels(qrels, 1, 0.5);
    const search: Searcher = (q, p) => index.search(q, p).map(({ id }) => ({ id, url: index.get(id)?.url }));
    const r = tuneParams({ dev, search, metric: 'ndcg@10', budget: 60 });
    for (const d of SEARCH_SPACE) expect(r.start[d.name]).toEqual(DEFAULT_PARAMS[d.name]);
    expect(r.bestScore).toBeGreaterThanOrEqual(r.startScore);
    const again = evaluate(dev, (q) => search(q.query, { ...r.best, k: 10 }));
    expect(again.ndcg10).toBeCloseTo(r.bestScore, 12);
    const atDefaults = evaluate(dev, (q) => search(q.query, { k: 10 }));
    expect(atDefaults.ndcg10).toBeCloseTo(r.startScore, 12);
  });
});

describe('lexigraph tune (embedded database)', () => {
  let work: string;
  const data = (): string[] => ['--data', path.join(work, 'data')];

  beforeAll(async () => {
    work = await tempDir('lexigraph-tune-');
    const r = await cli([...data(), 'ingest', TINY_CORPUS, '--format', 'jsonl', '--collection', 'tiny', '--no-progress'], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('prints dev and held-out figures for the defaults and the winner, and saves a profile that ask and eval use', async () => {
    const r = await cli(
      [...data(), 'tune', '--collection', 'tiny', '--qrels', TUNE_QRELS, '--budget', '40', '--seed', '3', '--save-profile', 'tuned', '--json'],
      work,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      devQueries: number;
      heldOutQueries: number;
      evaluations: number;
      defaults: { params: Partial<QueryParams>; dev: { ndcg10: number }; heldOut: { ndcg10: number } };
      tuned: { params: Partial<QueryParams>; dev: { ndcg10: number }; heldOut: { ndcg10: number } };
    };
    expect(report.devQueries).toBe(10);
    expect(report.heldOutQueries).toBe(10);
    expect(report.evaluations).toBeLessThanOrEqual(40);
    expect(report.tuned.dev.ndcg10).toBeGreaterThanOrEqual(report.defaults.dev.ndcg10);

    const profiles = JSON.parse(await fs.readFile(path.join(work, 'data', 'profiles.json'), 'utf8'));
    const saved = profiles.collections.tiny.tuned as Record<string, string>;
    expect(Object.keys(saved).sort()).toEqual(SEARCH_SPACE.map((d) => d.name).sort());
    expect(saved.wTitle).toBe(String(report.tuned.params.wTitle));

    const asked = await cli([...data(), 'ask', '--collection', 'tiny', '--profile', 'tuned', '--json', 'lactic bacteria'], work);
    expect(asked.code).toBe(0);
    const used = JSON.parse(asked.stdout).params as QueryParams;
    for (const [k, v] of Object.entries(report.tuned.params)) expect(used[k as keyof QueryParams]).toEqual(v);

    // eval with the profile scores the whole qrels file with the tuned values: dev and held-out are its two halves.
    const ev = await cli([...data(), 'eval', '--collection', 'tiny', '--qrels', TUNE_QRELS, '--profile', 'tuned', '--json'], work);
    expect(ev.code).toBe(0);
    const all = JSON.parse(ev.stdout) as { queries: number; ndcg10: number };
    expect(all.queries).toBe(20);
    expect(all.ndcg10).toBeCloseTo((report.tuned.dev.ndcg10 * 10 + report.tuned.heldOut.ndcg10 * 10) / 20, 10);
  });

  it('reads a BEIR folder as --qrels (queries.jsonl + qrels/train.tsv) the same as the JSONL file', async () => {
    const beir = path.join(work, 'beir');
    await fs.mkdir(path.join(beir, 'qrels'), { recursive: true });
    const qrels = parseQrels(await fs.readFile(TUNE_QRELS, 'utf8'));
    await fs.writeFile(path.join(beir, 'queries.jsonl'), qrels.map((q, i) => JSON.stringify({ _id: `q${i}`, text: q.query })).join('\n'));
    const rows = qrels.flatMap((q, i) => q.relevant.map((id) => `q${i}\t${id}\t${q.grades?.[id] ?? 1}`));
    await fs.writeFile(path.join(beir, 'qrels', 'train.tsv'), ['query-id\tcorpus-id\tscore', ...rows].join('\n'));
    const fromFile = await cli([...data(), 'eval', '--collection', 'tiny', '--qrels', TUNE_QRELS, '--json'], work);
    const fromFolder = await cli([...data(), 'eval', '--collection', 'tiny', '--qrels', beir, '--json'], work);
    expect(fromFolder.stderr).toBe('');
    expect(fromFolder.code).toBe(0);
    const f = JSON.parse(fromFile.stdout) as { queries: number; ndcg10: number; mrr10: number };
    const d = JSON.parse(fromFolder.stdout) as { queries: number; ndcg10: number; mrr10: number };
    expect(d.queries).toBe(f.queries);
    expect(d.ndcg10).toBeCloseTo(f.ndcg10, 12);
    expect(d.mrr10).toBeCloseTo(f.mrr10, 12);
    const tuned = await cli([...data(), 'tune', '-c', 'tiny', '--qrels', beir, '--budget', '5', '--json'], work);
    expect(tuned.code).toBe(0);
    expect(JSON.parse(tuned.stdout).devQueries).toBe(10);

    const empty = path.join(work, 'empty-beir');
    await fs.mkdir(empty, { recursive: true });
    const bad = await cli([...data(), 'tune', '-c', 'tiny', '--qrels', empty], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/holds no BEIR qrels/);
    const missing = await cli([...data(), 'eval', '-c', 'tiny', '--qrels', path.join(work, 'absent.jsonl')], work);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --qrels/);
  });

  it('prints a readable report without --json and refuses bad options with exit 2', async () => {
    const r = await cli([...data(), 'tune', '-c', 'tiny', '--qrels', TUNE_QRELS, '--budget', '10', '--metric', 'mrr@10'], work);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/10 dev \/ 10 held-out judged queries \(seed 1/);
    expect(r.stdout).toMatch(/^defaults\s+(\d\.\d{4}\s+){4}\|(\s+\d\.\d{4}){4}$/m);
    expect(r.stdout).toMatch(/^tuned\s+(\d\.\d{4}\s+){4}\|(\s+\d\.\d{4}){4}$/m);
    expect(r.stdout).toMatch(/held-out mrr@10: [+-]\d\.\d{4} over the defaults/);
    expect(r.stdout).toMatch(/^(winner: dev mrr@10 \+\d\.\d{4} over the defaults, t = |no setting beat the defaults by 3 standard errors)/m);

    const badMetric = await cli([...data(), 'tune', '-c', 'tiny', '--qrels', TUNE_QRELS, '--metric', 'map'], work);
    expect(badMetric.code).toBe(2);
    expect(badMetric.stderr).toMatch(/--metric must be one of ndcg@10, mrr@10, recall@100/);
    const badFraction = await cli([...data(), 'tune', '-c', 'tiny', '--qrels', TUNE_QRELS, '--dev-fraction', '1.5'], work);
    expect(badFraction.code).toBe(2);
    expect(badFraction.stderr).toMatch(/--dev-fraction/);
    const badT = await cli([...data(), 'tune', '-c', 'tiny', '--qrels', TUNE_QRELS, '--min-t', '-1'], work);
    expect(badT.code).toBe(2);
    expect(badT.stderr).toMatch(/--min-t/);
  });
});
