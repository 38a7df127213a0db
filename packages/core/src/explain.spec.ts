import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import { FIELDS, paramSpecs, PARAM_NAMES, resolveParams, DEFAULT_PARAMS } from './params';

function ent(id: string, title: string, text: string, extra: Partial<Entity> = {}): Entity {
  return { id, url: `http://docs.test/${id}`, title, text, category: [], tags: [], links: [], ...extra };
}

// "checkpoint tuning" is a multi-token of two entities (df 2, so it is distilled); "lonely" only in one title.
const CORPUS: Entity[] = [
  ent('titled', 'Checkpoint Tuning', 'Spread the writes over the interval. Nothing else here.'),
  ent('body', 'Write Spreading', 'Checkpoint tuning spreads writes. Checkpoint tuning needs care.'),
  ent('other', 'Vacuum', 'Vacuum reclaims dead tuples. A checkpoint flushes pages.', { category: ['Maintenance'] }),
  ent('lonely', 'Lonely Title', 'This entity is about something unrelated to writes.'),
];

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('explain: why a result scored what it did', () => {
  const idx = LexIndex.build(CORPUS);

  it('is off by default and adds nothing to the answer', () => {
    const a = idx.ask('checkpoint tuning');
    expect(a.results.length).toBeGreaterThan(0);
    for (const r of a.results) expect(r.explain).toBeUndefined();
  });

  it('lists the matched multi-token and each field share, adding up to 1', () => {
    const a = idx.ask('checkpoint tuning', { explain: true });
    const byId = new Map(a.results.map((r) => [r.id, r]));
    const titled = byId.get('titled')?.explain;
    const body = byId.get('body')?.explain;
    expect(titled && body).toBeTruthy();
    // the multi-token is among the terms each of the two entities holds, shown in its display form
    expect(titled!.terms.find((t) => t.words === 2)?.token.toLowerCase()).toBe('checkpoint tuning');
    expect(body!.terms.find((t) => t.words === 2)?.token.toLowerCase()).toBe('checkpoint tuning');
    // where the words are: only the title for one, only the body for the other
    expect(titled!.fields.title).toBeCloseTo(1, 3);
    expect(body!.fields.body).toBeCloseTo(1, 3);
    expect(body!.fields.title).toBe(0);
    for (const r of a.results) {
      const ex = r.explain!;
      expect(sum(FIELDS.map((f) => ex.fields[f])) + ex.softMatch).toBeCloseTo(1, 3);
      expect(sum(ex.terms.map((t) => t.share)) + ex.softMatch).toBeCloseTo(1, 3);
      for (const t of ex.terms) expect(sum(FIELDS.map((f) => t.fields[f]))).toBeCloseTo(t.share, 3);
      expect(ex.softMatch).toBe(0);
    }
    // "other" holds only "checkpoint", in its body: one term, all of it from the body
    const other = byId.get('other')?.explain;
    expect(other?.terms.map((t) => t.token.toLowerCase())).toEqual(['checkpoint']);
    expect(other?.fields.body).toBeCloseTo(1, 3);
  });

  it('decomposes the ranking score exactly: the terms\' parts add up to each raw score', () => {
    const p = resolveParams({ wTitle: 7, wBody: 0.5, k1: 1.7 });
    const { terms } = idx.matchPrompt('checkpoint tuning writes', p);
    const r = idx.rank(terms, p, 10);
    const ex = idx.explainRanked(terms, p, r.slots, r.scores);
    expect(ex).toHaveLength(r.slots.length);
    ex.forEach((e, i) => {
      expect(e.score).toBe(r.scores[i]);
      expect(sum(e.terms.map((t) => t.score))).toBeCloseTo(r.scores[i] as number, 9);
      for (const t of e.terms) expect(sum(FIELDS.map((f) => t.fields[f]))).toBeCloseTo(t.score, 9);
    });
  });

  it('decomposes the scores of a caller who sees only part of the collection (idf over what it sees)', () => {
    const secret: Entity[] = [
      ...CORPUS,
      ent('hidden1', 'Checkpoint internals', 'Checkpoint tuning for operators only.', { acl: ['ops'] }),
      ent('hidden2', 'Checkpoint storms', 'Checkpoint storms and checkpoint tuning.', { acl: ['ops'] }),
    ];
    const big = LexIndex.build(secret);
    const p = resolveParams({});
    for (const caller of [{ aclGroups: [] }, { aclGroups: ['ops'] }]) {
      const scope = big.scopeFor(caller);
      const { terms } = big.matchPrompt('checkpoint tuning', p, scope);
      const r = big.rank(terms, p, 10, scope);
      const ex = big.explainRanked(terms, p, r.slots, r.scores, scope);
      ex.forEach((e, i) => expect(sum(e.terms.map((t) => t.score))).toBeCloseTo(r.scores[i] as number, 9));
    }
  });

  it('gives the soft match its own share when it lifts a result', () => {
    // "spread" and "writes" go together in two entities; the soft match lets "spread" stand in for "writes"
    const many: Entity[] = [
      ...CORPUS,
      ent('s1', 'Spread one', 'Spread writes evenly. Spread writes again.'),
      ent('s2', 'Spread two', 'Spread writes over time. Spread writes later.'),
      ent('s3', 'Spread three', 'Spread writes at night. Spread writes by day.'),
      ent('only-spread', 'Spread only', 'Spread the load evenly over time and spread it again.'),
    ];
    const big = LexIndex.build(many);
    const a = big.ask('writes vacuum', { explain: true, softMatch: 2 });
    const lifted = a.results.filter((r) => (r.explain?.softMatch ?? 0) > 0);
    expect(lifted.length).toBeGreaterThan(0);
    for (const r of lifted) expect(sum(FIELDS.map((f) => r.explain!.fields[f])) + r.explain!.softMatch).toBeCloseTo(1, 3);
  });
});

describe('paramSpecs', () => {
  it('describes every frontend parameter with its default, type and a help line', () => {
    const specs = paramSpecs();
    expect(specs.map((s) => s.name)).toEqual(PARAM_NAMES);
    for (const s of specs) {
      expect(s.default).toEqual(DEFAULT_PARAMS[s.name]);
      expect(s.help.length).toBeGreaterThan(0);
      if (s.kind === 'int' || s.kind === 'num') expect(s.min).toBeLessThanOrEqual(s.max as number);
    }
    expect(specs.find((s) => s.name === 'pmi')).toMatchObject({ kind: 'enum', options: ['xllm', 'log', 'npmi'] });
    expect(specs.find((s) => s.name === 'explain')).toMatchObject({ kind: 'bool', default: false });
  });
});
