import fc from 'fast-check';
import { rankOf, termSet } from './termset';

describe('termSet', () => {
  it('ranks each member by its place among the members in id order, and answers −1 for any other id', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 300 }), (member) => {
        const s = termSet(member.length, (t) => member[t] === true);
        let next = 0;
        const got: number[] = [];
        const want: number[] = [];
        for (let t = -2; t < member.length + 40; t++) {
          got.push(rankOf(s, t));
          want.push(member[t] === true ? next++ : -1);
        }
        expect(got).toEqual(want);
        expect(s.base[s.base.length - 1]).toBe(next);
      }),
    );
  });
});
