import fc from 'fast-check';
import { IntColumn } from './intcolumn';
import { runSteps } from './serialize';
import { Trie } from './trie';

/** A random trie as a snapshot holds it: per term its parent (−1: a single word, always before its children) and last word. */
const snapshotTerms = fc
  .record({ words: fc.integer({ min: 1, max: 12 }), multi: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 120 }) })
  .map(({ words, multi }) => {
    const parent: number[] = new Array<number>(words).fill(-1);
    const last: number[] = new Array<number>(words).fill(-1);
    const seen = new Set<string>();
    for (const [p, w] of multi) {
      const pt = p % parent.length;
      const wt = w % words;
      const key = `${pt},${wt}`;
      if (seen.has(key)) continue;
      seen.add(key);
      parent.push(pt);
      last.push(wt);
    }
    return { words, parent, last };
  });

describe('Trie', () => {
  it('finds every child of a loaded snapshot and of terms made after it, like a Map of (parent, word)', () => {
    fc.assert(
      fc.property(snapshotTerms, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 60 }), ({ words, parent, last }, later) => {
        const n = parent.length;
        const lastWord = IntColumn.from(Int32Array.from(last), 16);
        const trie = runSteps(Trie.fromColumns(Int32Array.from(parent), lastWord, n, 4, 8));
        const ref = new Map<string, number>();
        parent.forEach((p, t) => {
          if (p >= 0) ref.set(`${p},${last[t] as number}`, t);
        });
        expect(trie.size).toBe(ref.size);
        // terms made after the load extend the last-word column and go to the hash map beside the child lists
        for (const [p, w] of later) {
          const pt = p % lastWord.length;
          const wt = w % words;
          const next = lastWord.length;
          const got = trie.getOrSet(pt, wt, next);
          const had = ref.get(`${pt},${wt}`);
          expect(got).toBe(had ?? next);
          if (had === undefined) {
            ref.set(`${pt},${wt}`, next);
            lastWord.extend(1);
            lastWord.data[next] = wt;
          }
        }
        expect(trie.size).toBe(ref.size);
        for (let p = 0; p < lastWord.length; p++) {
          for (let w = 0; w < words; w++) expect(trie.get(p, w)).toBe(ref.get(`${p},${w}`) ?? -1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds every child of a term with a long run of children, in any term order', () => {
    // 300 words; word 0 has a child for each word, made in a scattered order, and each of those a few
    const words = 300;
    const parent: number[] = new Array<number>(words).fill(-1);
    const last: number[] = new Array<number>(words).fill(-1);
    for (let i = 0; i < words; i++) {
      parent.push(0);
      last.push((i * 7919) % words);
    }
    for (let i = 0; i < 40; i++) {
      parent.push(words + ((i * 31) % words));
      last.push((i * 101) % words);
    }
    const n = parent.length;
    const trie = runSteps(Trie.fromColumns(Int32Array.from(parent), IntColumn.from(Int32Array.from(last), 16), n, 4, 8));
    const ref = new Map<string, number>();
    parent.forEach((p, t) => {
      if (p >= 0) ref.set(`${p},${last[t] as number}`, t);
    });
    expect(trie.size).toBe(ref.size);
    for (let p = 0; p < n; p++) for (let w = 0; w < words; w++) expect(trie.get(p, w)).toBe(ref.get(`${p},${w}`) ?? -1);
  });
});
