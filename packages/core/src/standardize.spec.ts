import fc from 'fast-check';
import type { Entity } from './entity';
import { LexIndex } from './lexindex';

const e = (id: string, title: string, text: string, extra: Partial<Entity> = {}): Entity => ({ id, title, text, category: ['Docs'], tags: [], links: [], ...extra });

const DOCS: Entity[] = [
  e('vacuum', 'Routine Vacuuming', 'VACUUM FREEZE marks old rows frozen. Vacuum freeze runs before wraparound. Autovacuum runs vacuum and analyze.', {
    headings: ['Preventing Transaction ID Wraparound'],
    terms: ['vacuum_freeze_min_age'],
  }),
  e('freeze', 'Freezing Rows', 'Freeze old rows with vacuum freeze so transaction ids can wrap around safely.'),
  e('index', 'Partial Indexes', 'A partial index covers the rows of its predicate. Create a partial index with a WHERE clause.'),
  e('create', 'CREATE INDEX', 'CREATE INDEX builds an index. A partial index needs a WHERE clause.', { headings: ['Parameters'] }),
];

const index = LexIndex.build(DOCS);
const timeless = ({ timings: _t, prompt: _p, ...rest }: ReturnType<LexIndex['ask']>) => rest;

describe('standardize', () => {
  it('gives paraphrases that differ in word order, case, stopwords and punctuation one key', () => {
    const key = index.standardize('vacuum freeze').key;
    for (const p of ['Freeze VACUUM?', 'how to vacuum freeze', 'the freeze, of vacuum!', '  VACUUM   freeze  ']) {
      expect(index.standardize(p).key).toBe(key);
    }
    expect(index.standardize('vacuum').key).not.toBe(key);
    expect(index.standardize('vacuum freeze vacuum').key).not.toBe(key); // a repeated word weighs more
    expect(index.standardize('vacuum freeze', { multiTokenWeight: 1 }).key).not.toBe(key);
  });

  it('names the missing words only when nothing matched, sorted, and tells stopwords-only prompts apart', () => {
    const none = index.standardize('zebra quokka zebra');
    expect(none.missing).toEqual(['quokka', 'zebra']);
    expect(index.standardize('Quokka, zebra').key).toBe(none.key);
    expect(index.standardize('vacuum quokka').missing).toEqual([]);
    expect(index.standardize('the of and').searchable).toBe(false);
    expect(index.standardize('the of and').key).not.toBe(index.standardize('quokka').key);
  });

  it('answers every prompt exactly as its standard form does (prompt and timings aside)', () => {
    const words = ['vacuum', 'Freeze', 'partial', 'INDEX', 'create', 'rows', 'the', 'how', 'to', 'zebra', 'wraparound', ',', '?', 'where'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { minLength: 0, maxLength: 6 }), fc.constantFrom({}, { k: 2 }, { expand: true }), (ws, params) => {
        const prompt = ws.join(' ');
        const std = index.standardize(prompt, params);
        const direct = index.ask(prompt, params);
        const viaStandard = index.ask(prompt, params, {}, undefined, std);
        expect(timeless(viaStandard)).toEqual(timeless(direct));
        // any other prompt with the same key gets the same answer
        const shuffled = [...ws].reverse().join(' ').toUpperCase();
        if (index.standardize(shuffled, params).key === std.key) expect(timeless(index.ask(shuffled, params))).toEqual(timeless(direct));
      }),
      { numRuns: 300 },
    );
  });

  it('offers titles, defined terms, headings and frequent multi-tokens as likely prompts, in turn and without repeats', () => {
    const prompts = [...index.likelyPrompts()];
    expect(prompts.slice(0, 4)).toEqual(['Routine Vacuuming', 'vacuum_freeze_min_age', 'Preventing Transaction ID Wraparound', expect.any(String)]);
    expect(prompts).toEqual(expect.arrayContaining(['Partial Indexes', 'CREATE INDEX', 'Parameters']));
    expect(prompts.map((p) => p.toLowerCase().split(' ').length >= 2 || DOCS.some((d) => d.title === p || d.terms?.includes(p) || d.headings?.includes(p))).every(Boolean)).toBe(true);
    expect(new Set(prompts.map((p) => p.toLowerCase())).size).toBe(prompts.length);
  });
});
