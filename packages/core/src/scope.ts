import type { AclView, VisibleStats } from './acl';
import type { EntityGraph } from './graph';
import type { Lexicon } from './lexicon';
import type { Postings } from './postings';

/**
 * What a query reads its collection-wide statistics from: for a caller who sees everything (no view), the tables
 * themselves; for a restricted caller, the entities of its {@link AclView} only: the number of entities, and each
 * term's document frequency and occurrences counted over the visible postings (memoized in the view, which lives for
 * one index version).
 */
export interface Scope {
  /** null: the caller sees every entity */
  readonly view: AclView | null;
  /** live entities the caller sees */
  readonly live: number;
  /** document frequency of a term among the entities the caller sees */
  df(t: number): number;
  /** occurrences of a term (capped per field, as in the postings) in the entities the caller sees */
  count(t: number): number;
}

/** The scope of a caller who sees everything: the tables as they are. */
export function fullScope(lex: Lexicon, graph: EntityGraph): Scope {
  return {
    view: null,
    live: graph.live,
    df: (t) => lex.df.get(t),
    count: (t) => lex.termCount(t),
  };
}

/** The scope of a restricted caller: statistics over the entities of `view`. */
export function viewScope(view: AclView, post: Postings): Scope {
  return {
    view,
    live: view.live,
    df: (t) => visibleStats(view, post, t).df,
    count: (t) => visibleStats(view, post, t).cnt,
  };
}

/**
 * Document frequency and occurrences of a term over the entities a view sees: one walk of its postings (found by
 * phrase matching for a multi-token, and cached for the version), memoized in the view (bounded).
 */
export function visibleStats(view: AclView, post: Postings, t: number): VisibleStats {
  const hit = view.stats.get(t);
  if (hit) return hit;
  const vis = view.visible;
  const p = post.postingsOf(t);
  let df = 0;
  let cnt = 0;
  for (let i = 0; i < p.length; i += 3) {
    if (vis[p[i] as number] !== 1) continue;
    const a = p[i + 1] as number;
    const b = p[i + 2] as number;
    df++;
    cnt += (a & 127) + ((a >>> 7) & 127) + ((a >>> 14) & 127) + ((a >>> 21) & 127) + (b >>> 16) + (b & 65535);
  }
  const out = { df, cnt };
  if (view.stats.size >= 200_000) view.stats.clear();
  view.stats.set(t, out);
  return out;
}
