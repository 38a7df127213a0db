import fc from 'fast-check';
import { citationInternals as C } from './citations';
import type { Entity } from './entity';

const entity = (text: string): Entity => ({ id: 'e', title: 't', text, category: [], tags: [], links: [] });

// Texts made of short words, sentence punctuation, newlines, (non-breaking) spaces and non-ASCII letters.
const piece = fc.constantFrom('ab', 'abc', 'b', 'Ab', 'ABC', 'é', 'x_1', 'c++', 'node.js', ' ', ' ', '. ', '.', '!', '?', '\n', '\u00a0', '\t', ',');
const text = fc.array(piece, { maxLength: 60 }).map((xs) => xs.join(''));

describe('citation scan', () => {
  it('reads sentence bounds from the indexed breaks exactly as the text walk finds them', () => {
    fc.assert(
      fc.property(text, fc.nat(), fc.integer({ min: 1, max: 40 }), (t, p, limit) => {
        const pos = t.length ? p % t.length : 0;
        expect(C.sentenceAround(t, C.sentenceBreaks(t), pos, limit)).toEqual(C.walkSentence(t, pos, limit));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the same whole-word matches by word hash as by searching the text', () => {
    const needle = fc.constantFrom('ab', 'abc', 'b', 'é', 'x_1', 'c++', 'node.js', 'zz');
    fc.assert(
      fc.property(text, fc.uniqueArray(needle, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), (t, forms, groups) => {
        const needles = forms.map((s, i) => ({ s, group: i % groups })).sort((a, b) => a.group - b.group);
        const table = C.wordTable(entity(t));
        expect(table).not.toBeNull();
        // the reference: every needle searched in the lowercased text, one group at a time
        const expected: Array<{ pos: number; len: number; group: number }> = [];
        for (let g = 0; g < groups; g++) {
          const mine = needles.filter((n) => n.group === g);
          if (mine.length) C.scanText(t.toLowerCase(), mine, expected);
        }
        expected.sort((a, b) => a.pos - b.pos || a.group - b.group);
        const got = C.findMatches(table!, needles).sort((a, b) => a.pos - b.pos || a.group - b.group);
        expect(got).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps at most 24 matches per form, the first ones in text order', () => {
    const t = Array.from({ length: 40 }, (_, i) => `row${i % 2 ? '' : 's'} ${i}.`).join(' ');
    const m = C.findMatches(C.wordTable(entity(t))!, [
      { s: 'row', group: 0 },
      { s: 'rows', group: 0 },
    ]);
    expect(m.filter((x) => x.len === 3)).toHaveLength(20);
    expect(m.filter((x) => x.len === 4)).toHaveLength(20);
    const long = Array.from({ length: 30 }, () => 'row').join(' ');
    const ml = C.findMatches(C.wordTable(entity(long))!, [{ s: 'row', group: 0 }]);
    expect(ml.map((x) => x.pos)).toEqual(Array.from({ length: 24 }, (_, i) => i * 4));
  });

  it('searches the text the first time an entity is cited and reads its word table from the second on, with the same matches', () => {
    const e = entity('Indexes speed up queries. An index on rows.\nA partial index covers some rows; index-only scans read the index.');
    const needles = () => [
      { s: 'index', group: 0 },
      { s: 'indexes', group: 0 },
      { s: 'rows', group: 1 },
    ];
    const first = needles();
    const a = C.citedOf(e, first)!;
    expect(a.table).toBeNull();
    // the same answer (same needle list) reuses what it found
    expect(C.citedOf(e, first)).toBe(a);
    const b = C.citedOf(e, needles())!;
    expect(b.table).not.toBeNull();
    expect(b.matches).toEqual(a.matches);
    expect(a.matches.map((m) => e.text.slice(m.pos, m.pos + m.len).toLowerCase())).toEqual(['indexes', 'index', 'rows', 'index', 'rows', 'index', 'index']);
    expect(C.citedOf(entity('İstanbul'), needles())).toBeNull();
  });

  it('declines to cite a text whose lowercase form changes length (offsets would not map back)', () => {
    expect(C.wordTable(entity('İstanbul'))).toBeNull();
  });
});
