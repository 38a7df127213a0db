import { contentHash, dedupeEntities, Deduper } from './dedupe';
import type { Entity } from './entity';

const base = (id: string, text: string, extra: Partial<Entity> = {}): Entity => ({ id, title: 'T', text, category: [], tags: [], links: [], ...extra });
const long = Array.from({ length: 120 }, (_, i) => `word${i % 37} token${i % 11} item${i}`).join(' ');

describe('dedupe', () => {
  it('drops exact duplicates by content hash, whatever their ids', () => {
    const r = dedupeEntities([base('a', 'same text'), base('b', 'same  text'), base('c', 'other')]);
    expect(r.kept.map((e) => e.id)).toEqual(['a', 'c']);
    expect(r.dropped).toEqual([{ id: 'b', duplicateOf: 'a', kind: 'exact' }]);
    expect(contentHash(base('x', 'q'))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops a copy only when it has the same readers (ACL), so no reader loses the text', () => {
    const near = long.replace('item5 ', 'item5b ');
    const r = dedupeEntities([
      { ...base('a', long), acl: ['team-a'] },
      base('pub', long),
      { ...base('a2', near), acl: ['team-a'] },
      { ...base('b', near), acl: ['team-b'] },
      { ...base('b2', 'same text'), acl: ['team-b', 'team-b'] },
      { ...base('b3', 'same text'), acl: ['team-b'] },
    ]);
    expect(r.kept.map((e) => e.id)).toEqual(['a', 'pub', 'b', 'b2']);
    expect(r.dropped.map((d) => [d.id, d.duplicateOf])).toEqual([
      ['a2', 'a'],
      ['b3', 'b2'],
    ]);
  });

  it('drops near duplicates of long texts and keeps distinct ones', () => {
    const near = long.replace('item5 ', 'item5b ');
    const other = Array.from({ length: 120 }, (_, i) => `other${i}`).join(' ');
    const r = dedupeEntities([base('a', long), base('b', near), base('c', other)]);
    expect(r.kept.map((e) => e.id)).toEqual(['a', 'c']);
    expect(r.dropped[0]).toMatchObject({ id: 'b', duplicateOf: 'a', kind: 'near' });
  });
  it('finds duplicates of entities it holds only as hashes, reading the kept ones back, past the growth of its tables', () => {
    const texts = Array.from({ length: 1500 }, (_, i) => Array.from({ length: 120 }, (_, j) => `w${i}x${j}`).join(' '));
    const kept: Entity[] = [];
    const reads: number[] = [];
    const deduper = new Deduper((n) => {
      reads.push(n);
      return kept[n];
    });
    texts.forEach((t, i) => {
      const e = base(`d${i}`, t);
      expect(deduper.offer(e)).toBeNull();
      kept.push(e);
    });
    // only hash matches are read back: none among 1,500 distinct texts of one reader
    expect(reads.length).toBeLessThan(5);
    expect(deduper.offer(base('copy', texts[7] as string))).toEqual({ duplicateOf: 'd7', kind: 'exact' });
    expect(deduper.offer(base('near', (texts[1200] as string).replace('w1200x60 ', 'changed ')))).toEqual({ duplicateOf: 'd1200', kind: 'near' });
    expect(deduper.offer(base('other', texts[3] as string, { acl: ['staff'] }))).toBeNull();
    expect(deduper.size).toBe(1501);
  });
});
