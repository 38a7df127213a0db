import fc from 'fast-check';
import type { Answer } from './answer';
import type { Entity } from './entity';
import { LexIndex, type Caller } from './lexindex';

/** Numbers in [0, 1) drawn by fast-check from a fixed seed, so the corpus and the prompts are the same on every run. */
function rng(seed: number): () => number {
  // without bias: fast-check otherwise favours edge values (0, the bounds), which would make every pick the first
  const xs = fc.sample(fc.noBias(fc.integer({ min: 0, max: 0x7fffffff })), { numRuns: 5000, seed });
  let i = 0;
  return () => (xs[i++ % xs.length] as number) / 0x80000000;
}

const PUBLIC_WORDS = (
  'index vacuum table query planner checkpoint replica backup restore schema column row lock transaction ' +
  'commit rollback cursor trigger function view sequence partition cluster analyze statistics buffer cache'
).split(' ');
// Secret words and multi-tokens: each occurs only in one tenant's restricted documents.
const SECRET = {
  a: { words: ['zorbaxite', 'quellanor', 'mivrathic', 'drossel'], phrase: 'velmora trunskip' },
  b: { words: ['plontrexa', 'yssiburn', 'kaftrelio', 'gwendrax'], phrase: 'hobrinth castelvoy' },
};

/** The corpus: public pages, and restricted pages of tenants a and b holding their secrets. */
function corpus(seed: number): Entity[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const sentence = (extra: readonly string[], n: number) => {
    const ws = Array.from({ length: n }, () => (extra.length && r() < 0.3 ? pick(extra) : pick(PUBLIC_WORDS)));
    return ws.join(' ') + '.';
  };
  const out: Entity[] = [];
  for (let i = 0; i < 40; i++) {
    out.push({
      id: `pub-${i}`,
      url: `http://docs.test/pub-${i}`,
      title: `${pick(PUBLIC_WORDS)} ${pick(PUBLIC_WORDS)}`,
      text: [sentence([], 8), sentence([], 10), 'The index and the table.'].join(' '),
      category: ['Public', pick(['Admin', 'SQL'])],
      tags: [pick(PUBLIC_WORDS)],
      links: i % 5 === 0 ? [{ url: `http://docs.test/b-${i % 7}`, text: 'more details', kind: 'see-also' }] : [],
    });
  }
  for (const tenant of ['a', 'b'] as const) {
    const s = SECRET[tenant];
    for (let i = 0; i < 12; i++) {
      out.push({
        id: `${tenant}-${i}`,
        url: `http://docs.test/${tenant}-${i}`,
        title: `${pick(s.words)} ${pick(PUBLIC_WORDS)}`,
        // the phrase in most documents (a distilled multi-token), secrets mixed with public words; "indexings" is a
        // surface form of a public word that only b writes, many times (it would be b's display form of "index")
        text: [
          sentence(s.words, 9),
          i % 3 === 0 ? '' : `The ${s.phrase} program.`,
          sentence(s.words, 7),
          tenant === 'b' ? `${'Indexings '.repeat(12)}and the table.` : '',
        ].join(' '),
        headings: [`${s.words[i % s.words.length] as string} overview`],
        category: [`Tenant ${tenant}`, pick(s.words)],
        tags: [pick(s.words)],
        // b's pages link public pages with secret anchor text: it must not reach a's callers through them
        links: [{ url: `http://docs.test/pub-${i}`, text: `${s.phrase} ${pick(s.words)}` }],
        acl: [`tenant-${tenant}`, ...(i % 4 === 0 ? [`${tenant}-admins`] : [])],
      });
    }
  }
  return out;
}

/** Lowercased word runs of a string. */
function wordsOf(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/**
 * Every string of an answer a caller reads, except its own prompt and parameters echoed back (and the no-answer
 * reason, which lists the prompt's own words: the test below holds it to the reason for a word found nowhere).
 */
function shownStrings(a: Answer): string[] {
  const out: string[] = [];
  for (const m of a.matched) out.push(m.token);
  for (const r of a.results) out.push(r.id, r.title, r.url ?? '', r.parent ?? '', ...r.category, ...r.tags, ...r.snippets.map((x) => x.text));
  for (const s of a.summary) out.push(s.sentence, s.sourceId);
  for (const c of a.categories) out.push(c.path);
  for (const r of a.related) out.push(r.token);
  for (const l of a.seeAlso) out.push(l.title, l.url);
  out.push(...a.suggestions);
  return out;
}

describe('document ACLs', () => {
  const docs = corpus(7);
  const idx = LexIndex.build(docs);
  const A: Caller = { aclGroups: ['tenant-a'] };
  const visibleToA = docs.filter((e) => !e.acl || e.acl.includes('tenant-a'));
  const onlyA = LexIndex.build(visibleToA);
  const bDocs = docs.filter((e) => e.acl?.includes('tenant-b'));
  const elsewhere = new Set(docs.filter((e) => !e.acl?.includes('tenant-b')).flatMap((e) => wordsOf([e.id, e.url ?? '', e.title, e.text, ...(e.headings ?? []), ...e.category, ...e.tags, ...e.links.map((l) => l.text)].join(' '))));
  const bOnlyWords = new Set(bDocs.flatMap((e) => wordsOf([e.id, e.title, e.text, ...(e.headings ?? []), ...e.category, ...e.tags, ...e.links.map((l) => l.text)].join(' '))).filter((w) => !elsewhere.has(w)));
  const bIds = new Set(bDocs.flatMap((e) => [e.id, e.url as string]));

  it('has secrets to leak: the unrestricted caller sees b\u2019s words, multi-tokens and surfaces', () => {
    for (const w of [...SECRET.b.words, 'indexings', 'hobrinth']) expect(bOnlyWords.has(w)).toBe(true);
    const all = idx.ask('hobrinth castelvoy index');
    expect(all.results.some((r) => bIds.has(r.id))).toBe(true);
    // matched words are shown as the prompt wrote them; b's surface form is what the index displays for the key
    expect(all.matched.map((m) => m.token)).toEqual(expect.arrayContaining(['hobrinth castelvoy', 'index']));
    expect(idx.display('index')).toBe('indexings');
    // a public page's anchor field does not hold b's link text even for a caller who sees everything
    expect(idx.search('castelvoy').every((h) => bIds.has(h.id))).toBe(true);
  });

  it('shows tenant a nothing that occurs only in b\u2019s documents, over 200 random prompts (secrets included)', () => {
    const r = rng(11);
    const vocab = [...PUBLIC_WORDS, ...SECRET.a.words, ...SECRET.b.words, 'indexings', 'velmora', 'trunskip', 'hobrinth', 'castelvoy', 'details'];
    const paramSets = [{}, { k: 20 }, { expand: true }, { softMatch: 0.4 }, { pmi: 'npmi' as const, minJointCount: 1 }, { minDf: 3 }];
    let fullPages = 0;
    for (let n = 0; n < 200; n++) {
      const len = 1 + Math.floor(r() * 4);
      let prompt = Array.from({ length: len }, () => vocab[Math.floor(r() * vocab.length)] as string).join(' ');
      if (n % 10 === 0) prompt = `${SECRET.b.phrase} ${prompt}`;
      const params = paramSets[n % paramSets.length] as object;
      const answer = idx.ask(prompt, params, A);
      const asked = new Set(wordsOf(prompt));
      // the same reason as an index of a's documents gives (its figures aside: the anchor field differs by links)
      const figures = (x: string | undefined) => x?.replace(/\d+%/g, 'N%');
      if (answer.noAnswer) expect(figures(answer.noAnswer.reason)).toBe(figures(onlyA.ask(prompt, params).noAnswer?.reason));
      for (const s of shownStrings(answer)) {
        // a word of the prompt itself is the caller's own (matched words are shown as the prompt wrote them)
        for (const w of wordsOf(s)) if (bOnlyWords.has(w) && !asked.has(w)) throw new Error(`"${prompt}" shows tenant a the word "${w}" of b (in "${s}")`);
        if (bIds.has(s)) throw new Error(`"${prompt}" shows tenant a b's entity ${s}`);
      }
      // every matched or related multi-token occurs in a document a may see
      for (const t of [...answer.matched.map((m) => m.token), ...answer.related.map((x) => x.token)]) {
        const key = idx.analyzer.sentences(t).flatMap((x) => x.keys).join('~');
        expect({ prompt, t, df: onlyA.dfOf(key) > 0 }).toEqual({ prompt, t, df: true });
      }
      for (const res of answer.results) expect(visibleToA.some((e) => e.id === res.id)).toBe(true);
      // a full page of what a may see: as many results as an index of a's documents finds, up to k
      const k = (params as { k?: number }).k ?? 10;
      // (a prompt the visible documents do not cover is declined, as by an index of a's documents: checked above)
      const expected = answer.noAnswer ? 0 : Math.min(k, onlyA.search(prompt, { ...params, k: 1000 }).length);
      expect(answer.results.length).toBe(expected);
      if (expected === 10) fullPages++;
    }
    expect(fullPages).toBeGreaterThan(20);
  });

  it('answers a restricted caller as an index of the documents it may see would (links aside)', () => {
    // without links, the visible statistics are exactly those of a separate index of the visible documents
    const plain = docs.map((e) => ({ ...e, links: [] }));
    const full = LexIndex.build(plain);
    const sub = LexIndex.build(plain.filter((e) => !e.acl || e.acl.includes('tenant-a')));
    for (const prompt of ['index table', 'zorbaxite quellanor', 'velmora trunskip index', 'hobrinth castelvoy', 'vacuum planner replica']) {
      const a = full.ask(prompt, {}, A);
      const b = sub.ask(prompt);
      expect(a.matched).toEqual(b.matched);
      expect(a.related).toEqual(b.related);
      expect(a.suggestions).toEqual(b.suggestions);
      expect(full.search(prompt, { k: 100 }, A).map((h) => h.id).sort()).toEqual(sub.search(prompt, { k: 100 }).map((h) => h.id).sort());
    }
  });

  it('treats a caller without groups as seeing everything, and unknown groups as public only', () => {
    const prompt = 'index table zorbaxite plontrexa';
    expect(idx.ask(prompt, {}, {})).toEqual({ ...idx.ask(prompt), timings: expect.any(Object) });
    const outsider = idx.search(prompt, { k: 100 }, { aclGroups: ['nobody'] });
    expect(outsider.length).toBeGreaterThan(0);
    for (const h of outsider) expect(h.id.startsWith('pub-')).toBe(true);
    // a document with an empty acl is for callers who see everything only
    const sealed = LexIndex.build([...docs, { id: 'sealed', title: 'sealed zorbaxite', text: 'zorbaxite index', category: [], tags: [], links: [], acl: [] }]);
    expect(sealed.search('sealed', {}, { aclGroups: ['tenant-a'] })).toEqual([]);
    expect(sealed.search('sealed')[0]?.id).toBe('sealed');
    // a secret word a cannot see is reported as missing, exactly as a word found nowhere
    expect(idx.ask('plontrexa', {}, A).noAnswer?.reason).toBe(idx.ask('qqqqq', {}, A).noAnswer?.reason?.replace('qqqqq', 'plontrexa'));
  });

  it('keys an audience by what it sees: "*" for every caller who sees everything, its groups otherwise', () => {
    expect(idx.audienceKey()).toBe('*');
    expect(idx.audienceKey({ aclGroups: ['tenant-a', 'tenant-b'] })).toBe('*'); // a group in every restricted class
    expect(idx.audienceKey({ aclGroups: ['tenant-b', 'tenant-a', 'tenant-b'] })).toBe('*');
    expect(idx.audienceKey(A)).toBe('["tenant-a"]');
    expect(idx.audienceKey({ aclGroups: [] })).toBe('[]');
    expect(idx.audienceKey({ aclGroups: ['nobody', 'tenant-a'] })).toBe('["nobody","tenant-a"]');
    // the answers of an audience keyed "*" are the unrestricted caller's
    const prompt = 'hobrinth castelvoy zorbaxite index';
    expect({ ...idx.ask(prompt, {}, { aclGroups: ['tenant-a', 'tenant-b'] }), timings: null }).toEqual({ ...idx.ask(prompt), timings: null });
    // a collection without restricted documents: every caller, with or without groups, is the same audience
    const open = LexIndex.build(docs.map(({ acl: _acl, ...e }) => e));
    for (const groups of [[], ['tenant-a'], ['x', 'y']]) expect(open.audienceKey({ aclGroups: groups })).toBe('*');
  });

  it('builds a caller\u2019s view once per index version and keeps a busy one while many callers come and go', () => {
    // one restricted page per group, so each group's caller has a view of its own
    const teams = Array.from({ length: 300 }, (_, i) => `team-${i}`);
    const pages: Entity[] = [
      { id: 'pub', title: 'public index', text: 'The index of the handbook.', category: [], tags: [], links: [] },
      ...teams.map((t) => ({ id: t, title: `${t} notes`, text: 'Notes of the team.', category: [], tags: [], links: [], acl: [t] })),
    ];
    const many = LexIndex.build(pages);
    const view = (groups: string[]) => many.scopeFor({ aclGroups: groups }).view;
    const busy = view(['team-0']);
    expect(busy).not.toBeNull();
    expect(view(['team-0'])).toBe(busy);
    expect(view(['team-0', 'nobody'])).toBe(busy); // other groups, the same visible documents: the same view
    // 299 other callers, each with a view of its own (more than the 256 callers and 64 views kept): the busy one,
    // asked between them, keeps its view (and the statistics memoized in it)
    for (let i = 1; i < teams.length; i++) {
      expect(view([`team-${i}`])).not.toBe(busy);
      expect(view(['team-0'])).toBe(busy);
    }
  });

  it('keeps ACLs through snapshots and deltas (property: restricted answers equal a fresh build\u2019s)', () => {
    const groups = ['g1', 'g2'];
    const words = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma', 'the'];
    const text = fc.array(fc.constantFrom(...words, '.'), { maxLength: 14 }).map((a) => a.join(' '));
    const entityArb = (id: string) =>
      fc
        .record({
          title: text,
          text,
          acl: fc.option(fc.subarray(groups), { nil: undefined }),
          links: fc.array(fc.record({ url: fc.constantFrom('e0', 'e1', 'e2', 'e3'), text }), { maxLength: 2 }),
        })
        .map(({ acl, ...r }) => ({ id, url: `http://x/${id}`, category: [], tags: [], ...r, ...(acl ? { acl } : {}) }) as Entity);
    const callers: Caller[] = [{}, { aclGroups: ['g1'] }, { aclGroups: ['g2'] }, { aclGroups: [] }];
    fc.assert(
      fc.property(
        fc.tuple(entityArb('e0'), entityArb('e1'), entityArb('e2'), entityArb('e3')),
        fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'reload'), fc.integer({ min: 0, max: 3 }), fc.constantFrom<Array<string> | undefined>(undefined, ['g1'], ['g2'])), { maxLength: 10 }),
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 3 }),
        (ents, ops, prompt) => {
          let inc = new LexIndex();
          const live = new Map<string, Entity>();
          for (const [op, i, acl] of ops) {
            const base = ents[i] as Entity;
            const e: Entity = acl ? { ...base, acl } : base;
            if (op === 'add') {
              inc.add(e);
              live.set(e.id, e);
            } else if (op === 'remove') {
              inc.remove(e.id);
              live.delete(e.id);
            } else inc = LexIndex.deserialize(inc.serialize());
          }
          const fresh = LexIndex.build([...live.values()]);
          const q = prompt.join(' ');
          for (const c of callers) {
            const x = inc.ask(q, { minDf: 2, minJointCount: 1 }, c);
            const y = fresh.ask(q, { minDf: 2, minJointCount: 1 }, c);
            expect({ ...x, timings: null }).toEqual({ ...y, timings: null });
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
