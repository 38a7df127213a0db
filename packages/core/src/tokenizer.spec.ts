import { porterStem } from './porter';
import { Analyzer, normalize, splitSentences, tokenizeWords, wordSurfaces } from './tokenizer';

describe('tokenizer', () => {
  it('keeps identifiers whole', () => {
    const words = tokenizeWords(normalize('Set max_wal_size; query pg_stat_activity in C++ or Node.js, C# too.')).map((w) => w.surface);
    expect(words).toEqual(['set', 'max_wal_size', 'query', 'pg_stat_activity', 'in', 'c++', 'or', 'node.js', 'c#', 'too']);
  });

  it('normalizes compatibility forms (NFKC) and case', () => {
    expect(normalize('ﬁle ＳＥＬＥＣＴ')).toBe('file select');
  });

  it('splits sentences at terminal punctuation and line breaks, with verbatim offsets', () => {
    const text = 'First one. Second: here\nThird line';
    const s = splitSentences(text).map((x) => text.slice(x.start, x.end));
    expect(s).toEqual(['First one.', 'Second:', 'here', 'Third line']);
  });

  it('drops stopwords and bridges them, stems words but never identifiers', () => {
    const a = new Analyzer();
    const [s] = a.sentences('Analysis of variance for the indexes in pg_indexes');
    expect(s?.keys).toEqual(['analysi', 'varianc', 'index', 'pg_indexes']);
    const custom = new Analyzer({ stopwords: ['variance'], stem: false });
    expect(custom.sentences('analysis of variance')[0]?.keys).toEqual(['analysis', 'of']);
  });

  it('stems with Porter', () => {
    const cases: Record<string, string> = {
      caresses: 'caress', ponies: 'poni', running: 'run', hopping: 'hop', relational: 'relat', conditional: 'condit',
      generalization: 'gener', adjustment: 'adjust', hoping: 'hope', sky: 'sky', indexes: 'index', queries: 'queri',
    };
    for (const [w, s] of Object.entries(cases)) expect(porterStem(w)).toBe(s);
  });
});

describe('wordSurfaces', () => {
  it('gives the surfaces tokenizeWords gives, in order', () => {
    const texts = ['', 'pg_stat_activity and node.js 3.14; c++ / c# — Ünïcode ﬁne.', 'Vacuum.  Freeze!\nmax_wal_size=1GB (see 19.5)'];
    for (const t of texts) {
      const n = normalize(t);
      expect(wordSurfaces(n)).toEqual(tokenizeWords(n).map((w) => w.surface));
    }
  });
});
