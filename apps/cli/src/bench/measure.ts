import type { Entity } from '@lexigraph/core';
import { summarize, timePass, type LatencySummary } from './latency';
import { createEngine, type EngineName } from './peers';
import type { SearchEngine } from './engine';

export { percentile, summarize, timePass, type LatencySummary } from './latency';

/** Results per query asked of every engine for the quality metrics. */
export const RANK_DEPTH = 100;
/** Results per query in the timed pass (the default answer size). */
export const TIMED_K = 10;

/** What one engine did on one dataset, measured in one process. */
export interface EngineMeasurement {
  engine: EngineName;
  /** Wall time of each build from scratch, in ms, in run order. */
  buildMs: number[];
  /** Top-100 entity ids per query, in the order of the queries given. */
  rankings: string[][];
  /** Latency of the reported query call (ours: `ask` with default params; peers: search top 10). */
  latency: LatencySummary;
  /** Latency of `search(q, 10)` for every engine, ours included, for a like-for-like ranking comparison. */
  searchLatency: LatencySummary;
  memory: {
    /** 'child' = measured alone in a forked process; 'in-process' = shared with the caller, indicative only. */
    mode: 'child' | 'in-process';
    /**
     * Growth of the peak resident set size (`resourceUsage().maxRSS`) over the first build, in MB, native memory
     * included. The baseline peak includes loading the dataset, so a small index can show 0 here.
     */
    maxRssDeltaMB: number;
    /** Growth of the current resident set size over the first build (after a GC when available), in MB. */
    rssDeltaMB: number;
    /** Peak resident set size of the process at the end, in MB. */
    peakRssMB: number;
    /** JS heap retained by the built index (after a GC when available), in MB. */
    heapUsedMB: number;
    /** Memory the engine reports holding outside the JS heap (FTS5: its database), in MB; absent if unknown. */
    nativeMB?: number;
  };
}

export interface MeasureRequest {
  engine: EngineName;
  entities: Entity[];
  queries: string[];
  /** Number of builds from scratch (the median is reported); at least 1. */
  builds: number;
  mode: 'child' | 'in-process';
}

const MB = 1024 * 1024;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

/**
 * Builds the engine `builds` times from scratch (memory is read around the first build), ranks every query to
 * depth 100 (this pass doubles as the warm-up), then times one pass of the reported query call and one of
 * `search(q, 10)`.
 */
export async function measureEngine(req: MeasureRequest): Promise<EngineMeasurement> {
  gc();
  const rss0 = process.resourceUsage().maxRSS;
  const heap0 = process.memoryUsage().heapUsed;
  const cur0 = process.memoryUsage().rss;
  const buildMs: number[] = [];
  let engine: SearchEngine | undefined;
  let maxRssDeltaMB = 0;
  let heapUsedMB = 0;
  let rssDeltaMB = 0;
  let nativeMB: number | undefined;
  for (let b = 0; b < Math.max(1, req.builds); b++) {
    engine?.close?.();
    engine = undefined;
    if (b > 0) gc();
    const fresh = createEngine(req.engine);
    const t0 = performance.now();
    await fresh.build(req.entities);
    buildMs.push(performance.now() - t0);
    engine = fresh;
    if (b === 0) {
      gc();
      maxRssDeltaMB = (process.resourceUsage().maxRSS - rss0) / 1024;
      const mem = process.memoryUsage();
      heapUsedMB = Math.max(0, mem.heapUsed - heap0) / MB;
      rssDeltaMB = Math.max(0, mem.rss - cur0) / MB;
      if (fresh.nativeBytes) nativeMB = fresh.nativeBytes() / MB;
    }
  }
  const built = engine as SearchEngine;
  try {
    const rankings = req.queries.map((q) => built.search(q, RANK_DEPTH).map((r) => r.id));
    const searchSamples = timePass(req.queries, (q) => void built.search(q, TIMED_K));
    const timed = built.timedQuery ? timePass(req.queries, (q) => built.timedQuery?.(q)) : searchSamples;
    return {
      engine: req.engine,
      buildMs,
      rankings,
      latency: summarize(timed),
      searchLatency: summarize(searchSamples),
      memory: {
        mode: req.mode,
        maxRssDeltaMB,
        rssDeltaMB,
        peakRssMB: process.resourceUsage().maxRSS / 1024,
        heapUsedMB,
        ...(nativeMB === undefined ? {} : { nativeMB }),
      },
    };
  } finally {
    built.close?.();
  }
}
