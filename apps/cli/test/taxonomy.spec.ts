import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cli, FIXTURES, tempDir } from './helpers';

const TAXO = path.join(FIXTURES, 'taxonomy');

interface Metrics {
  documents: number;
  microF1: number;
  macroF1: number;
  top1: number;
  treeScore: number;
}
interface Report {
  taxonomy: {
    dataset: string;
    train: number;
    dev: number;
    test: number;
    labels: number;
    depth: number;
    systems: Array<{ system: string; metrics: Metrics; chosen: Record<string, unknown>; ms: number }>;
  };
}

describe('lexigraph eval --taxonomy', () => {
  let work: string;
  const data = () => ['--data', path.join(work, 'data')];

  beforeAll(async () => {
    work = await tempDir('lexigraph-taxo-');
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('Reuters format: ModApte split, ours and the kNN-BM25 baseline in one run, as a table and as JSON', async () => {
    const text = await cli(['eval', '--taxonomy', '--collection', 'reuters-tiny', '--reuters', TAXO, '--no-progress'], work);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('taxonomy recovery: reuters-tiny (5 labels, flat labels');
    expect(text.stdout).toContain('train 30 → test 10');
    expect(text.stdout).toMatch(/\| Lexigraph \(tables \+ own-ranking kNN\) \| [01]\.\d{3} \|/);
    expect(text.stdout).toMatch(/\| kNN over SQLite FTS5 BM25 \| [01]\.\d{3} \|/);
    expect(text.stdout).toMatch(/micro-F1 \d\.\d{3}× kNN-BM25/);

    const json = await cli(['eval', '--taxonomy', '--collection', 'reuters-tiny', '--reuters', TAXO, '--json'], work);
    expect(json.code).toBe(0);
    const r = (JSON.parse(json.stdout) as Report).taxonomy;
    expect(r).toMatchObject({ dataset: 'reuters-tiny', train: 30, test: 10, labels: 5, depth: 1 });
    expect(r.systems.map((s) => s.system)).toEqual(['lexigraph', 'knn-bm25']);
    const ours = r.systems[0]!.metrics;
    // each made-up topic has its own words: the tables recover it
    expect(ours.documents).toBe(10);
    expect(ours.top1).toBe(1);
    expect(ours.microF1).toBeGreaterThanOrEqual(0.9);
    // a flat tree: the tree score of the best label is its accuracy
    expect(ours.treeScore).toBe(ours.top1);
    for (const s of r.systems) {
      expect(s.metrics.microF1).toBeGreaterThan(0);
      expect(s.metrics.microF1).toBeLessThanOrEqual(1);
    }
  }, 60_000);

  it('stored collection: leave-one-out over its category tree, with tree-distance scores', async () => {
    const ingest = await cli([...data(), 'ingest', path.join(TAXO, 'tree.jsonl'), '--collection', 'tree', '--no-progress'], work);
    expect(ingest.code).toBe(0);
    const r = await cli([...data(), 'eval', '--taxonomy', '--collection', 'tree', '--json', '--k', '3'], work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = (JSON.parse(r.stdout) as Report).taxonomy;
    expect(rep).toMatchObject({ dataset: 'tree', labels: 4, depth: 2 });
    expect(rep.dev + rep.test).toBe(16);
    const ours = rep.systems[0]!;
    expect(ours.chosen.k === 3 || ours.chosen.k === 0).toBe(true);
    // with its own words gone, each entity is still placed under its leaf by the other three of its category
    expect(ours.metrics.top1).toBe(1);
    expect(ours.metrics.treeScore).toBe(1);
    // the index is left as it was: relevance still answers from every entity
    const ask = await cli([...data(), 'ask', '--collection', 'tree', '--json', 'crankshaft pistons'], work);
    expect(JSON.parse(ask.stdout).results.map((x: { id: string }) => x.id)).toEqual(
      expect.arrayContaining(['engine-1', 'engine-2', 'engine-3', 'engine-4']),
    );
  }, 90_000);

  it('asks for --qrels without --taxonomy and refuses a missing Reuters source', async () => {
    const noQrels = await cli(['eval', '--collection', 'x'], work);
    expect(noQrels.code).toBe(2);
    expect(noQrels.stderr).toMatch(/--qrels <file> is required/);
    const bad = await cli(['eval', '--taxonomy', '--collection', 'x', '--reuters', path.join(work, 'absent.tar.xz')], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read --reuters/);
    const badK = await cli(['eval', '--taxonomy', '--collection', 'x', '--reuters', TAXO, '--k', '0'], work);
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/--k must be a positive integer/);
  });
});
