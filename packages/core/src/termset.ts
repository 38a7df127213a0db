/**
 * A set of term ids below `nTerms` with a rank for each member: bit t & 31 of has[t >> 5] marks t, and base[b]
 * counts the members before block b, so a member's rank (its index among the members, in id order) is one popcount.
 * Per-member data (a row of pairs, the offset of a word's postings) is then kept for the members only: about 1.1 bits
 * a term, where an offset per term takes 32 and nine terms in ten are multi-tokens.
 */
export interface TermSet {
  nTerms: number;
  has: Uint32Array;
  base: Int32Array;
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The rank of `t` among the members of `s`, or −1 when it is not one (or past the set's terms). */
export function rankOf(s: TermSet, t: number): number {
  if (t < 0 || t >= s.nTerms) return -1;
  const word = s.has[t >> 5] as number;
  const bit = t & 31;
  if (((word >>> bit) & 1) === 0) return -1;
  return (s.base[t >> 5] as number) + popcount32(word & ((1 << bit) - 1));
}

/** The set of the terms t < nTerms for which `member(t)` holds; its size is `base[base.length − 1]`. */
export function termSet(nTerms: number, member: (t: number) => boolean): TermSet {
  const blocks = (nTerms + 31) >> 5;
  const has = new Uint32Array(blocks);
  const base = new Int32Array(blocks + 1);
  let n = 0;
  for (let t = 0; t < nTerms; t++) {
    if ((t & 31) === 0) base[t >> 5] = n;
    if (member(t)) {
      has[t >> 5] = ((has[t >> 5] as number) | (1 << (t & 31))) >>> 0;
      n++;
    }
  }
  base[blocks] = n;
  return { nTerms, has, base };
}
