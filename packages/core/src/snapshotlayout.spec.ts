import type { Entity } from './entity';
import { encodeDelta, openChain } from './delta';
import { LexIndex } from './lexindex';
import { decodeIndexState, runSteps, SnapshotError } from './serialize';
import { VarReader } from './snapshotread';
import { DEFAULT_PARAMS } from './params';
import { MT_SEP } from './tokenizer';
import { deferrable, isSnapshot, layoutOf, readSnapshotLayout, type SnapshotLayout } from './snapshotlayout';
import { Trie } from './trie';
import { IntColumn } from './intcolumn';

function ent(id: string, title: string, text: string, extra: Partial<Entity> = {}): Entity {
  return { id, url: `http://docs.test/${id}`, title, text, category: [], tags: [], links: [], ...extra };
}

const docs = Array.from({ length: 120 }, (_x, i) =>
  ent(`e${i}`, `Topic ${i % 17} of vacuum`, `Sentence ${i} on checkpoints and WAL segment ${i % 11}. Freeze map ${i % 5} keeps tuples visible.`, {
    category: i % 3 ? ['Server', `Part ${i % 4}`] : [],
    links: [{ url: `http://docs.test/e${(i * 7) % 120}`, text: `topic ${i % 13}` }],
  }),
);
const PROMPTS = ['vacuum freeze', 'topic 12 checkpoints', 'wal segment 3', 'freeze map keeps tuples'];

/** A reader of `bytes` as a file system gives them: each call a new buffer, counted. */
function fileOf(bytes: Uint8Array): { read: (offset: number, length: number) => Promise<Uint8Array>; reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return {
    reads,
    read: async (offset, length) => {
      reads.push([offset, length]);
      return bytes.slice(offset, offset + length);
    },
  };
}

describe('snapshots read by sections', () => {
  const built = LexIndex.build(docs);
  const bytes = built.serialize();

  it('decode to the index of the whole bytes, same answers and scores, and write back the same snapshot', async () => {
    const file = fileOf(bytes);
    const layout = await readSnapshotLayout(file.read, bytes.length);
    expect(layout.owned).toBe(true);
    expect(layout.byteLength).toBe(bytes.length);
    // the prefix, the header, then one read per section, in file order and covering the file exactly
    expect(file.reads.length).toBe(2 + layout.sections.size);
    let end = 0;
    for (const [offset, length] of file.reads.slice(1)) {
      expect(offset).toBe(Math.max(end, 12));
      end = offset + length;
    }
    expect(end).toBe(bytes.length);
    const fromSections = LexIndex.deserialize(layout);
    const fromBytes = LexIndex.deserialize(bytes);
    for (const q of PROMPTS) {
      const want = built.search(q, { k: 10 });
      expect(want.length).toBeGreaterThan(0);
      expect(fromSections.search(q, { k: 10 })).toEqual(want);
      expect(fromBytes.search(q, { k: 10 })).toEqual(want);
    }
    expect(Buffer.from(fromSections.serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('leaves the entities and postings where they are when asked: none is read at load, answers and bytes are the same', async () => {
    const file = fileOf(bytes);
    const reads: Array<[number, number]> = [];
    const leave = (at: number, length: number) => ({
      byteLength: length,
      read: (offset: number, n: number): Uint8Array => {
        reads.push([at + offset, n]);
        return bytes.slice(at + offset, at + offset + n);
      },
    });
    const layout = await readSnapshotLayout(file.read, bytes.length, leave);
    expect([...(layout.deferred?.keys() ?? [])].sort()).toEqual(['entities', 'postings']);
    expect(layout.sections.has('entities') || layout.sections.has('postings')).toBe(false);
    // the sections read and those left cover the file, once each
    const left = [...(layout.deferred?.values() ?? [])].reduce((n, d) => n + d.byteLength, 0);
    expect(file.reads.slice(2).reduce((n, [, l]) => n + l, 0) + left).toBe(bytes.length - file.reads[1]![1] - 12);
    const opened = LexIndex.deserialize(layout);
    expect(reads).toEqual([]);
    for (const q of PROMPTS) {
      expect(opened.ask(q, { k: 5 })).toEqual({ ...built.ask(q, { k: 5 }), timings: expect.anything() });
      expect(opened.search(q, { k: 10 })).toEqual(built.search(q, { k: 10 }));
    }
    // a list or a line read is one read of its bytes
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every(([, n]) => n < 4096)).toBe(true);
    expect(Buffer.from(opened.serialize()).equals(Buffer.from(bytes))).toBe(true);
    // a format 7 snapshot has no rows to find them by: every section is read
    expect(deferrable(7, 'entities') || deferrable(7, 'postings') || deferrable(8, 'streams')).toBe(false);
  });

  it('keeps the buffers of the sections it was given, and copies the sections of whole bytes', async () => {
    const layout = await readSnapshotLayout(fileOf(bytes).read, bytes.length);
    const s = decodeIndexState(layout);
    expect(s.postings.bytes).toBe(layout.sections.get('postings'));
    expect(s.pairs.bytes).toBe(layout.sections.get('pairs'));
    const whole = decodeIndexState(bytes);
    // a copy: the decoded index does not hold the snapshot's buffer alive
    const wholePostings = whole.postings.bytes as Uint8Array;
    expect(wholePostings.buffer).not.toBe(bytes.buffer);
    expect(Buffer.from(wholePostings).equals(Buffer.from(layout.sections.get('postings') as Uint8Array))).toBe(true);
    expect(layoutOf(bytes).owned).toBe(false);
  });

  it('opens a chain whose full snapshot was read by sections, with its deltas', async () => {
    const delta = encodeDelta({ upserts: [ent('new', 'Partial indexes', 'A partial index covers a subset of a table.')], deletes: ['e4', 'e5'] });
    const layout = await readSnapshotLayout(fileOf(bytes).read, bytes.length);
    expect(isSnapshot(layout)).toBe(true);
    const chained = openChain([layout, delta]);
    const whole = openChain([bytes, delta]);
    expect(chained.size).toBe(docs.length - 1);
    for (const q of [...PROMPTS, 'partial index subset']) expect(chained.search(q, { k: 10 })).toEqual(whole.search(q, { k: 10 }));
    expect(chained.search('partial index subset')[0]?.id).toBe('new');
    expect(() => openChain([delta, layout])).toThrow(/start with a full snapshot/);
    expect(() => openChain([bytes, layout])).toThrow(/one full snapshot, first/);
  });

  it('refuses a truncated, foreign or corrupt file with a SnapshotError', async () => {
    const read = (b: Uint8Array): Promise<SnapshotLayout> => readSnapshotLayout(fileOf(b).read, b.length);
    // the sections the header lists run past the end of the file
    await expect(read(bytes.subarray(0, bytes.length - 1))).rejects.toThrow(/truncated/);
    await expect(read(bytes.subarray(0, 8))).rejects.toThrow(/truncated/);
    await expect(read(encodeDelta({ upserts: [], deletes: [] }))).rejects.toThrow(/bad magic/);
    // a read that comes back short (the file shrank while it was read)
    const short = { read: async (o: number, l: number) => bytes.slice(o, o + Math.max(0, l - (o > 12 ? 1 : 0))) };
    await expect(readSnapshotLayout(short.read, bytes.length)).rejects.toThrow(SnapshotError);
    const bad = bytes.slice();
    bad[12] = 0x7b + 1; // the header's opening brace
    await expect(read(bad)).rejects.toThrow(/header does not parse/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(4, 99, true);
    await expect(read(future)).rejects.toThrow(/format 99 is not supported/);
    expect(() => layoutOf(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });

  it('refuses sections whose stored byte lengths do not add up to the postings or the streams they measure', () => {
    const layout = layoutOf(bytes);
    const swapped = (name: string, b: Uint8Array): SnapshotLayout => ({ ...layout, sections: new Map(layout.sections).set(name, b) });
    const streams = layout.sections.get('streams') as Uint8Array;
    expect(() => decodeIndexState(swapped('streams', streams.subarray(0, streams.length - 1)))).toThrow(/streams does not match its lengths/);
    const postings = layout.sections.get('postings') as Uint8Array;
    expect(() => decodeIndexState(swapped('postings', postings.subarray(0, postings.length - 1)))).toThrow(/postings does not match its rows/);
    expect(() => decodeIndexState({ ...layout, sections: new Map([...layout.sections].filter(([n]) => n !== 'postRows')) })).toThrow(/lacks section postRows/);
  });

  it('makes the key maps of a loaded index when first asked for, or stepwise as a server does, with the same lookups', () => {
    const resolved = (idx: LexIndex): unknown[] =>
      docs.map((d) => [idx.has(d.id), idx.get(d.id)?.title, idx.outlinks(d).map((l) => [l.full, l.title])]);
    const want = resolved(built);
    // asked for at once
    expect(resolved(LexIndex.deserialize(bytes))).toEqual(want);
    // a server's making of them, interrupted by a caller who asks first: both read every URL from the start
    const idx = LexIndex.deserialize(bytes);
    const steps = idx.prepareSteps();
    steps.next();
    expect(idx.get('e5')?.title).toBe(built.get('e5')?.title);
    while (!steps.next().done);
    expect(resolved(idx)).toEqual(want);
    // a change after the maps are made keeps them
    idx.remove('e7');
    expect(idx.has('e7')).toBe(false);
    expect(idx.has('e8')).toBe(true);
  });

  it("takes the trie's stored child lists: every multi-token found as the built index finds it, a corrupt list refused", () => {
    const layout = layoutOf(bytes);
    const s = decodeIndexState(layout);
    if (!s.trie) throw new Error('a format 8 snapshot stores the trie');
    // the lists stay the section's bytes, read by lookups; made whole, they are the lists a build makes
    const packed = Trie.fromPacked(IntColumn.from(s.lastWord), s.parent.length, 0, s.trie);
    const lists = packed.childLists();
    expect(lists).toEqual(runSteps(Trie.fromColumns(s.parent, IntColumn.from(s.lastWord), s.parent.length, 0, 64)).childLists());
    // every multi-token of the snapshot is among its parent's children, which rise by last word
    let multi = 0;
    for (let t = 0; t < s.parent.length; t++) {
      const p = s.parent[t] as number;
      if (p < 0) continue;
      multi++;
      const kids = Array.from(lists.kids.subarray(lists.start[p] as number, lists.start[p + 1] as number));
      expect(kids).toContain(t);
      expect(packed.get(p, s.lastWord[t] as number)).toBe(t);
      const words = kids.map((k) => s.lastWord[k] as number);
      expect(words).toEqual([...words].sort((x, y) => x - y));
    }
    expect(lists.kids.length).toBe(multi);
    expect(packed.size).toBe(multi);
    // a word no child ends with is no child
    expect(packed.get(0, s.parent.length + 5)).toBe(-1);
    // a trie read block by block from the last term back (each block decoded when a lookup first reads it, the next
    // block's lists not yet) finds the same children, and then holds the lists a build makes
    const lazy = Trie.fromPacked(IntColumn.from(s.lastWord), s.parent.length, 0, s.trie);
    expect(s.parent.length).toBeGreaterThan(4 * 64);
    for (let round = 0; round < 2; round++) {
      for (let t = s.parent.length - 1; t >= 0; t--) {
        const p = s.parent[t] as number;
        if (p >= 0) expect(lazy.get(p, s.lastWord[t] as number)).toBe(t);
      }
    }
    expect(lazy.childLists()).toEqual(lists);
    expect(multi).toBeGreaterThan(0);
    const loaded = LexIndex.deserialize(bytes);
    const keys = (idx: LexIndex, q: string): string[] => idx.matchPrompt(q, DEFAULT_PARAMS).terms.map((t) => t.key);
    // the prompts' multi-tokens are found through the trie
    for (const q of PROMPTS) expect(keys(loaded, q)).toEqual(keys(built, q));
    expect(PROMPTS.flatMap((q) => keys(loaded, q)).filter((k) => k.includes(MT_SEP)).length).toBeGreaterThan(0);
    const trie = layout.sections.get('trie') as Uint8Array;
    const swapped = (b: Uint8Array): SnapshotLayout => ({ ...layout, sections: new Map(layout.sections).set('trie', b) });
    // the first term with children: its first child's gap made 0, then past the last term
    const r = new VarReader(trie, 0, trie.length, 'trie');
    while (r.u() === 0);
    const gapAt = r.p;
    const zero = trie.slice();
    zero[gapAt] = 0;
    expect(() => decodeIndexState(swapped(zero))).toThrow(/trie names an unknown term/);
    expect(() => decodeIndexState(swapped(trie.subarray(0, trie.length - 1)))).toThrow(SnapshotError);
    const emptied = new Uint8Array(s.parent.length);
    expect(() => decodeIndexState(swapped(emptied))).toThrow(/trie does not hold every multi-token/);
  });
});
