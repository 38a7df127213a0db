import fc from 'fast-check';
import type { Entity } from './entity';
import { LexIndex, unpackTf } from './lexindex';
import { DEFAULT_PARAMS, ParamError, parseParams, validateParams } from './params';

function ent(id: string, title: string, text: string, extra: Partial<Entity> = {}): Entity {
  return { id, url: `http://docs.test/${id}`, title, text, category: [], tags: [], links: [], ...extra };
}

const CORPUS: Entity[] = [
  ent('wal', 'Write-Ahead Logging', 'The max_wal_size setting bounds the WAL between checkpoints. Checkpoints flush dirty pages.', {
    category: ['Server Administration', 'Reliability'],
    headings: ['WAL Configuration'],
    links: [{ url: 'http://docs.test/vacuum', text: 'routine vacuuming' }],
  }),
  ent('vacuum', 'Routine Vacuuming', 'VACUUM reclaims storage occupied by dead tuples. Vacuum freeze prevents transaction ID wraparound.', {
    category: ['Server Administration', 'Maintenance'],
    links: [{ url: 'http://docs.test/wal', text: 'write-ahead log', kind: 'see-also' }],
  }),
  ent('activity', 'Monitoring Activity', 'The pg_stat_activity view shows long running queries. Each row is one server process.', {
    category: ['Server Administration', 'Monitoring'],
    tags: ['statistics'],
    links: [{ url: 'http://docs.test/vacuum#freeze', text: 'vacuum freeze' }],
  }),
  ent('index', 'Partial Indexes', 'A partial index is built over a subset of a table. Create a partial index with a WHERE clause.', {
    category: ['The SQL Language', 'Indexes'],
  }),
  ent('cpp', 'Client Libraries', 'Drivers exist for C++, node.js and Python. The C++ driver wraps libpq.', { category: ['Interfaces'] }),
];

describe('LexIndex answering', () => {
  const idx = LexIndex.build(CORPUS);

  it('ranks the entity that holds an identifier first and keeps identifiers whole', () => {
    expect(idx.search('max_wal_size')[0]?.id).toBe('wal');
    expect(idx.search('pg_stat_activity long running queries')[0]?.id).toBe('activity');
    expect(idx.dfOf('pg_stat_activity')).toBe(1);
    expect(idx.dfOf('c++')).toBe(1);
    expect(idx.dfOf('node.js')).toBe(1);
  });

  it('merges inflections (indexes → index), shows a matched word as the prompt wrote it, and displays the most frequent surface form', () => {
    const a = idx.ask('partial indexes');
    expect(a.results[0]?.id).toBe('index');
    expect(a.matched.map((m) => m.token)).toContain('indexes');
    expect(a.matched.map((m) => m.token)).not.toContain('index');
    expect(idx.display('index')).toBe('index');
  });

  it('uses anchor text of inbound links as evidence', () => {
    // "write-ahead log" only occurs as the anchor text of the link from vacuum → wal (and in wal's title)
    expect(idx.search('write ahead log')[0]?.id).toBe('wal');
  });

  it('answers with scores in 0..1, verbatim snippets and a cited extractive summary', () => {
    const a = idx.ask('vacuum freeze wraparound');
    expect(a.noAnswer).toBeUndefined();
    expect(a.results[0]?.id).toBe('vacuum');
    for (const r of a.results) {
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThanOrEqual(1);
      const e = CORPUS.find((x) => x.id === r.id) as Entity;
      for (const s of r.snippets) expect(e.text.slice(s.start, s.end)).toBe(s.text);
    }
    expect(a.summary.length).toBeGreaterThan(0);
    for (const s of a.summary) {
      const e = CORPUS.find((x) => x.id === s.sourceId) as Entity;
      expect(e.text.includes(s.sentence)).toBe(true);
    }
    expect(a.categories[0]?.path).toBe('Server Administration > Maintenance');
    expect(a.timings.totalMs).toBeGreaterThanOrEqual(0);
  });

  it('says noAnswer with a reason when nothing matches', () => {
    const a = idx.ask('zebra giraffe');
    expect(a.results).toEqual([]);
    expect(a.noAnswer?.reason).toMatch(/none of the prompt's words/);
    expect(idx.ask('the of and').noAnswer?.reason).toMatch(/no searchable words/);
    expect(new LexIndex().ask('vacuum').noAnswer?.reason).toMatch(/empty/);
  });

  it('matches a multi-token in any word order (each ordering looked up in the trie)', () => {
    const two = LexIndex.build([
      ent('a', 'A', 'transaction wraparound happens. transaction wraparound again.'),
      ent('b', 'B', 'transaction wraparound is bad.'),
    ]);
    const m = two.matchPrompt('wraparound transaction', { ...DEFAULT_PARAMS });
    expect(m.terms.some((t) => t.key === 'transact~wraparound')).toBe(true);
  });

  it('rejects unknown or out-of-range parameters with the key named', () => {
    expect(() => parseParams({ nope: '1' })).toThrow(ParamError);
    expect(() => parseParams({ nope: '1' })).toThrow(/nope/);
    expect(() => parseParams({ k: '0' })).toThrow(/"k"/);
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(() => parseParams(JSON.parse(`{${JSON.stringify(key)}: "1"}`))).toThrow(`unknown parameter "${key}"`);
      expect(() => validateParams(JSON.parse(`{${JSON.stringify(key)}: 1}`))).toThrow(`unknown parameter "${key}"`);
    }
    expect(parseParams({ k: '5', expand: 'true', ignore: 'data,table' })).toEqual({ k: 5, expand: true, ignore: ['data', 'table'] });
    expect(() => idx.ask('vacuum', { bBody: 3 })).toThrow(ParamError);
  });

  it('changes ranking per query without a rebuild (field weights)', () => {
    const twoDocs = LexIndex.build([ent('t', 'checkpoint', 'nothing here'), ent('b', 'other', 'checkpoint checkpoint checkpoint')]);
    expect(twoDocs.search('checkpoint', { wTitle: 10, wBody: 1 })[0]?.id).toBe('t');
    expect(twoDocs.search('checkpoint', { wTitle: 0, wBody: 1 })[0]?.id).toBe('b');
  });

  describe('soft match (softMatch)', () => {
    // "colorectal" and "colon" share four abstracts (five hold each); 'colon' speaks of colon screening without the
    // prompt's word "colorectal", 'donors' holds "screening" twice and nothing of colorectal
    const docs = LexIndex.build([
      ent('a1', 'Colorectal cancer', 'Colorectal tumours of the colon grow slowly.'),
      ent('a2', 'Colon polyps', 'Polyps of the colon precede colorectal carcinoma.'),
      ent('a3', 'Diet and the colon', 'Fibre protects the colon against colorectal disease.'),
      ent('a4', 'Colorectal surgery', 'Resection of the colon for colorectal tumours.'),
      ent('a5', 'Colorectal registry', 'A registry of colorectal tumours.'),
      ent('colon', 'Sigmoidoscopy', 'Colon screening by sigmoidoscopy in adults.'),
      ent('donors', 'Blood donors', 'Screening of donors, repeated screening of blood.'),
      ent('f1', 'Lung function', 'Spirometry measures lung volume.'),
      ent('f2', 'Renal failure', 'Dialysis replaces kidney function.'),
      ent('f3', 'Bone density', 'Calcium and vitamin D for bone.'),
      ent('f4', 'Sleep apnea', 'Airway obstruction during sleep.'),
    ]);
    const prompt = 'colorectal screening';
    const order = (ids: string[]) => ({ colon: ids.indexOf('colon'), donors: ids.indexOf('donors') });

    it('lists the words sharing the most entities as document-level associates', () => {
      const t = docs.termIdOf(docs.matchPrompt('colorectal', { ...DEFAULT_PARAMS }).words[0] as string) as number;
      const assoc = docs.docAssociations(t).map((a) => docs.termKey(a.termId));
      expect(assoc[0]).toBe('colon');
      for (const a of docs.docAssociations(t)) expect(a.joint).toBeGreaterThanOrEqual(3);
    });

    it('is off by default, and off leaves the ranking and scores unchanged', () => {
      expect(DEFAULT_PARAMS.softMatch).toBe(0);
      expect(docs.search(prompt, { softMatch: 0 })).toEqual(docs.search(prompt));
      const off = order(docs.search(prompt).map((h) => h.id));
      expect(off.colon).toBeGreaterThan(off.donors);
    });

    it('lifts an entity matching a prompt word only through an associated word', () => {
      const hits = docs.search(prompt, { softMatch: 1 });
      const on = order(hits.map((h) => h.id));
      expect(on.colon).toBeGreaterThanOrEqual(0);
      expect(on.colon).toBeLessThan(on.donors);
      // scores stay a share of the best achievable one
      for (const h of hits) expect(h.score).toBeLessThanOrEqual(1);
      // the same set of entities, only re-ordered, and k is honoured
      expect(new Set(hits.map((h) => h.id))).toEqual(new Set(docs.search(prompt).map((h) => h.id)));
      expect(docs.search(prompt, { softMatch: 1, k: 2 })).toHaveLength(2);
    });

    it('recomputes the associates after an incremental update (same answer as a fresh build)', () => {
      const base = [ent('b1', 'Colorectal', 'colorectal colon'), ent('b2', 'Colorectal', 'colorectal colon'), ent('b3', 'Colon', 'colon screening')];
      const more = ent('b4', 'Colorectal', 'colorectal colon');
      const inc = LexIndex.build(base);
      inc.search(prompt, { softMatch: 1 }); // fills the cache of associates
      inc.add(more);
      expect(inc.search(prompt, { softMatch: 1 })).toEqual(LexIndex.build([...base, more]).search(prompt, { softMatch: 1 }));
    });

    it('validates its weight', () => {
      expect(parseParams({ softMatch: '0.3' })).toEqual({ softMatch: 0.3 });
      expect(() => parseParams({ softMatch: '-1' })).toThrow(/"softMatch"/);
    });
  });

  it('round-trips through its binary snapshot with identical tables and answers', () => {
    const bytes = idx.serialize();
    // the parts a writer takes one by one (header, then each section) are the snapshot's bytes in order
    const parts = idx.serializeParts();
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.compare(Buffer.concat(parts), Buffer.from(bytes))).toBe(0);
    const back = LexIndex.deserialize(bytes);
    expect(back.exportTables({ allTerms: true })).toEqual(idx.exportTables({ allTerms: true }));
    expect(back.search('vacuum freeze')).toEqual(idx.search('vacuum freeze'));
    // a loaded index still takes incremental updates
    back.remove('vacuum');
    const fresh = LexIndex.build(CORPUS.filter((e) => e.id !== 'vacuum'));
    expect(back.exportTables({ allTerms: true })).toEqual(fresh.exportTables({ allTerms: true }));
    expect(() => LexIndex.deserialize(bytes.subarray(0, 40))).toThrow(/truncated|snapshot/);
  });
});

describe('answer sizes', () => {
  it('lists no related multi-token with relatedCount 0, and as many as asked otherwise', () => {
    const idx = LexIndex.build([
      ent('a', 'Vacuum freeze', 'Vacuum freeze marks old tuples frozen. Autovacuum runs vacuum freeze on old tables.'),
      ent('b', 'Vacuum full', 'Vacuum full rewrites tables. Vacuum freeze is lighter than vacuum full on old tables.'),
      ent('c', 'Autovacuum', 'Autovacuum runs vacuum freeze and analyze on old tables.'),
    ]);
    expect(idx.ask('vacuum freeze', { relatedCount: 0, minCoverage: 0, minBest: 0 }).related).toEqual([]);
    const some = idx.ask('vacuum freeze', { relatedCount: 2, minCoverage: 0, minBest: 0 }).related;
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThanOrEqual(2);
  });
});

describe('distilled lexicon', () => {
  const a = ent('a', 'Checkpoint tuning', 'Raise max wal size before bulk loading. Spread checkpoint completion target.');
  const b = ent('b', 'Replication', 'Standby servers replay the wal stream.');
  const c = ent('c', 'Bulk loads', 'Raise max wal size for bulk loading and keep the wal stream short.');

  it('keeps no multi-token that one entity holds, in memory or in a snapshot', () => {
    const idx = LexIndex.build([a, b]);
    expect(idx.dfOf('wal~stream')).toBe(0);
    expect(idx.dfOf('max~wal~size')).toBe(0);
    expect(idx.dfOf('wal')).toBe(2);
    const back = LexIndex.deserialize(idx.serialize());
    expect(back.stats().multiTokens).toBe(idx.stats().multiTokens);
    expect(back.exportTables({ allTerms: true }).lexicon.every((r) => !r.token.includes('~'))).toBe(true);
  });

  it('promotes the runs an added entity shares with one other entity, with both counts, and drops them on removal', () => {
    const idx = LexIndex.deserialize(LexIndex.build([a, b]).serialize());
    idx.add(c);
    const fresh = LexIndex.build([a, b, c]);
    for (const key of ['wal~stream', 'max~wal', 'max~wal~size', 'bulk~load', 'rais~max~wal~size']) {
      expect(idx.dfOf(key)).toBe(2);
      expect(idx.termCount(idx.termIdOf(key) as number)).toBe(fresh.termCount(fresh.termIdOf(key) as number));
    }
    expect(idx.search('max wal size bulk loading', { k: 5 })).toEqual(fresh.search('max wal size bulk loading', { k: 5 }));
    idx.remove('a');
    expect(idx.dfOf('max~wal~size')).toBe(0);
    expect(idx.dfOf('wal~stream')).toBe(2);
    expect(idx.exportTables({ allTerms: true })).toEqual(LexIndex.build([b, c]).exportTables({ allTerms: true }));
  });
});

describe('incremental updates equal a rebuild (property)', () => {
  const words = ['wal', 'vacuum', 'index', 'partial', 'freeze', 'query', 'checkpoint', 'the', 'of', 'tables', 'table', 'pg_class', 'node.js'];
  const text = fc.array(fc.constantFrom(...words, '.', '\n'), { minLength: 0, maxLength: 25 }).map((a) => a.join(' '));
  const entityArb = (id: string) =>
    fc.record({
      title: text,
      text,
      category: fc.array(fc.constantFrom('Admin', 'SQL', 'Admin > Tuning'), { maxLength: 2 }),
      tags: fc.array(fc.constantFrom('perf', 'sql'), { maxLength: 2 }),
      links: fc.array(
        fc.record({ url: fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e4', 'http://x/e1#a'), text: text }),
        { maxLength: 3 },
      ),
    }).map((r) => ({ id, url: `http://x/${id}`, headings: [], ...r }) as Entity);

  const prompt = fc.array(fc.constantFrom(...words, 'extra', 'words here', 'missing'), { minLength: 1, maxLength: 5 }).map((a) => a.join(' '));
  const queryParams = fc.record({
    bBody: fc.constantFrom(0, 0.4, 1),
    bShort: fc.constantFrom(0, 0.3, 1),
    softMatch: fc.constantFrom(0, 0.5),
    minDf: fc.constantFrom(2, 3),
  });

  /** Every hit's score by id (k above the collection size, so ties at the cut cannot differ by slot order). */
  const scores = (idx: LexIndex, q: string, p: object) => new Map(idx.search(q, { k: 50, ...p }).map((h) => [h.id, h.score]));

  it('add / replace / remove / reload / ask in any order gives the tables, search results and scores of a fresh build', () => {
    fc.assert(
      fc.property(
        fc.tuple(entityArb('e0'), entityArb('e1'), entityArb('e2'), entityArb('e3'), entityArb('e4')),
        fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'reload', 'ask'), fc.integer({ min: 0, max: 4 }), fc.boolean()), { maxLength: 12 }),
        fc.array(fc.tuple(prompt, queryParams), { minLength: 1, maxLength: 6 }),
        (ents, ops, prompts) => {
          let inc = new LexIndex();
          const live = new Map<string, Entity>();
          for (const [op, i, variant] of ops) {
            const base = ents[i] as Entity;
            const e = variant ? { ...base, text: base.text + ' extra words here' } : base;
            if (op === 'add') {
              inc.add(e);
              live.set(e.id, e);
            } else if (op === 'remove') {
              expect(inc.remove(e.id)).toBe(live.delete(e.id));
            } else if (op === 'ask') {
              // answers between changes fill the caches derived from the tables (phrase postings, associations…),
              // which the next change must keep exact
              const [q, p] = prompts[i % prompts.length] as (typeof prompts)[number];
              scores(inc, q, p);
            } else {
              // a reader loads the published tables and goes on applying changes to them
              inc = LexIndex.deserialize(inc.serialize());
            }
          }
          const order = [...live.values()];
          const fresh = LexIndex.build(order);
          const tables = fresh.exportTables({ allTerms: true, minJoint: 1 });
          expect(inc.exportTables({ allTerms: true, minJoint: 1 })).toEqual(tables);
          // the stored postings of every word (loaded, changed since, or made since), by entity: slots differ
          const postingsById = (idx: LexIndex, key: string): string[] => {
            const post = idx.postingsOf(idx.termIdOf(key) as number);
            const out: string[] = [];
            for (let i = 0; i < post.length; i += 3) out.push(`${idx.slotEntity(post[i] as number)?.id} ${post[i + 1]} ${post[i + 2]}`);
            return out.sort();
          };
          for (const { token } of tables.lexicon) if (!token.includes('~')) expect(postingsById(inc, token)).toEqual(postingsById(fresh, token));
          const s1 = inc.stats();
          const s2 = fresh.stats();
          expect({ ...s1 }).toEqual({ ...s2 });
          for (const [q, p] of prompts) {
            const a = scores(inc, q, p);
            const b = scores(fresh, q, p);
            expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
            for (const [id, s] of a) expect(s).toBeCloseTo(b.get(id) as number, 12);
            expect(inc.matchPrompt(q, { ...DEFAULT_PARAMS, ...p }).terms).toEqual(fresh.matchPrompt(q, { ...DEFAULT_PARAMS, ...p }).terms.map((t) => ({ ...t, termId: expect.any(Number) })));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the phrase postings found before a change exact after it: the changed entity\'s terms are found again', () => {
    const docs = [
      ent('a', 'Solar panel care', 'A solar panel needs cleaning twice a year.'),
      ent('b', 'Roof work', 'Mount the solar panel on a south roof.'),
      ent('c', 'Wind power', 'A small wind turbine suits a windy garden.'),
    ];
    const inc = LexIndex.build(docs);
    const term = inc.termIdOf(inc.matchPrompt('solar panel', DEFAULT_PARAMS).terms.find((t) => t.words === 2)?.key as string) as number;
    const holders = (idx: LexIndex, t: number) => {
      const post = idx.postingsOf(t);
      const out: string[] = [];
      for (let i = 0; i < post.length; i += 3) out.push(`${idx.slotEntity(post[i] as number)?.id} ${post[i + 1]} ${post[i + 2]}`);
      return out.sort();
    };
    expect(holders(inc, term)).toHaveLength(2);
    const before = inc.search('solar panel wind');
    const added = ent('d', 'Solar panel prices', 'The solar panel market, solar panel by solar panel.');
    inc.add(added);
    inc.remove('b');
    inc.add(ent('b', 'Roof work', 'Mount the turbine on a north roof.'));
    const fresh = LexIndex.build([docs[0] as Entity, docs[2] as Entity, added, ent('b', 'Roof work', 'Mount the turbine on a north roof.')]);
    const freshTerm = fresh.termIdOf(fresh.matchPrompt('solar panel', DEFAULT_PARAMS).terms.find((t) => t.words === 2)?.key as string) as number;
    expect(holders(inc, term)).toEqual(holders(fresh, freshTerm));
    expect(holders(inc, term).map((h) => h.split(' ')[0])).toEqual(['a', 'd']);
    const after = inc.search('solar panel wind');
    expect(after.map((h) => [h.id, h.score])).toEqual(fresh.search('solar panel wind').map((h) => [h.id, h.score]));
    expect(after).not.toEqual(before);
  });

  it('finds the postings of a multi-token from the token streams as a rebuild stores them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 6 }), prompt, (docs, q) => {
        const idx = LexIndex.build(docs.map(([title, body], i) => ent(`d${i}`, title, body)));
        for (const t of idx.matchPrompt(q, DEFAULT_PARAMS).terms) {
          const post = idx.postingsOf(t.termId);
          // one posting per entity holding it, and the summed counts are the lexicon's
          expect(post.length / 3).toBe(idx.termDf(t.termId));
          const tf: number[] = [];
          let total = 0;
          for (let i = 0; i < post.length; i += 3) {
            unpackTf(post[i + 1] as number, post[i + 2] as number, tf);
            total += tf.reduce((x, y) => x + y, 0);
          }
          expect(total).toBe(idx.termCount(t.termId));
        }
      }),
      { numRuns: 150 },
    );
  });
});
