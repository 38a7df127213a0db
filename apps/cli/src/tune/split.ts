import type { Qrel } from '@lexigraph/core';

/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every machine and
 * Node version, which `Math.random` does not. Returns floats in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy of `items`, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  // Invariant: out[i+1..] is the final tail; out[0..i] holds the items not placed yet.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i] as T;
    out[i] = out[j] as T;
    out[j] = t;
  }
  return out;
}

export interface QrelSplit {
  dev: Qrel[];
  heldOut: Qrel[];
  /** Queries left out because no entry has a positive grade (metrics would skip them anyway). */
  unjudged: number;
}

/** True when the query has at least one relevant entry of positive grade (the ones `evaluate` scores). */
export function isJudged(q: Qrel): boolean {
  return q.relevant.some((r) => (q.grades?.[r] ?? 1) > 0);
}

/**
 * Splits judged queries into a dev part (tuned on) and a held-out part (reported only) by a shuffle seeded with
 * `seed`: deterministic, disjoint, covering every judged query. `devFraction` (0..1, exclusive) of the queries go to
 * dev, rounded, with at least one query on each side when there are two or more. Unjudged queries are dropped.
 */
export function splitQrels(qrels: readonly Qrel[], seed: number, devFraction = 0.5): QrelSplit {
  if (!(devFraction > 0 && devFraction < 1)) throw new RangeError(`dev fraction must be within (0, 1), got ${devFraction}`);
  const judged = qrels.filter(isJudged);
  const order = shuffled(judged, seededRandom(seed));
  let nDev = Math.round(order.length * devFraction);
  if (order.length >= 2) nDev = Math.min(order.length - 1, Math.max(1, nDev));
  return { dev: order.slice(0, nDev), heldOut: order.slice(nDev), unjudged: qrels.length - judged.length };
}
