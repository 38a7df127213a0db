import fc from 'fast-check';
import { LexIndex } from './lexindex';
import { forEachPair, pairCount, PairAdjacencyWriter, PairTable, type PairAdjacency } from './pairs';

const WINDOW = 3;

/** The naive oracle: pair counts of a multiset of sentences, keyed "a,b" with a < b. */
function naiveCounts(sentences: ReadonlyArray<{ words: number[]; sign: 1 | -1 }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const { words, sign } of sentences) {
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 1; j <= i + WINDOW && j < words.length; j++) {
        const a = words[i] as number;
        const b = words[j] as number;
        if (a === b) continue;
        const k = a < b ? `${a},${b}` : `${b},${a}`;
        m.set(k, (m.get(k) ?? 0) + sign);
      }
    }
  }
  for (const [k, v] of m) if (v === 0) m.delete(k);
  return m;
}

/** Every word's pairs as the table lists them, in the oracle's keying, checking each word's row has no repeat. */
function listed(read: (t: number, fn: (u: number, c: number) => void) => void, nTerms: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let t = 0; t < nTerms; t++) {
    const seen = new Set<number>();
    read(t, (u, c) => {
      expect(seen.has(u)).toBe(false);
      seen.add(u);
      const k = t < u ? `${t},${u}` : `${u},${t}`;
      // both directions list the pair with one count
      if (m.has(k)) expect(m.get(k)).toBe(c);
      else m.set(k, c);
    });
  }
  return m;
}

const N_TERMS = 40;
const sentence = fc.array(fc.integer({ min: 0, max: N_TERMS - 1 }), { minLength: 2, maxLength: 9 });

describe('pair adjacency', () => {
  it('lists each word its pairs in ascending order with their counts, as a naive count of the sentences does', () => {
    fc.assert(
      fc.property(fc.array(sentence, { minLength: 1, maxLength: 30 }), (sentences) => {
        const table = new PairTable(WINDOW);
        for (const s of sentences) table.addSentence(s, 1);
        const adj = table.adjacency(N_TERMS);
        const want = naiveCounts(sentences.map((words) => ({ words, sign: 1 as const })));
        expect(listed((t, fn) => forEachPair(adj, t, fn), N_TERMS)).toEqual(want);
        expect(adj.entries).toBe(2 * want.size);
        const wrong: string[] = [];
        for (let t = 0; t < N_TERMS; t++) {
          const row: number[] = [];
          forEachPair(adj, t, (u) => row.push(u));
          if (row.some((u, i) => i > 0 && u <= (row[i - 1] as number))) wrong.push(`row ${t} out of order`);
          for (let u = 0; u < N_TERMS; u++) {
            const c = want.get(t < u ? `${t},${u}` : `${u},${t}`) ?? 0;
            if (pairCount(adj, t, u) !== c) wrong.push(`${t},${u}`);
          }
        }
        expect(wrong).toEqual([]);
        // terms past the adjacency have no row
        expect(pairCount(adj, N_TERMS + 5, 0)).toBe(0);
      }),
    );
  });

  it('adds and removes sentences after it was derived (overlay, then folded in) with the counts of a naive count', () => {
    fc.assert(
      fc.property(
        fc.array(sentence, { minLength: 1, maxLength: 20 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat(), sentence), { maxLength: 20 }),
        (first, changes) => {
          const table = new PairTable(WINDOW);
          const live = first.map((words) => ({ words, sign: 1 as const }));
          for (const s of first) table.addSentence(s, 1);
          table.adjacency(N_TERMS);
          const applied: Array<{ words: number[]; sign: 1 | -1 }> = [...live];
          const present = [...first];
          for (const [remove, pick, words] of changes) {
            if (remove && present.length > 0) {
              const [gone] = present.splice(pick % present.length, 1) as [number[]];
              table.addSentence(gone, -1);
              applied.push({ words: gone, sign: -1 });
            } else {
              table.addSentence(words, 1);
              present.push(words);
              applied.push({ words, sign: 1 });
            }
          }
          const want = naiveCounts(applied);
          expect(listed((t, fn) => table.forEachOf(t, N_TERMS, fn), N_TERMS)).toEqual(want);
          const settled = table.adjacency(N_TERMS);
          expect(listed((t, fn) => forEachPair(settled, t, fn), N_TERMS)).toEqual(want);
          expect(table.count).toBe(want.size);
        },
      ),
    );
  });

  it('writes rows of any size, with ids and counts that take several varint bytes', () => {
    const entries: Array<[number, number, number]> = [];
    for (let u = 1; u < 300; u++) entries.push([0, u * 9_973, u * 131_071]);
    const n = 300 * 9_973 + 1;
    const w = new PairAdjacencyWriter(n);
    for (let pass = 0; pass < 2; pass++) {
      for (const [t, u, c] of entries) {
        w.put(t, u, c);
        w.put(u, t, c);
      }
      if (pass === 0) w.layout();
    }
    const adj: PairAdjacency = w.finish();
    const row: Array<[number, number]> = [];
    forEachPair(adj, 0, (u, c) => row.push([u, c]));
    expect(row).toEqual(entries.map(([, u, c]) => [u, c]));
    expect(pairCount(adj, 150 * 9_973, 0)).toBe(150 * 131_071);
    expect(pairCount(adj, 150 * 9_973 + 1, 0)).toBe(0);
  });

  it('gives a loaded index the associations of the index it was saved from', () => {
    const texts = [
      'vacuum reclaims dead tuples. vacuum freeze marks tuples frozen.',
      'autovacuum runs vacuum and analyze on tables with dead tuples.',
      'analyze collects statistics. the planner reads statistics of tables.',
      'freeze old tuples to avoid wraparound. wraparound stops the database.',
    ];
    const idx = LexIndex.build(texts.map((text, i) => ({ id: `d${i}`, title: `doc ${i}`, text, category: [], tags: [], links: [] })));
    const back = LexIndex.deserialize(idx.serialize());
    for (const pmi of ['npmi', 'log', 'xllm'] as const) {
      const all = { maxRelatedPerToken: 1000, pmi, minJoint: 1 };
      const tables = idx.exportTables(all);
      expect(tables.xembeddings.length).toBeGreaterThan(20);
      expect(back.exportTables(all)).toEqual(tables);
    }
  });
});
