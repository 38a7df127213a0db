import type { Entity } from './entity';
import { applyDelta, decodeDelta, encodeDelta, isDelta, openChain } from './delta';
import { LexIndex } from './lexindex';

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
});
