import type { Entity } from './entity';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyDelta, decodeDelta, encodeDelta, isDelta, openChain, openChainSliced } from './delta';
import { LexIndex } from './lexindex';
import { SNAPSHOT_FORMAT_VERSION } from './serialize';

function ent(id: string, title: string, text: string, extra: Partial<Entity> = {}): Entity {
  return { id, url: `http://docs.test/${id}`, title, text, category: [], tags: [], links: [], ...extra };
}

const A = ent('a', 'Write-Ahead Logging', 'The max_wal_size setting bounds the WAL between checkpoints.', {
  links: [{ url: 'http://docs.test/b', text: 'routine vacuuming' }],
});
const B = ent('b', 'Routine Vacuuming', 'VACUUM reclaims storage occupied by dead tuples. Vacuum freeze prevents wraparound.');
const C = ent('c', 'Partial Indexes', 'A partial index is built over a subset of a table.', { category: ['SQL'] });
const B2 = ent('b', 'Routine Vacuuming', 'Autovacuum runs VACUUM and ANALYZE on tables with enough changes.');
const D = ent('d', 'Checkpoints', 'A checkpoint flushes dirty pages; the WAL after it replays on recovery.', {
  links: [{ url: 'http://docs.test/a', text: 'write-ahead log' }],
});

describe('delta segments', () => {
  it('round-trip and are told apart from full snapshots', () => {
    const delta = { upserts: [B2, D], deletes: ['c'] };
    const bytes = encodeDelta(delta);
    expect(isDelta(bytes)).toBe(true);
    expect(isDelta(LexIndex.build([A]).serialize())).toBe(false);
    expect(decodeDelta(bytes)).toEqual(delta);
    expect(() => decodeDelta(LexIndex.build([A]).serialize())).toThrow(/bad magic/);
    expect(() => decodeDelta(bytes.subarray(0, 4))).toThrow(/truncated/);
  });

  it('a chain of a full snapshot and deltas answers as a rebuild over the same documents', () => {
    const base = LexIndex.build([A, B, C]).serialize();
    const d1 = encodeDelta({ upserts: [B2], deletes: [] });
    const d2 = encodeDelta({ upserts: [D], deletes: ['c', 'missing'] });
    const chained = openChain([base, d1, d2]);
    const fresh = LexIndex.build([A, B2, D]);
    expect(chained.exportTables({ allTerms: true, minJoint: 1 })).toEqual(fresh.exportTables({ allTerms: true, minJoint: 1 }));
    for (const q of ['vacuum freeze', 'autovacuum analyze tables', 'write ahead log checkpoint', 'partial index']) {
      expect(chained.search(q, { k: 10 })).toEqual(fresh.search(q, { k: 10 }));
    }
    // the replaced text is gone, the inbound anchor text of the added entity counts for its target
    expect(chained.dfOf('freez')).toBe(0);
    expect(chained.search('write ahead log')[0]?.id).toBe('a');
  });

  it('applies in place to a loaded index', () => {
    const idx = LexIndex.deserialize(LexIndex.build([A, B]).serialize());
    applyDelta(idx, { upserts: [C], deletes: ['a'] });
    expect(idx.size).toBe(2);
    expect(idx.search('partial index')[0]?.id).toBe('c');
    expect(idx.has('a')).toBe(false);
  });

  it('refuses a chain that does not start with a full snapshot', () => {
    expect(() => openChain([])).toThrow(/full snapshot/);
    expect(() => openChain([encodeDelta({ upserts: [A], deletes: [] })])).toThrow(/start with a full snapshot/);
  });

  it('opens in slices between pauses, to the same index as at once', async () => {
    const many = Array.from({ length: 400 }, (_x, i) =>
      ent(`e${i}`, `Topic ${i % 37} of vacuum`, `Sentence ${i} on checkpoints and WAL segment ${i % 11}. Freeze map ${i % 5} keeps tuples.`, {
        links: [{ url: `http://docs.test/e${(i * 7) % 400}`, text: `topic ${i % 13}` }],
      }),
    );
    const base = LexIndex.build(many).serialize();
    const d1 = encodeDelta({ upserts: [B2, D], deletes: ['e3', 'e10'] });
    let pauses = 0;
    const sliced = await openChainSliced([base, d1], async () => {
      pauses++;
    }, 0);
    const whole = openChain([base, d1]);
    // sliceMs 0: it pauses after every step, so a step boundary is reached in every loop of the decode
    expect(pauses).toBeGreaterThan(10);
    expect(sliced.stats()).toEqual(whole.stats());
    expect(sliced.exportTables({ allTerms: true, minJoint: 1 })).toEqual(whole.exportTables({ allTerms: true, minJoint: 1 }));
    for (const q of ['vacuum freeze', 'topic 12 checkpoints', 'wal segment 3', 'autovacuum analyze']) {
      expect(sliced.search(q, { k: 10 })).toEqual(whole.search(q, { k: 10 }));
    }
  });

  /** The fixture snapshot of an older format, loaded, and a build of the entities it was made from. */
  const oldFormat = (format: number): { loaded: LexIndex; fresh: LexIndex } => {
    const old = new Uint8Array(readFileSync(join(__dirname, `../test/fixtures/snapshot-format${format}.bin`)));
    expect(new DataView(old.buffer, old.byteOffset).getUint32(4, true)).toBe(format);
    const C4 = ent('c', 'Partial Indexes', 'A partial index is built over a subset of a table. Übersicht: naïve café.', { category: ['SQL'] });
    return { loaded: LexIndex.deserialize(old), fresh: LexIndex.build([A, { ...B, headings: ['Vacuum freeze'] }, C4]) };
  };

  // made by each format's serializer from A, B (with a heading) and C4
  it.each([
    [5, 'held each pair once'],
    [6, 'found the offsets of postings and streams by reading them'],
  ])('reads snapshots of format %i, which %s, and writes them back in the current format', (format) => {
    const { loaded, fresh } = oldFormat(format);
    expect(loaded.stats()).toEqual(fresh.stats());
    expect(loaded.exportTables({ allTerms: true, minJoint: 1 })).toEqual(fresh.exportTables({ allTerms: true, minJoint: 1 }));
    // answers but for their timings (the related terms read the pair rows)
    const answer = (idx: LexIndex, q: string): unknown => ({ ...idx.ask(q), timings: undefined });
    for (const q of ['vacuum freeze', 'partial index', 'naïve café', 'write ahead']) expect(answer(loaded, q)).toEqual(answer(fresh, q));
    // its pair rows are the rows a build holds (format 5: read from each pair once), and a rewrite is the build's snapshot
    const written = loaded.serialize();
    expect(new DataView(written.buffer).getUint32(4, true)).toBe(SNAPSHOT_FORMAT_VERSION);
    expect(Buffer.from(written).equals(Buffer.from(fresh.serialize()))).toBe(true);
    const again = LexIndex.deserialize(written);
    expect(again.exportTables({ allTerms: true, minJoint: 1 })).toEqual(fresh.exportTables({ allTerms: true, minJoint: 1 }));
  });

  it('reads snapshots of format 4, which kept entities and terms in the header', () => {
    // made by format 4's serializer from A, B (with a heading) and C (removed and added again, so slots were reused)
    const { loaded, fresh } = oldFormat(4);
    expect(loaded.stats()).toEqual(fresh.stats());
    expect(loaded.exportTables({ allTerms: true, minJoint: 1 })).toEqual(fresh.exportTables({ allTerms: true, minJoint: 1 }));
    for (const q of ['vacuum freeze', 'partial index', 'naïve café', 'write ahead']) expect(loaded.search(q, { k: 10 })).toEqual(fresh.search(q, { k: 10 }));
    // written again, it is the current format and reads back the same
    const again = LexIndex.deserialize(loaded.serialize());
    expect(new DataView(loaded.serialize().buffer).getUint32(4, true)).toBe(SNAPSHOT_FORMAT_VERSION);
    expect(again.exportTables({ allTerms: true, minJoint: 1 })).toEqual(fresh.exportTables({ allTerms: true, minJoint: 1 }));
  });
});
