import { existsSync } from 'node:fs';
import type { Entity } from '@lexigraph/core';
import { SpillLines } from './spill-lines';

const entity = (i: number): Entity => ({
  id: `e${i}`,
  title: i % 7 === 0 ? `Ünïcode “title” ${i} — 日本語` : `Title ${i}`,
  text: `Body of ${i}. `.repeat(80),
  category: i % 3 === 0 ? ['Guide'] : [],
  tags: [],
  links: [],
});

describe('SpillLines', () => {
  it('reads back any kept entity by its number, whether its line is written to the file yet or not', () => {
    const spill = new SpillLines();
    try {
      expect(spill.at(0)).toBeUndefined();
      // about 1 KB each: the file is written every 4 MB, so early lines are read from it and recent ones after a flush
      for (let i = 0; i < 6000; i++) spill.push(entity(i));
      expect(spill.size).toBe(6000);
      for (const n of [0, 7, 2999, 4242, 5999, 14]) expect(spill.at(n)).toEqual(entity(n));
      spill.push(entity(6000));
      expect(spill.at(6000)).toEqual(entity(6000));
      expect(spill.at(6001)).toBeUndefined();
      expect(spill.at(-1)).toBeUndefined();
    } finally {
      spill.close();
    }
  });

  it('removes its temporary file when closed', () => {
    const spill = new SpillLines();
    spill.push(entity(1));
    const dir = (spill as unknown as { dir: string }).dir;
    expect(existsSync(dir)).toBe(true);
    spill.close();
    expect(existsSync(dir)).toBe(false);
  });
});
