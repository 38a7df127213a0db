import { isCovered, type Confidence } from './confidence';
import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import { resolveParams, type QueryParams } from './params';
import { chooseSummary, withExample } from './summary';

function doc(id: string, title: string, text: string): Entity {
  return { id, url: `https://db.test/${id}.html`, title, text, category: [], tags: [], links: [] };
}

/** A page whose text is its lines, its first line its title, with the headings and defined terms a reader found. */
function page(id: string, lines: string[], labels: Pick<Entity, 'headings' | 'terms'>): Entity {
  return { ...doc(id, lines[0] as string, lines.join('\n')), ...labels };
}

/** A small database manual: enough pages that a word held by one of them is rare. */
const MANUAL: Entity[] = [
  doc('partial', 'Partial Indexes', [
    'A partial index is an index built over a subset of a table; the subset is defined by a conditional expression.',
    'To create a partial index that suits our example, use a command such as this:',
    'CREATE INDEX orders_unbilled_index ON orders (order_nr)',
    '    WHERE billed is not true;',
    'See CREATE INDEX for details.',
    'A partial index can be used in a query only if the system can recognize that the WHERE condition of the query implies the predicate of the index.',
  ].join('\n')),
  doc('createindex', 'CREATE INDEX', 'CREATE INDEX constructs an index on the specified column of the specified table. A partial index is created when a WHERE clause is given.'),
  doc('vacuum', 'Routine Vacuuming', 'VACUUM reclaims storage occupied by dead tuples. Autovacuum runs vacuum and analyze automatically on every table.'),
  doc('wal', 'Write-Ahead Logging', 'The write-ahead log records every change before data files are written. The max_wal_size setting bounds the log.'),
  doc('locks', 'Explicit Locking', 'Row-level locks block concurrent writers of the same row of a table. Deadlocks are detected and one transaction is aborted.'),
  doc('json', 'JSON Types', 'The jsonb type stores parsed JSON in a binary form. GIN indexes speed up containment queries on jsonb columns of a table.'),
  doc('copy', 'COPY', 'COPY moves data between a table and a file. COPY FROM reads a file into a table; COPY TO writes a table to a file.'),
  doc('roles', 'Database Roles', 'A role owns database objects and holds privileges. GRANT gives a role privileges on a table or a schema.'),
];

describe('knowing when not to answer', () => {
  const idx = LexIndex.build(MANUAL);

  it('declines a prompt the collection does not cover, with its figures', () => {
    const a = idx.ask('copy a sourdough bread recipe from a cookbook to a file');
    expect(a.noAnswer?.reason).toMatch(/does not cover the prompt/);
    expect(a.results).toEqual([]);
    const off = idx.ask('what does the write-ahead log of a sourdough bakery record', { minCoverage: 0, minBest: 0 });
    expect(off.noAnswer).toBeUndefined();
  });

  it('answers a covered prompt and says how well it is covered', () => {
    const a = idx.ask('create a partial index');
    expect(a.noAnswer).toBeUndefined();
    expect(a.confidence?.coverage).toBe(1);
    expect(a.confidence?.best).toBeGreaterThan(0.12);
    expect(a.results[0]?.id).toBe('partial');
  });
});

describe('a short prompt held by one entity, a best score strong for the collection', () => {
  // 24 pages, so the build learns the collection's typical best score from their titles
  const topics = ['vacuum', 'checkpoint', 'tablespace', 'sequence', 'trigger', 'cursor', 'savepoint', 'collation', 'publication', 'subscription', 'extension', 'operator'];
  const pages: Entity[] = topics.flatMap((t, i) => [
    doc(`${t}-cmd`, `CREATE ${t.toUpperCase()}`, `CREATE ${t.toUpperCase()} defines a new ${t}. The ${t} belongs to the schema of its owner.`),
    doc(`${t}-use`, `Using a ${t}`, `A ${t} is used by the server ${i % 2 ? 'at night' : 'in red'}. Each ${t} has an owner and a name.`),
  ]);
  const idx = LexIndex.build(pages);

  it('learns the typical best score from the titles and keeps it in snapshots', () => {
    expect(idx.options.typicalBest).toBeGreaterThan(0);
    expect(LexIndex.deserialize(idx.serialize()).options.typicalBest).toBe(idx.options.typicalBest);
    expect(LexIndex.build(pages.slice(0, 8)).options.typicalBest).toBeUndefined();
  });

  it('declines a short prompt whose words are on different pages, and answers one whose words share a page', () => {
    // "checkpoint" and "cursor" are each held by two pages, never together
    const scattered = idx.ask('checkpoint cursor');
    expect(scattered.noAnswer?.reason).toMatch(/does not cover the prompt/);
    expect(idx.ask('checkpoint cursor', { minHeld: 0 }).noAnswer).toBeDefined();
    expect(idx.ask('checkpoint cursor', { minHeld: 0, minKnownHeld: 0 }).noAnswer).toBeUndefined();
    const together = idx.ask('checkpoint owner');
    expect(together.noAnswer).toBeUndefined();
    expect(together.confidence?.held).toBe(1);
  });

  it('declines a prompt whose best score is weak for the collection, unless minStrength and minShortStrength are 0', () => {
    // "night" is a word of half the "Using" pages, in their body only: far below what a title asked of its page scores
    const weak = idx.ask('night');
    expect(weak.confidence?.strength).toBeLessThan(0.4);
    // covered, well matched and held: only its strength declines it
    expect(weak.confidence).toMatchObject({ coverage: 1, held: 1 });
    expect(weak.confidence?.best).toBeGreaterThan(0.12);
    expect(weak.noAnswer?.reason).toMatch(/typical best score/);
    expect(idx.ask('night', { minStrength: 0 }).noAnswer?.reason).toMatch(/typical best score/);
    expect(idx.ask('night', { minStrength: 0, minShortStrength: 0 }).noAnswer).toBeUndefined();
    const strong = idx.ask('create savepoint');
    expect(strong.noAnswer).toBeUndefined();
    expect(strong.confidence?.strength).toBeGreaterThan(1);
  });

  it('declines a long prompt whose common words share a page and whose rare words are scattered, unless minLongHeld or minRareHeld is 0', () => {
    // every topic word is held by two pages of its own: the best page holds the common words and one topic of ten
    const scattered = 'server night owner name checkpoint cursor savepoint collation trigger sequence tablespace publication subscription extension';
    const a = idx.ask(scattered);
    expect(a.confidence).toMatchObject({ coverage: 1 });
    expect(a.confidence?.held).toBeLessThan(0.28);
    expect(a.confidence?.rareHeld).toBeLessThan(0.12);
    // covered, above minBest and strong (many matched words add up): only the long prompt's hold declines it
    expect(a.confidence?.best).toBeGreaterThan(0.12);
    expect(a.confidence?.strength).toBeGreaterThan(1);
    expect(a.noAnswer?.reason).toMatch(/of its rare words' weight/);
    expect(idx.ask(scattered, { minLongHeld: 0 }).noAnswer).toBeUndefined();
    expect(idx.ask(scattered, { minRareHeld: 0 }).noAnswer).toBeUndefined();
    // a long prompt one page holds whole is answered, by that page
    const held = idx.ask('a checkpoint used by the server at night has an owner and a name');
    expect(held.noAnswer).toBeUndefined();
    expect(held.confidence).toMatchObject({ held: 1, rareHeld: 1 });
    expect(held.results[0]?.id).toBe('checkpoint-use');
  });
});

describe('isCovered: which evidence declines a prompt', () => {
  const p = resolveParams();
  // a prompt its best result holds whole, with a strong score
  const sure: Confidence = { coverage: 1, best: 0.9, held: 1, rareHeld: 1, strength: 2 };

  // each check: a confidence it declines, the prompt's distinct words, and the threshold that turns the check off
  const checks: Array<{ check: string; c: Confidence; words: number; off: Array<Partial<QueryParams>> }> = [
    { check: 'minHeld (short prompt)', c: { ...sure, held: 0.6 }, words: 3, off: [{ minHeld: 0, minKnownHeld: 0 }] },
    // every word known, one of them on another page than the rest
    { check: 'minKnownHeld (short prompt)', c: { ...sure, held: 0.7 }, words: 3, off: [{ minKnownHeld: 0 }] },
    // a long prompt whose best result holds its common words only
    { check: 'minLongHeld with minRareHeld', c: { ...sure, held: 0.2, rareHeld: 0.05 }, words: 9, off: [{ minLongHeld: 0 }, { minRareHeld: 0 }] },
    { check: 'minLongCoverage with minLongBest', c: { ...sure, coverage: 0.58, best: 0.15 }, words: 7, off: [{ minLongCoverage: 0 }, { minLongBest: 0 }] },
    { check: 'minShortStrength', c: { ...sure, strength: 0.5 }, words: 2, off: [{ minShortStrength: 0 }] },
    { check: 'minStrength', c: { ...sure, strength: 0.3 }, words: 5, off: [{ minStrength: 0 }] },
  ];

  it('answers a prompt held whole with a strong score, short or long', () => {
    expect(isCovered(sure, p, 2)).toBe(true);
    expect(isCovered(sure, p, 8)).toBe(true);
  });

  it.each(checks)('declines by $check, and not with the check off', ({ c, words, off }) => {
    expect(isCovered(c, p, words)).toBe(false);
    for (const o of off) expect(isCovered(c, { ...p, ...o }, words)).toBe(true);
  });

  it('holds only short prompts to minHeld and minShortStrength, and only long ones to the long-prompt checks', () => {
    expect(isCovered({ ...sure, held: 0.6 }, p, 4)).toBe(true);
    expect(isCovered({ ...sure, strength: 0.5 }, p, 5)).toBe(true);
    expect(isCovered({ ...sure, held: 0.2, rareHeld: 0.05 }, p, 3)).toBe(false); // by minHeld
    expect(isCovered({ ...sure, held: 0.2, rareHeld: 0.05 }, { ...p, minHeld: 0, minKnownHeld: 0 }, 3)).toBe(true);
    // a word lacking (a typo): the rest held together on the best result
    expect(isCovered({ ...sure, coverage: 0.67, held: 0.67 }, p, 3)).toBe(true);
    // held weakly, but its rare words are on the best result: a paraphrase of the page
    expect(isCovered({ ...sure, held: 0.2, rareHeld: 0.5 }, p, 9)).toBe(true);
    expect(isCovered({ ...sure, coverage: 0.58, best: 0.3 }, p, 7)).toBe(true);
  });

  it('waives the strength checks for a prompt its best result holds fully, and has none without a typical best score', () => {
    // a word common to the collection: its best page holds it fully, its score is low because its idf is
    const common = { ...sure, best: 0.98, strength: 0.2 };
    expect(isCovered(common, p, 1)).toBe(true);
    expect(isCovered(common, { ...p, fullBest: 0 }, 1)).toBe(false);
    expect(isCovered({ ...common, best: 0.9 }, p, 1)).toBe(false);
    const { strength: _, ...noStrength } = { ...sure, strength: 0.1 };
    expect(isCovered(noStrength, p, 2)).toBe(true);
  });
});

describe('a summary that answers', () => {
  const idx = LexIndex.build(MANUAL);
  // a page of a manual: its table of contents, then its sections
  const arrays = page(
    'arrays',
    [
      '8.15. Arrays',
      '8.15.1. Declaration of Array Types',
      '8.15.2. Accessing Arrays',
      '8.15.3. Modifying Arrays',
      'PostgreSQL allows columns of a table to be defined as variable-length multidimensional arrays.',
      '8.15.1. Declaration of Array Types',
      'An array type is named by appending square brackets to the data type name of the array elements.',
      '8.15.2. Accessing Arrays',
      'Now, we can run some queries on the table.',
      'First, we show how to access a single element of an array.',
      'Arrays are accessed with subscripts written in square brackets, and any array element can be accessed this way.',
      '8.15.3. Modifying Arrays',
      'An array value can be replaced completely with a new value written as an array constant.',
    ],
    { headings: ['8.15. Arrays', '8.15.1. Declaration of Array Types', '8.15.2. Accessing Arrays', '8.15.3. Modifying Arrays'] },
  );


  it('carries the example a sentence introduces, keeps cross-references out, and stays verbatim', () => {
    const a = idx.ask('create a partial index', { summarySentences: 3 });
    const texts = a.summary.map((s) => s.sentence);
    expect(texts.some((t) => /^See /.test(t))).toBe(false);
    const intro = a.summary.find((s) => s.sentence.startsWith('To create a partial index'));
    expect(intro?.sentence).toContain('CREATE INDEX orders_unbilled_index ON orders (order_nr)\n    WHERE billed is not true;');
    for (const s of a.summary) expect((idx.get(s.sourceId) as Entity).text.slice(s.start, s.end)).toBe(s.sentence);
  });

  it('puts a sentence holding every prompt word before one holding a few', () => {
    const text = 'Indexes speed up reads. A partial index covers part of a table.';
    const out = chooseSummary(
      [
        { sourceId: 'a', text, start: 0, end: 23, cover: 0.4, all: false, phrase: 0, rank: 0 },
        { sourceId: 'a', text, start: 24, end: text.length, cover: 1, all: true, phrase: 1, rank: 0 },
      ],
      1,
    );
    expect(out[0]?.sentence).toBe('A partial index covers part of a table.');
  });

  it('leads with the sentence that defines the prompt\'s multi-token when one exists', () => {
    const notes = doc('notes', 'Index Notes', [
      'Notes on the partial index feature follow in this section.',
      'The planner may skip a partial index when the query does not imply its predicate.',
      'A partial index is an index built over a subset of a table, defined by a conditional expression.',
    ].join(' '));
    const idx2 = LexIndex.build([notes, ...MANUAL.slice(2)]);
    const a = idx2.ask('partial index');
    expect(a.summary[0]?.sentence).toBe('A partial index is an index built over a subset of a table, defined by a conditional expression.');
  });

  it('answers a term with its entry: the term line and its definition, verbatim', () => {
    const memory = page(
      'memory',
      [
        '20.4. Resource Consumption',
        'Each configuration parameter of this section bounds the memory a server process takes.',
        'Of these, work_mem is the one most often changed.',
        'work_mem (integer)',
        'Sets the base maximum amount of memory to be used by a query operation before writing to temporary disk files.',
        'maintenance_work_mem (integer)',
        'Specifies the maximum amount of memory to be used by maintenance operations.',
      ],
      { headings: ['20.4. Resource Consumption'], terms: ['work_mem (integer)', 'maintenance_work_mem (integer)'] },
    );
    // "configuration parameter" is common in a manual; "work_mem" is the rare word that says what is asked
    const areas = ['logging', 'autovacuum', 'replication', 'locking', 'vacuum', 'statistics', 'planner', 'archiving'];
    const settings = [...areas, 'connection', 'ssl', 'checkpoint', 'client', 'parallel', 'wal', 'jit', 'cost'].map((area, i) =>
      doc(`settings-${i}`, `20.${i + 5}. ${area}`, `Each ${area} configuration parameter can be changed with a reload of the server.`),
    );
    const idx2 = LexIndex.build([memory, ...settings, ...MANUAL]);
    const entry = 'work_mem (integer)\nSets the base maximum amount of memory to be used by a query operation before writing to temporary disk files.';
    for (const prompt of ['work_mem', 'work_mem configuration parameter']) {
      const first = idx2.ask(prompt).summary[0];
      expect(first?.sentence).toBe(entry);
      expect(memory.text.slice(first?.start, first?.end)).toBe(first?.sentence);
    }
  });

  it('opens with the first sentence under the heading that is the prompt, not the page\'s table of contents', () => {
    const idx2 = LexIndex.build([arrays, ...MANUAL]);
    expect(idx2.ask('accessing arrays').summary[0]?.sentence).toBe('First, we show how to access a single element of an array.');
  });

  it('carries the line of the heading that names the prompt before the first sentence of its section', () => {
    const idx2 = LexIndex.build([arrays, ...MANUAL]);
    const first = idx2.ask('modifying arrays').summary[0];
    // the section number stays out; the slice is still verbatim
    expect(first?.sentence).toBe('Modifying Arrays\nAn array value can be replaced completely with a new value written as an array constant.');
    expect(arrays.text.slice(first?.start, first?.end)).toBe(first?.sentence);
    // a heading that adds no prompt word to its sentence is not carried: the prompt is not said twice
    const catalog = page('catalog', ['53.26. pg_index', 'The catalog pg_index contains part of the information about indexes.'], { headings: ['53.26. pg_index'] });
    const idx3 = LexIndex.build([catalog, ...MANUAL]);
    expect(idx3.ask('pg_index').summary[0]?.sentence).toBe('The catalog pg_index contains part of the information about indexes.');
  });

  it('judges how a sentence reads without the heading line it carries', () => {
    const text = 'The functions query documents in one language.\nQueries Are Restricted\nThe functions query documents in one language only.';
    const body = text.lastIndexOf('\n') + 1;
    const out = chooseSummary(
      [
        { sourceId: 'a', text, start: 0, end: 46, cover: 1, all: true, phrase: 0, rank: 0 },
        // "Are" of the carried heading is not a definitional form of the sentence
        { sourceId: 'b', text, start: 47, end: text.length, body, cover: 1, all: true, phrase: 0, rank: 0 },
      ],
      1,
    );
    expect(out[0]?.sentence).toBe('The functions query documents in one language.');
    // "This parameter…" refers to the term line it carries: it does not lean on a sentence before
    const entry = 'work_mem (integer)\nThis parameter sets the memory of a sort.\nOther settings bound the memory too.';
    const second = entry.lastIndexOf('\n') + 1;
    const chosen = chooseSummary(
      [
        { sourceId: 'a', text: entry, start: 0, end: second - 1, body: entry.indexOf('This'), cover: 1, all: true, phrase: 0, rank: 0 },
        { sourceId: 'a', text: entry, start: second, end: entry.length, cover: 1, all: true, phrase: 0, rank: 0 },
      ],
      1,
    );
    expect(chosen[0]?.sentence).toBe('work_mem (integer)\nThis parameter sets the memory of a sort.');
  });

  it('prefers the sentence about the prompt\'s rarest word, as the prompt wrote it, to one that mentions it', () => {
    const admin = page(
      'admin',
      [
        'F.1. adminpack',
        'Table F.1. adminpack Functions',
        'pg_catalog.pg_file_rename ( oldname text, newname text ) → boolean',
        'Renames a file.',
        'pg_file_rename renames a file and returns true on success.',
      ],
      { headings: ['F.1. adminpack'] },
    );
    const idx2 = LexIndex.build([admin, ...MANUAL]);
    expect(idx2.ask('pg_file_rename').summary[0]?.sentence).toBe('pg_file_rename renames a file and returns true on success.');
    const text = 'The intersection of two boxes is a box. Boxes are drawn by a corner and its opposite.';
    const at = text.indexOf('Boxes');
    const mention = { sourceId: 'a', text, start: 0, end: at - 1, cover: 1, all: true, phrase: 0, rank: 0 };
    const about = { sourceId: 'a', text, start: at, end: text.length, cover: 1, all: true, phrase: 0, rank: 0 };
    expect(chooseSummary([mention, about], 1)[0]?.sentence).toBe('The intersection of two boxes is a box.');
    expect(chooseSummary([mention, { ...about, subject: true }], 1)[0]?.sentence).toBe('Boxes are drawn by a corner and its opposite.');
  });

  it('answers a function with its short signature line, but not with a line that only repeats the prompt', () => {
    const info = page(
      'info',
      ['9.26. System Information Functions', 'txid_current () → bigint', 'Returns the current transaction\'s ID.', 'Boolean Data Type'],
      { headings: ['9.26. System Information Functions'] },
    );
    const idx2 = LexIndex.build([info, ...MANUAL]);
    expect(idx2.ask('txid_current').summary[0]?.sentence).toBe('txid_current () → bigint');
    const types = page('types', ['8.6. Types', 'Boolean Data Type', 'The boolean data type can hold true or false.'], { headings: ['8.6. Types'] });
    const idx3 = LexIndex.build([types, ...MANUAL]);
    expect(idx3.ask('boolean data type').summary.map((s) => s.sentence)).not.toContain('Boolean Data Type');
  });

  it('finds a chapter\'s first sentence past its table of contents', () => {
    const chapter = page(
      'chapter',
      [
        'Chapter 15. Parallel Query',
        'Table of Contents',
        '15.1. How Parallel Query Works',
        '15.2. When Can Parallel Query Be Used?',
        'PostgreSQL can devise query plans that use several CPUs; this feature is known as parallel query.',
      ],
      { headings: ['Chapter 15. Parallel Query'], terms: ['15.1. How Parallel Query Works', '15.2. When Can Parallel Query Be Used?'] },
    );
    // a section of the chapter, ranked below it, whose heading names the prompt too
    const section = page(
      'when',
      ['15.2. When Can Parallel Query Be Used?', 'There are several settings that can cause the planner not to generate a parallel query plan.'],
      { headings: ['15.2. When Can Parallel Query Be Used?'] },
    );
    const idx2 = LexIndex.build([chapter, section, ...MANUAL]);
    const a = idx2.ask('parallel query');
    expect(a.results[0]?.id).toBe('chapter');
    expect(a.summary[0]?.sentence).toBe('PostgreSQL can devise query plans that use several CPUs; this feature is known as parallel query.');
  });

  it('reads the best result past its cited head when the prompt\'s rarest word is only there', () => {
    const filler = 'An index speeds up reads of a table at the cost of slower writes. ';
    const tail = 'The fillfactor for an index is a percentage that determines how full the index method will try to pack index pages.';
    const long: Entity = doc('long', 'Index Storage Parameters', filler.repeat(Math.ceil(45_000 / filler.length)) + tail);
    const idx2 = LexIndex.build([long, ...MANUAL]);
    const first = idx2.ask('fillfactor').summary[0];
    expect(first?.sentence).toBe(tail);
    expect(long.text.slice(first?.start, first?.end)).toBe(tail);
  });

  it('stops an example at the next line of prose, and leaves a sentence without a colon as it is', () => {
    const text = 'Run this:\nSELECT 1;\nThe next paragraph explains what the query returns.';
    expect(text.slice(0, withExample(text, 9))).toBe('Run this:\nSELECT 1;');
    expect(withExample('No example here.', 16)).toBe(16);
  });
});

describe('matched words, related tokens and suggestions', () => {
  const idx = LexIndex.build([
    ...MANUAL,
    doc('predicates', 'Index Predicates', 'The index predicate of a partial index limits its rows. An index predicate must be immutable. Version 15 adds nothing here.'),
    doc('planner', 'Planner and Partial Indexes', 'The planner proves that a query implies the index predicate. A partial index with an index predicate on 15 rows is small.'),
    doc('immutable', 'Function Volatility', 'A function called in an index predicate must be immutable.'),
  ]);

  it('suggests multi-tokens of the corpus that each get an answer, never the prompt itself', () => {
    const a = idx.ask('partial index');
    expect(a.suggestions.length).toBeGreaterThan(0);
    for (const s of a.suggestions) {
      expect(s.toLowerCase()).not.toBe('partial index');
      expect(idx.ask(s).noAnswer).toBeUndefined();
    }
    for (const r of a.related) expect(r.token).not.toMatch(/^\d+$/);
  });

  it('relates the multi-tokens the top results share around the prompt, not one word\'s other neighbours', () => {
    const a = idx.ask('partial index');
    const multi = a.related.filter((r) => r.token.includes(' '));
    // "index predicate" is held by three pages (df >= 3) in sentences about partial indexes, two of them top results
    expect(multi[0]).toMatchObject({ token: 'index predicate' });
    expect(multi[0]?.count).toBeGreaterThanOrEqual(2);
    const top = a.results.map((r) => (idx.get(r.id) as Entity).text.toLowerCase());
    for (const r of multi) {
      expect(top.some((t) => t.includes(r.token))).toBe(true);
      expect(r.token.split(' ').every((w) => w === 'partial' || w === 'index')).toBe(false);
      expect(r.token).not.toMatch(/\b\d+\b/);
    }
  });
});

describe('see also', () => {
  const page = (id: string, title: string, links: Array<[string, 'see-also' | undefined]>): Entity => ({
    ...doc(id, title, `${title} explains replication slots and standby servers.`),
    links: links.map(([to, kind]) => ({ url: `https://db.test/${to}.html`, text: to, ...(kind ? { kind } : {}) })),
  });
  // every page links to the bibliography; two results share a link to "failover"; one has an explicit see-also
  const pages: Entity[] = [
    page('slots', 'Replication Slots', [['bibliography', undefined], ['failover', undefined], ['monitoring', 'see-also']]),
    page('standby', 'Standby Servers and replication slots', [['bibliography', undefined], ['failover', undefined]]),
    page('failover', 'Failover', [['bibliography', undefined]]),
    page('monitoring', 'Monitoring', [['bibliography', undefined]]),
    page('bibliography', 'Bibliography', []),
    ...['a', 'b', 'c', 'd'].map((x) => ({ ...doc(x, `Chapter ${x}`, 'Unrelated text about locales.'), links: [{ url: 'https://db.test/bibliography.html', text: 'bib' }] })),
  ];
  const idx = LexIndex.build(pages);

  it('lists explicit see-also links first, then pages several results link to, before the page everything links to', () => {
    const a = idx.ask('replication slots standby', { k: 2 });
    expect(a.results.map((r) => r.id).sort()).toEqual(['slots', 'standby']);
    expect(a.seeAlso.map((s) => s.title)).toEqual(['Monitoring', 'Failover', 'Bibliography']);
  });
});
