import { performance } from 'node:perf_hooks';

/** Latency of one timed pass, ms. */
export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? 0 : sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), meanMs: mean };
}

/** Wall time of `call` on each query, ms, in order. */
export function timePass(queries: string[], call: (q: string) => void): number[] {
  const out = new Array<number>(queries.length);
  for (let i = 0; i < queries.length; i++) {
    const t0 = performance.now();
    call(queries[i] as string);
    out[i] = performance.now() - t0;
  }
  return out;
}
