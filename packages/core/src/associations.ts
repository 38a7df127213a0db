import type { Lexicon } from './lexicon';
import { cmpStr } from './lexicon';
import type { PairTable } from './pairs';
import { SOFT_MATCH_MIN_DICE, SOFT_MATCH_MIN_JOINT, SOFT_MATCH_TERMS, type PmiVariant } from './params';
import type { Postings } from './postings';
import type { IndexVersion } from './version';

/** An associated token of a term by PMI (x-embedding), with the pair count `nab`. */
export interface Association {
  termId: number;
  pmi: number;
  nab: number;
}

/** A document-level associate of a word (soft match): Dice over the entities, and the entities they share. */
export interface DocAssociate {
  termId: number;
  dice: number;
  joint: number;
}

/** PMI of a pair in one of three variants; n counts are occurrences, totals normalize to probabilities. */
export function pmiScore(v: PmiVariant, nab: number, na: number, nb: number, totalTok: number, totalPairs: number): number {
  if (v === 'xllm') return nab / Math.sqrt(na * nb);
  const pab = nab / totalPairs;
  const pa = na / totalTok;
  const pb = nb / totalTok;
  const pmi = Math.log2(pab / (pa * pb));
  if (v === 'log') return pmi;
  const h = -Math.log2(pab);
  return h > 0 ? Math.max(-1, Math.min(1, pmi / h)) : 1;
}

/**
 * Associations read from the tables, computed on first use and cached for the index version (bounded, so a stream of
 * distinct prompts cannot grow a cache without end): the x-embeddings of a term (its pairs by PMI) and the
 * document-level associates of a single word (the entities it shares with other words).
 */
export class Associations {
  /** associations per (token, variant, minJoint, limit) for the current version */
  private assocCache: { version: number; map: Map<string, readonly Association[]> } = { version: -1, map: new Map() };
  /** document-level associates per term (soft match) for the current version */
  private docAssocCache: { version: number; map: Map<number, readonly DocAssociate[]> } = { version: -1, map: new Map() };
  /** zeroed joint counts per term, reused by {@link docAssociations} */
  private jointScratch: Int32Array | null = null;

  constructor(
    private readonly lex: Lexicon,
    private readonly post: Postings,
    private readonly pairs: PairTable,
    private readonly version: IndexVersion,
  ) {}

  /** Associated tokens of a term by PMI (variant chosen per query), strongest first. */
  associations(t: number, variant: PmiVariant, minJoint: number, limit: number): readonly Association[] {
    // x-embeddings are a table of the index: computed on first use per (token, variant, minJoint, limit) and kept
    // until the index changes (bounded, so a stream of distinct prompts cannot grow it without end)
    if (this.assocCache.version !== this.version.n || this.assocCache.map.size >= 50_000) this.assocCache = { version: this.version.n, map: new Map() };
    const key = `${t}|${variant}|${minJoint}|${limit}`;
    const hit = this.assocCache.map.get(key);
    if (hit) return hit;
    const out = this.computeAssociations(t, variant, minJoint, limit);
    this.assocCache.map.set(key, out);
    return out;
  }

  private computeAssociations(t: number, variant: PmiVariant, minJoint: number, limit: number): Association[] {
    const lex = this.lex;
    const na = lex.termCount(t);
    if (na <= 0) return [];
    const totalTok = Math.max(1, lex.tokenOccurrences);
    const totalPairs = Math.max(1, this.pairs.occurrences);
    // bounded selection: keep the `limit` best in a small array sorted best-first
    const out: Association[] = [];
    const worse = (x: Association, y: Association) => x.pmi - y.pmi || x.nab - y.nab || cmpStr(lex.termKey(y.termId), lex.termKey(x.termId));
    this.pairs.forEachOf(t, lex.terms.length, (u, nab) => {
      if (nab < minJoint) return;
      const nb = lex.termCount(u);
      if (nb <= 0) return;
      const pmi = pmiScore(variant, nab, na, nb, totalTok, totalPairs);
      if (out.length >= limit) {
        const last = out[out.length - 1] as Association;
        if (pmi < last.pmi || (pmi === last.pmi && nab < last.nab)) return;
      }
      const item = { termId: u, pmi, nab };
      let j = out.length;
      out.push(item);
      while (j > 0 && worse(out[j - 1] as typeof item, item) < 0) {
        out[j] = out[j - 1] as typeof item;
        j--;
      }
      out[j] = item;
      if (out.length > limit) out.pop();
    });
    return out;
  }

  /**
   * Document-level associates of a single word (the soft match's stand-ins): the single words that share the most
   * entities with it, by Dice 2·n_tu / (df_t + df_u), with n_tu ≥ {@link SOFT_MATCH_MIN_JOINT} and Dice ≥
   * {@link SOFT_MATCH_MIN_DICE}, at most {@link SOFT_MATCH_TERMS}, strongest first (ties by key). One pass over the
   * token streams of the entities holding it; kept until the index changes.
   */
  docAssociations(t: number): readonly DocAssociate[] {
    if (this.docAssocCache.version !== this.version.n || this.docAssocCache.map.size >= 50_000) {
      this.docAssocCache = { version: this.version.n, map: new Map() };
    }
    const hit = this.docAssocCache.map.get(t);
    if (hit) return hit;
    const lex = this.lex;
    // joint counts in a zeroed scratch column indexed by term (the touched terms are zeroed again after use)
    if (!this.jointScratch || this.jointScratch.length < lex.terms.length) this.jointScratch = new Int32Array(Math.max(1024, lex.terms.length));
    const joint = this.jointScratch;
    const touched: number[] = [];
    const post = this.post.postingsOf(t);
    const streams = this.post.streams;
    const seen = lex.stamp.data;
    for (let i = 0; i < post.length; i += 3) {
      const st = streams[post[i] as number];
      if (!st) continue;
      // each word counts once per entity: stamp it with this entity's pass
      const now = lex.nextStamp();
      for (let j = 0; j < st.length; j++) {
        const u = st[j] as number;
        if (u < 0 || u === t || seen[u] === now) continue;
        seen[u] = now;
        if (joint[u] === 0) touched.push(u);
        joint[u] = (joint[u] as number) + 1;
      }
    }
    const dft = lex.df.data[t] as number;
    const out: DocAssociate[] = [];
    for (const u of touched) {
      const n = joint[u] as number;
      joint[u] = 0;
      if (n < SOFT_MATCH_MIN_JOINT) continue;
      const dice = (2 * n) / (dft + (lex.df.data[u] as number));
      if (dice >= SOFT_MATCH_MIN_DICE) out.push({ termId: u, dice, joint: n });
    }
    out.sort((x, y) => y.dice - x.dice || cmpStr(lex.termKey(x.termId), lex.termKey(y.termId)));
    if (out.length > SOFT_MATCH_TERMS) out.length = SOFT_MATCH_TERMS;
    this.docAssocCache.map.set(t, out);
    return out;
  }
}
