import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import { encodeSlotKeys, runSteps, SnapshotError } from './serialize';
import { EntitySlots, escapeLine, PARSED_ENTITIES, unescapeLine } from './slots';
import { LineReader, VarReader } from './snapshotread';
import type { SectionReader } from './snapshotlayout';
import { writeVarint } from './varint';

function ent(id: string, title: string, text: string, extra: Partial<Entity> = {}): Entity {
  return { id, url: `http://docs.test/${id}`, title, text, category: [], tags: [], links: [], ...extra };
}

function linesOf(entities: ReadonlyArray<Entity | null>): Uint8Array {
  return new TextEncoder().encode(entities.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

const a = ent('a', 'Alpha', 'First text.', { category: ['Guide', 'Setup'], acl: ['staff'], meta: { k: 'v' } });
const b = ent('b', 'Beta "quoted"', 'Second\ntext.', { headings: ['One'], links: [{ url: 'http://docs.test/a', text: 'alpha' }] });
const c = ent('c', 'Gamma', 'Third.');

/** A slot's line of a format 7 `keys` section: [id, URL, ACL, category path, list bits] as JSON, or `null`. */
function keyLine7(slots: EntitySlots, slot: number): string {
  const k = slots.keyParts(slot);
  return k ? JSON.stringify([k.id, k.url ?? null, k.acl ?? null, slots.categoryPath(k.path), k.listed]) : 'null';
}

/** The `entityRows` section of entities written as by linesOf: each line's byte length with its newline. */
function rowsOf(entities: ReadonlyArray<Entity | null>): VarReader {
  const b = new Uint8Array(entities.length * 5);
  let n = 0;
  for (const e of entities) n = writeVarint(b, n, new TextEncoder().encode(JSON.stringify(e)).length + 1);
  return new VarReader(b, 0, n, 'entityRows');
}

/** The format 8 key sections of `slots`, as fromRows takes them. */
function keySectionsOf(slots: EntitySlots) {
  const k = encodeSlotKeys(slots);
  return { ...k, slotKeys: new VarReader(k.slotKeys, 0, k.slotKeys.length, 'slotKeys') };
}

/** `bytes` as a section left in its file: every read counted. */
function deferredOf(bytes: Uint8Array): SectionReader & { reads: number } {
  return {
    reads: 0,
    byteLength: bytes.length,
    read(offset: number, length: number): Uint8Array {
      this.reads++;
      return bytes.slice(offset, offset + length);
    },
  };
}

describe('EntitySlots', () => {

  it('reads stored lines lazily: ids, URLs, ACLs and categories at load, an entity or one field when asked', () => {
    const { slots, urls, acls } = runSteps(EntitySlots.fromLines(linesOf([a, null, b]), 1));
    expect(slots.length).toBe(3);
    expect([0, 1, 2].map((s) => slots.idAt(s))).toEqual(['a', undefined, 'b']);
    expect([0, 1, 2].map((s) => slots.has(s))).toEqual([true, false, true]);
    expect(urls).toEqual(['http://docs.test/a', undefined, 'http://docs.test/b']);
    expect(acls).toEqual([['staff'], undefined, undefined]);
    expect(slots.category(0)).toEqual(['Guide', 'Setup']);
    expect(slots.category(1)).toEqual([]);
    expect(slots.field(2, 'title')).toBe('Beta "quoted"');
    expect(slots.field(2, 'headings')).toEqual(['One']);
    expect([slots.lists(2, 'headings'), slots.lists(2, 'terms'), slots.lists(0, 'headings'), slots.lists(1, 'headings')]).toEqual([true, false, false, false]);
    expect(slots.field(2, 'parent')).toBeUndefined();
    expect(slots.field(1, 'title')).toBeUndefined();
    expect(slots.get(0)).toEqual(a);
    expect(slots.get(2)).toEqual(b);
    expect(slots.get(1)).toBeUndefined();
    // the same object while it is in the cache
    expect(slots.get(0)).toBe(slots.get(0));
    expect(new TextDecoder().decode(slots.storedLine(2) as Uint8Array)).toBe(JSON.stringify(b));
  });

  it("takes each slot's place from the keys section as from the scan of its line, for stored lines and objects alike", () => {
    const d = ent('d', 'Delta', 'Fourth.', { terms: ['delta term'], acl: ['ops', 'staff'], category: ['Guide'] });
    const loaded = runSteps(EntitySlots.fromLines(linesOf([a, null, b, c]), 2)).slots;
    // slot 3 becomes an object, slot 4 a new one: the keys section is written from the objects there
    loaded.set(3, d);
    loaded.set(4, c);
    const lines = linesOf([a, null, b, d, c]);
    const keys = new TextEncoder().encode([0, 1, 2, 3, 4].map((slot) => `${keyLine7(loaded, slot)}\n`).join(''));
    expect(keyLine7(loaded, 1)).toBe('null');
    expect(JSON.parse(keyLine7(loaded, 3))).toEqual(['d', 'http://docs.test/d', ['ops', 'staff'], ['Guide'], 2]);
    const viaKeys = runSteps(EntitySlots.fromLines(lines, 2, keys));
    const viaScan = runSteps(EntitySlots.fromLines(lines, 2));
    for (const r of [viaKeys, viaScan]) {
      expect([0, 1, 2, 3, 4].map((slot) => r.slots.idAt(slot))).toEqual(['a', undefined, 'b', 'd', 'c']);
      expect([0, 1, 2, 3, 4].map((slot) => r.slots.category(slot))).toEqual([['Guide', 'Setup'], [], [], ['Guide'], []]);
      expect([0, 2, 3].map((slot) => [r.slots.lists(slot, 'headings'), r.slots.lists(slot, 'terms')])).toEqual([
        [false, false],
        [true, false],
        [false, true],
      ]);
      expect(r.slots.get(3)).toEqual(d);
    }
    expect(viaKeys.urls).toEqual(viaScan.urls);
    expect(viaKeys.acls).toEqual(viaScan.acls);
    expect(viaKeys.acls[3]).toEqual(['ops', 'staff']);
    // keys that do not match the entities are a corrupt snapshot
    const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
    const keyLines = [0, 1, 2, 3, 4].map((slot) => keyLine7(loaded, slot));
    expect(() => runSteps(EntitySlots.fromLines(lines, 2, enc(`${keyLines.slice(0, 4).join('\n')}\n`)))).toThrow(/fewer lines than entities/);
    expect(() => runSteps(EntitySlots.fromLines(lines, 2, enc(`${[...keyLines, 'null'].join('\n')}\n`)))).toThrow(/trailing lines/);
    expect(() => runSteps(EntitySlots.fromLines(lines, 2, enc(`${['null', ...keyLines.slice(1)].join('\n')}\n`)))).toThrow(/does not match the entities/);
    expect(() => runSteps(EntitySlots.fromLines(lines, 2, enc(`${['{"id":"a"}', ...keyLines.slice(1)].join('\n')}\n`)))).toThrow(/not a slot key/);
  });

  it('format 8: finds each line by its row length, in a buffer or left in its file, and each place from the key sections', () => {
    const d = ent('d\nwith a newline', 'Delta', 'Fourth.', { terms: ['delta term'], acl: ['ops', 'staff'], category: ['Guide'] });
    const e = ent('"quoted"', 'Epsilon', 'Fifth.', { url: '', category: ['Guide', 'Setup'] });
    const entities = [a, null, b, d, e, c];
    const source = runSteps(EntitySlots.fromLines(linesOf(entities), 2)).slots;
    const lines = linesOf(entities);
    const inFile = deferredOf(lines);
    for (const given of [lines, inFile]) {
      const r = runSteps(EntitySlots.fromRows(given, rowsOf(entities), keySectionsOf(source), 2));
      expect([0, 1, 2, 3, 4, 5].map((slot) => r.slots.idAt(slot))).toEqual(['a', undefined, 'b', 'd\nwith a newline', '"quoted"', 'c']);
      expect([0, 1, 2, 3, 4, 5].map((slot) => r.slots.category(slot))).toEqual([['Guide', 'Setup'], [], [], ['Guide'], ['Guide', 'Setup'], []]);
      expect([2, 3].map((slot) => [r.slots.lists(slot, 'headings'), r.slots.lists(slot, 'terms')])).toEqual([
        [true, false],
        [false, true],
      ]);
      expect(r.acls[0]).toEqual(['staff']);
      expect(r.acls[3]).toEqual(['ops', 'staff']);
      expect(r.acls[2]).toBeUndefined();
      // the URLs stay their section's lines, one per slot, read when asked
      const urls = new LineReader(r.urls as Uint8Array, 0, (r.urls as Uint8Array).length, 'urls');
      expect([0, 1, 2, 3, 4, 5].map(() => urls.next())).toEqual(['http://docs.test/a', '', 'http://docs.test/b', 'http://docs.test/d\nwith a newline', '""', 'http://docs.test/c'].map((u) => (u.includes('\n') ? JSON.stringify(u) : u)));
      // nothing of a section left in its file is read at load; an entity asked for is one read of its line
      if (given === inFile) expect(inFile.reads).toBe(0);
      expect(r.slots.get(3)).toEqual(d);
      expect(r.slots.field(2, 'title')).toBe('Beta "quoted"');
      expect(r.slots.get(1)).toBeUndefined();
      if (given === inFile) expect(inFile.reads).toBe(2);
      // written back, each line is the same bytes, and the key sections the same
      for (const slot of [0, 2, 3, 4, 5]) expect(new TextDecoder().decode(r.slots.storedLine(slot) as Uint8Array)).toBe(JSON.stringify(entities[slot]));
      expect(encodeSlotKeys(r.slots)).toEqual(encodeSlotKeys(source));
    }
    // with no free slot, the section left in its file is written whole as its bytes
    const whole = [a, b, c];
    const wholeLines = linesOf(whole);
    const wholeSource = runSteps(EntitySlots.fromLines(wholeLines, 2)).slots;
    const r = runSteps(EntitySlots.fromRows(deferredOf(wholeLines), rowsOf(whole), keySectionsOf(wholeSource), 2));
    expect(Buffer.concat(r.slots.lineParts() as Uint8Array[]).equals(Buffer.from(wholeLines))).toBe(true);
    expect([0, 1, 2].map((slot) => r.slots.storedLineBytes(slot))).toEqual(whole.map((e) => JSON.stringify(e).length + 1));
    // rows or key sections that do not match the entities are a corrupt snapshot
    const short = new TextEncoder().encode(new TextDecoder().decode(lines).slice(0, -1));
    expect(() => runSteps(EntitySlots.fromRows(short, rowsOf(entities), keySectionsOf(source), 2))).toThrow(/entityRows does not match/);
    const fewer = runSteps(EntitySlots.fromLines(linesOf([a, null, b]), 2)).slots;
    expect(() => runSteps(EntitySlots.fromRows(lines, rowsOf(entities), keySectionsOf(fewer), 2))).toThrow(SnapshotError);
    const shifted = runSteps(EntitySlots.fromLines(linesOf([null, a, b, d, e, c]), 2)).slots;
    expect(() => runSteps(EntitySlots.fromRows(lines, rowsOf(entities), keySectionsOf(shifted), 2))).toThrow(SnapshotError);
  });

  it('format 8: holds the ids as their section, reads ids that are not ASCII or long, and ids set or freed after the load', () => {
    const long = `long-${'x'.repeat(300)}`;
    const entities = [a, ent('é-ü', 'Umlaut', 'Non-ASCII id.'), null, ent(long, 'Long', 'A long id.'), ent('"q"', 'Quoted', 'An escaped id.'), c];
    const source = runSteps(EntitySlots.fromLines(linesOf(entities), 2)).slots;
    const r = runSteps(EntitySlots.fromRows(linesOf(entities), rowsOf(entities), keySectionsOf(source), 2));
    const ids = ['a', 'é-ü', undefined, long, '"q"', 'c'];
    expect(ids.map((_id, slot) => r.slots.idAt(slot))).toEqual(ids);
    expect(ids.map((_id, slot) => r.slots.has(slot))).toEqual([true, true, false, true, true, true]);
    expect(r.slots.idList()).toEqual(ids);
    // a loaded slot freed, one reused, a free one taken, and a new slot: ids, places and the written keys follow
    r.slots.clear(0);
    r.slots.set(2, b);
    r.slots.set(5, ent('c2', 'Gamma two', 'Replaced.'));
    r.slots.set(6, a);
    const now = [undefined, 'é-ü', 'b', long, '"q"', 'c2', 'a'];
    expect(now.map((_id, slot) => r.slots.idAt(slot))).toEqual(now);
    expect(now.map((_id, slot) => r.slots.has(slot))).toEqual([false, true, true, true, true, true, true]);
    expect(r.slots.idList()).toEqual(now);
    expect(r.slots.length).toBe(7);
    expect([0, 2, 6].map((slot) => r.slots.category(slot))).toEqual([[], [], ['Guide', 'Setup']]);
    expect(r.slots.lists(2, 'headings')).toBe(true);
    const written = [null, ...[1, 2, 3, 4, 5, 6].map((slot) => r.slots.get(slot) ?? null)];
    const again = runSteps(EntitySlots.fromRows(linesOf(written), rowsOf(written), keySectionsOf(r.slots), 2));
    expect(again.slots.idList()).toEqual(now);
    // an ids section that is not UTF-8, lacks its last newline or holds a quoted line that is not a string is refused
    const keys = keySectionsOf(source);
    const withIds = (bytes: Uint8Array) => ({ ...keySectionsOf(source), ids: bytes });
    const text = new TextDecoder().decode(keys.ids);
    expect(() => runSteps(EntitySlots.fromRows(linesOf(entities), rowsOf(entities), withIds(Uint8Array.from([...keys.ids.subarray(0, 2), 0xff, ...keys.ids.subarray(2)])), 2))).toThrow(/ids is not UTF-8/);
    expect(() => runSteps(EntitySlots.fromRows(linesOf(entities), rowsOf(entities), withIds(keys.ids.subarray(0, keys.ids.length - 1)), 2))).toThrow(/ids does not end with a newline/);
    expect(() => runSteps(EntitySlots.fromRows(linesOf(entities), rowsOf(entities), withIds(new TextEncoder().encode(text.replace('"\\"q\\""', '"q'))), 2))).toThrow(/ids holds a line that does not parse/);
  });

  it('writes a string as a line of a key section that reads back as it was', () => {
    for (const text of ['plain', '', '"starts with a quote', 'a\nnewline', 'lone \ud800 surrogate', 'pair \ud83d\ude00', 'tab\tand \\ backslash']) {
      const line = escapeLine(text);
      expect(line).not.toContain('\n');
      expect(line).not.toBe('');
      expect(unescapeLine(line, 'ids')).toBe(text);
    }
    expect(escapeLine('plain')).toBe('plain');
  });

  it('holds an entity put at a slot as an object, in place of its line', () => {
    const { slots } = runSteps(EntitySlots.fromLines(linesOf([a, b]), 1));
    slots.clear(0);
    expect(slots.has(0)).toBe(false);
    expect(slots.get(0)).toBeUndefined();
    expect(slots.storedLine(0)).toBeNull();
    expect(slots.category(0)).toEqual([]);
    slots.set(0, { ...c, terms: ['Gamma ray'] });
    expect(slots.lists(0, 'terms')).toBe(true);
    slots.set(0, c);
    expect(slots.lists(0, 'terms')).toBe(false);
    expect(slots.get(0)).toBe(c);
    expect(slots.idAt(0)).toBe('c');
    expect(slots.storedLine(0)).toBeNull();
    slots.set(2, a);
    expect(slots.length).toBe(3);
    expect(slots.category(2)).toEqual(['Guide', 'Setup']);
    expect(slots.get(1)).toEqual(b);
  });

  it('keeps a bounded number of parsed entities, and parses an evicted one again', () => {
    const many = Array.from({ length: PARSED_ENTITIES + 10 }, (_x, i) => ent(`e${i}`, `Title ${i}`, `Text ${i}.`));
    const { slots } = runSteps(EntitySlots.fromLines(linesOf(many), 1024));
    const first = slots.get(0);
    for (let s = 1; s < many.length; s++) slots.get(s);
    expect(slots.get(0)).not.toBe(first);
    expect(slots.get(0)).toEqual(many[0]);
  });

  it('refuses a line without an id, or one that is not an object, as a corrupt snapshot', () => {
    const noId = new TextEncoder().encode('{"title":"x"}\n');
    expect(() => runSteps(EntitySlots.fromLines(noId, 1))).toThrow(SnapshotError);
    const broken = new TextEncoder().encode('{"id":"x","title":"y\n');
    expect(() => runSteps(EntitySlots.fromLines(broken, 1))).toThrow(/does not parse/);
  });
});

describe('the lines of a bulk build', () => {
  it('holds appended entities as lines in buffers of their own, read back whole or by field, and hands the buffers to the snapshot', () => {
    const slots = new EntitySlots();
    // a line of more than the 16 MiB of a buffer's worth gets a buffer of its own; the next lines start another
    const huge = ent('huge', 'Huge', 'word '.repeat(1_200_000));
    const all = [a, b, huge, c, ent('d', 'Délta ünïcode', 'Текст.')];
    all.forEach((e, slot) => slots.appendLine(slot, e));
    expect(slots.length).toBe(all.length);
    all.forEach((e, slot) => {
      expect(slots.get(slot)).toEqual(e);
      expect(slots.field(slot, 'title')).toBe(e.title);
      expect(new TextDecoder().decode(slots.storedLine(slot) as Uint8Array)).toBe(JSON.stringify(e));
    });
    expect(slots.category(0)).toEqual(['Guide', 'Setup']);
    expect(slots.lists(1, 'headings')).toBe(true);
    const parts = slots.lineParts() as Uint8Array[];
    expect(parts.length).toBeGreaterThan(1);
    const joined = new TextDecoder().decode(Buffer.concat(parts));
    expect(joined).toBe(all.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(() => slots.appendLine(7, c)).toThrow(RangeError);
    // a slot held as an object: the section is written line by line instead
    slots.set(1, c);
    expect(slots.lineParts()).toBeNull();
  });

  it('rewrites the lines with a change applied, copying those it leaves as they are', () => {
    const slots = new EntitySlots();
    [a, b, c].forEach((e, slot) => slots.appendLine(slot, e));
    slots.rewriteLines((e) => (e.id === 'b' ? { ...e, title: 'Beta' } : e));
    expect(slots.get(0)).toEqual(a);
    expect(slots.get(1)).toEqual({ ...b, title: 'Beta' });
    expect(slots.field(2, 'title')).toBe('Gamma');
    slots.appendLine(3, ent('d', 'Delta', 'Fourth.'));
    expect((slots.lineParts() as Uint8Array[]).reduce((n, p) => n + p.length, 0)).toBe(
      [a, { ...b, title: 'Beta' }, c, ent('d', 'Delta', 'Fourth.')].reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)) + 1, 0),
    );
    expect(() => slots.rewriteLines((e) => ({ ...e, id: 'other' }))).toThrow(RangeError);
  });
});

describe('the index builder', () => {
  const docs = [ent('a', 'Alpha', 'Write-ahead logging keeps data safe.'), ent('b', 'Beta', 'Write-ahead logging and checkpoints.', { links: [{ url: 'http://docs.test/a', text: 'the log' }] }), ent('c', 'Gamma', 'Checkpoints flush pages.')];

  it('builds what build builds from the same entities, reading added ones back from their lines', () => {
    const builder = LexIndex.builder();
    for (const e of docs) builder.add(e);
    expect(builder.size).toBe(3);
    expect(builder.has('b')).toBe(true);
    expect(builder.entityAt(1)).toEqual(docs[1]);
    expect(() => builder.add(docs[0] as Entity)).toThrow(/already added/);
    const idx = builder.finish();
    expect(Buffer.from(idx.serialize()).equals(Buffer.from(LexIndex.build(docs).serialize()))).toBe(true);
    expect(idx.ask('write-ahead logging').results.map((r) => r.id)).toEqual(LexIndex.build(docs).ask('write-ahead logging').results.map((r) => r.id));
    expect(() => builder.finish()).toThrow(/finished/);
    expect(() => builder.add(ent('d', 'Delta', 'More.'))).toThrow(/finished/);
  });
});

describe('a loaded snapshot written again', () => {
  const corpus = [
    ent('a', 'Write-Ahead Logging', 'The max_wal_size setting bounds the WAL. “Quotes” and \\ backslashes.', { links: [{ url: 'http://docs.test/b', text: 'vacuum' }] }),
    ent('b', 'Routine Vacuuming', 'VACUUM reclaims storage. Vacuum freeze prevents wraparound.', { category: ['Admin'], acl: ['ops'] }),
    ent('c', 'Partial Indexes', 'A partial index is built over a subset of a table.', { headings: ['Partial index'] }),
  ];

  it('writes the bytes it was read from', () => {
    const bytes = LexIndex.build(corpus).serialize();
    expect(Buffer.from(LexIndex.deserialize(bytes).serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('answers, lists its likely prompts and counts its categories as the index it was written from', () => {
    const built = LexIndex.build([...corpus, ent('d', 'Glossary', 'Terms.', { terms: ['WAL', 'Vacuum freeze'], category: ['Admin', 'Terms'] })]);
    const loaded = LexIndex.deserialize(built.serialize());
    expect([...loaded.likelyPrompts()]).toEqual([...built.likelyPrompts()]);
    expect(loaded.categoryTree()).toEqual(built.categoryTree());
    expect(loaded.stats()).toEqual(built.stats());
    expect(loaded.ask('vacuum freeze', { category: 'admin' }, {}, () => 0).results.map((r) => r.id).sort()).toEqual(['b', 'd']);
    for (const q of ['vacuum freeze', 'wal', 'partial index']) {
      expect(loaded.ask(q, { category: 'admin' }, {}, () => 0)).toEqual(built.ask(q, { category: 'admin' }, {}, () => 0));
      expect(loaded.ask(q, {}, { aclGroups: ['ops'] }, () => 0)).toEqual(built.ask(q, {}, { aclGroups: ['ops'] }, () => 0));
    }
  });

  it('writes what a rebuild writes after its entities change', () => {
    const loaded = LexIndex.deserialize(LexIndex.build(corpus).serialize());
    const added = ent('d', 'Checkpoints', 'A checkpoint flushes dirty pages.', { links: [{ url: 'http://docs.test/a', text: 'wal' }] });
    loaded.remove('c');
    loaded.add(added);
    const built = LexIndex.build(corpus);
    built.remove('c');
    built.add(added);
    expect(Buffer.from(loaded.serialize()).equals(Buffer.from(built.serialize()))).toBe(true);
    expect(loaded.get('a')).toEqual(corpus[0]);
    expect(loaded.get('d')).toEqual(added);
  });
});
