import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSizes } from '../../commands/bench';
import { defaultSharedDataDir } from '../datasets';
import { CATEGORY_EVERY, TARGET_TEXT_CHARS, loadSentencePool, scalePrompts, splitSentences, writeCorpus, type SentencePool } from './corpus';

function sentences(topic: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `The ${topic} sample number ${i} describes a measured effect of ${topic} on the outcome studied here.`);
}

const POOL: SentencePool = {
  sources: [
    { name: 'scifact', sentences: sentences('vitamin', 40), categories: [] },
    { name: 'reuters', sentences: sentences('grain', 40), categories: ['grain', 'wheat'] },
    { name: 'pg', sentences: sentences('vacuum', 40), categories: ['Server Administration'] },
  ],
  claims: ['Vitamin D lowers the risk of fractures.', 'Grain exports rose in March.', 'Vacuum reclaims dead tuples.'],
};

describe('scale corpus generator', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lexigraph-scale-corpus-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same bytes for the same seed, other bytes for another seed', async () => {
    const a = await writeCorpus(POOL, 50, 7, path.join(dir, 'a.jsonl'));
    const b = await writeCorpus(POOL, 50, 7, path.join(dir, 'b.jsonl'));
    const c = await writeCorpus(POOL, 50, 8, path.join(dir, 'c.jsonl'));
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(a.file)).toEqual(readFileSync(b.file));
    expect(c.sha256).not.toBe(a.sha256);
    expect(a.entities).toBe(50);
    expect(a.bytes).toBe(readFileSync(a.file).length);
  });

  it('gives entities of about 1.25 KB with id, title, text, and a category on some', async () => {
    const { file } = await writeCorpus(POOL, 50, 7, path.join(dir, 'shape.jsonl'));
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(50);
    const records = lines.map((l) => JSON.parse(l) as { id: string; title: string; text: string; category?: string[] });
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => `doc-${String(i + 1).padStart(7, '0')}`));
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(r.category ? ['category', 'id', 'text', 'title'] : ['id', 'text', 'title']);
      expect(r.title.split(' ').length).toBeGreaterThanOrEqual(4);
      expect(r.text.length).toBeGreaterThanOrEqual(TARGET_TEXT_CHARS);
      expect(r.text.length).toBeLessThan(TARGET_TEXT_CHARS + 200);
    }
    const mean = lines.reduce((s, l) => s + l.length + 1, 0) / lines.length;
    expect(mean).toBeGreaterThan(1100);
    expect(mean).toBeLessThan(1450);
    // Only every 20th entity may carry a category, [source, label], and only from a source that has labels.
    const categorized = records.filter((r) => r.category);
    for (const r of categorized) {
      expect(Number(r.id.slice(4)) % CATEGORY_EVERY).toBe(0);
      expect(r.category).toHaveLength(2);
      expect(['reuters', 'pg']).toContain(r.category?.[0]);
    }
  });

  it('draws the same prompts for the same seed: half claims, half fragments of 3..6 words', () => {
    const p = scalePrompts(POOL, 3, 6);
    expect(scalePrompts(POOL, 3, 6)).toEqual(p);
    expect(p).toHaveLength(6);
    expect(POOL.claims).toContain(p[0]);
    expect(POOL.claims).toContain(p[2]);
    for (const fragment of [p[1], p[3], p[5]]) {
      const words = (fragment as string).split(' ');
      expect(words.length).toBeGreaterThanOrEqual(3);
      expect(words.length).toBeLessThanOrEqual(6);
    }
  });

  it('splits prose into sentences and leaves out code and fragments', () => {
    const text = 'VACUUM reclaims storage occupied by dead tuples in the table. It is run often.\n\nSELECT * FROM t WHERE a = 1; -- 2 > 1 {} [] <> ;;\n\nThe autovacuum daemon runs VACUUM and ANALYZE automatically on busy tables.';
    expect(splitSentences(text)).toEqual([
      'VACUUM reclaims storage occupied by dead tuples in the table.',
      'The autovacuum daemon runs VACUUM and ANALYZE automatically on busy tables.',
    ]);
  });

  const shared = defaultSharedDataDir();
  (existsSync(path.join(shared, 'scifact', 'corpus.jsonl')) ? it : it.skip)('reads the sentences and claims of the shipped SciFact corpus', async () => {
    const pool = await loadSentencePool(shared, ['scifact']);
    expect(pool.sources.map((s) => s.name)).toEqual(['scifact']);
    expect(pool.sources[0]?.sentences.length).toBeGreaterThan(10_000);
    expect(pool.claims.length).toBeGreaterThan(500);
  });
});

describe('bench --scale sizes', () => {
  it('reads plain numbers and k / M suffixes, and refuses anything else', () => {
    expect(parseSizes('10000,100000,1000000')).toEqual([10_000, 100_000, 1_000_000]);
    expect(parseSizes('10k, 1M,200')).toEqual([10_000, 1_000_000, 200]);
    expect(() => parseSizes('10,abc')).toThrow(/"abc" is not a positive whole number/);
    expect(() => parseSizes('0')).toThrow(/not a positive/);
  });
});
