import type { AclView } from './acl';
import { F_BODY, F_HEADING, F_TITLE } from './analyze';
import type { Lexicon } from './lexicon';
import { cmpStr } from './lexicon';
import type { PairTable } from './pairs';
import { SOFT_MATCH_MIN_DICE, SOFT_MATCH_MIN_JOINT, SOFT_MATCH_TERMS, type PmiVariant } from './params';
import type { Postings } from './postings';
import { visibleStats } from './scope';
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

  /**
   * Associated tokens of a term by PMI (variant chosen per query), strongest first. With a view, the pairs and
   * occurrences are counted over the entities it sees only (see {@link visibleAssociations}).
   */
  associations(t: number, variant: PmiVariant, minJoint: number, limit: number, view: AclView | null = null): readonly Association[] {
    if (view) return this.visibleAssociations(t, variant, minJoint, limit, view);
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
    const out: Association[] = [];
    this.pairs.forEachOf(t, lex.size, (u, nab) => this.select(out, limit, variant, minJoint, u, nab, na, lex.termCount(u)));
    return out;
  }

  /**
   * Bounded selection of the `limit` best associations in `out`, kept sorted best-first (PMI, then pair count, then
   * key); pair (t, u) with count `nab`, `na` and `nb` the occurrences of t and u.
   */
  private select(out: Association[], limit: number, variant: PmiVariant, minJoint: number, u: number, nab: number, na: number, nb: number): void {
    if (nab < minJoint || nb <= 0 || limit <= 0) return;
    const lex = this.lex;
    const pmi = pmiScore(variant, nab, na, nb, Math.max(1, lex.tokenOccurrences), Math.max(1, this.pairs.occurrences));
    if (out.length >= limit) {
      const last = out[out.length - 1] as Association;
      if (pmi < last.pmi || (pmi === last.pmi && nab < last.nab)) return;
    }
    const worse = (x: Association, y: Association) => x.pmi - y.pmi || x.nab - y.nab || cmpStr(lex.termKey(y.termId), lex.termKey(x.termId));
    const item = { termId: u, pmi, nab };
    let j = out.length;
    out.push(item);
    while (j > 0 && worse(out[j - 1] as typeof item, item) < 0) {
      out[j] = out[j - 1] as typeof item;
      j--;
    }
    out[j] = item;
    if (out.length > limit) out.pop();
  }

  /** Zeroed per-term counts, reused (the touched terms are zeroed again after use). */
  private joint(): Int32Array {
    const n = this.lex.size;
    if (!this.jointScratch || this.jointScratch.length < n) this.jointScratch = new Int32Array(Math.max(1024, n));
    return this.jointScratch;
  }

  /**
   * The x-embeddings of a single word as an index of the entities a view sees would hold them: its pairs are counted
   * from the token streams of the visible entities holding it (the sentences of their own text: title, headings,
   * body; words 1..pairWindow apart, per occurrence, as the pair table counts them), and the occurrences of both words
   * over the visible postings. The totals that normalize log-PMI and NPMI stay collection-wide (DESIGN.md). Memoized in
   * the view.
   */
  private visibleAssociations(t: number, variant: PmiVariant, minJoint: number, limit: number, view: AclView): readonly Association[] {
    const key = `${t}|${variant}|${minJoint}|${limit}`;
    const hit = view.assoc.get(key) as readonly Association[] | undefined;
    if (hit) return hit;
    const out: Association[] = [];
    const na = visibleStats(view, this.post, t).cnt;
    if (na > 0 && this.lex.words.data[t] === 1) {
      const joint = this.joint();
      const touched: number[] = [];
      const win = this.pairs.window;
      const vis = view.visible;
      const post = this.post.postingsOf(t);
      const streams = this.post.streams;
      for (let i = 0; i < post.length; i += 3) {
        const slot = post[i] as number;
        if (vis[slot] !== 1) continue;
        const st = streams.get(slot) as Int32Array;
        let field = 0;
        for (let x = 0; x < st.length; x++) {
          const v = st[x] as number;
          if (v < 0) {
            field = -v - 1;
            continue;
          }
          if (v !== t || (field !== F_TITLE && field !== F_HEADING && field !== F_BODY)) continue;
          // the words within the window on both sides, inside the sentence (markers are negative)
          for (let y = x - 1; y >= x - win && y >= 0; y--) {
            const u = st[y] as number;
            if (u < 0) break;
            if (u === t) continue;
            if (joint[u] === 0) touched.push(u);
            joint[u] = (joint[u] as number) + 1;
          }
          for (let y = x + 1; y <= x + win && y < st.length; y++) {
            const u = st[y] as number;
            if (u < 0) break;
            if (u === t) continue;
            if (joint[u] === 0) touched.push(u);
            joint[u] = (joint[u] as number) + 1;
          }
        }
      }
      for (const u of touched) {
        const nab = joint[u] as number;
        joint[u] = 0;
        if (nab >= minJoint) this.select(out, limit, variant, minJoint, u, nab, na, visibleStats(view, this.post, u).cnt);
      }
    }
    if (view.assoc.size >= 50_000) view.assoc.clear();
    view.assoc.set(key, out);
    return out;
  }

  /**
   * Document-level associates of a single word (the soft match's stand-ins): the single words that share the most
   * entities with it, by Dice 2·n_tu / (df_t + df_u), with n_tu ≥ {@link SOFT_MATCH_MIN_JOINT} and Dice ≥
   * {@link SOFT_MATCH_MIN_DICE}, at most {@link SOFT_MATCH_TERMS}, strongest first (ties by key). One pass over the
   * token streams of the entities holding it; kept until the index changes.
   */
  docAssociations(t: number, view: AclView | null = null): readonly DocAssociate[] {
    if (view) {
      const hit = view.docAssoc.get(t) as readonly DocAssociate[] | undefined;
      if (hit) return hit;
      const out = this.computeDocAssociations(t, view);
      if (view.docAssoc.size >= 50_000) view.docAssoc.clear();
      view.docAssoc.set(t, out);
      return out;
    }
    if (this.docAssocCache.version !== this.version.n || this.docAssocCache.map.size >= 50_000) {
      this.docAssocCache = { version: this.version.n, map: new Map() };
    }
    const hit = this.docAssocCache.map.get(t);
    if (hit) return hit;
    const out = this.computeDocAssociations(t, null);
    this.docAssocCache.map.set(t, out);
    return out;
  }

  /** The document-level associates of `t` over every entity, or over the entities a view sees. */
  private computeDocAssociations(t: number, view: AclView | null): DocAssociate[] {
    const lex = this.lex;
    // joint counts in a zeroed scratch column indexed by term (the touched terms are zeroed again after use)
    const joint = this.joint();
    const touched: number[] = [];
    const post = this.post.postingsOf(t);
    const streams = this.post.streams;
    const seen = lex.stamps();
    const vis = view?.visible;
    for (let i = 0; i < post.length; i += 3) {
      if (vis !== undefined && vis[post[i] as number] !== 1) continue;
      const st = streams.get(post[i] as number);
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
    const dfOf = (u: number): number => (view ? visibleStats(view, this.post, u).df : lex.df.get(u));
    const dft = dfOf(t);
    const out: DocAssociate[] = [];
    for (const u of touched) {
      const n = joint[u] as number;
      joint[u] = 0;
      if (n < SOFT_MATCH_MIN_JOINT) continue;
      const dice = (2 * n) / (dft + dfOf(u));
      if (dice >= SOFT_MATCH_MIN_DICE) out.push({ termId: u, dice, joint: n });
    }
    out.sort((x, y) => y.dice - x.dice || cmpStr(lex.termKey(x.termId), lex.termKey(y.termId)));
    if (out.length > SOFT_MATCH_TERMS) out.length = SOFT_MATCH_TERMS;
    return out;
  }
}
