import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A layer of the answer cache: in this process, or in Redis shared by the replicas. */
export type CacheLayer = 'local' | 'shared';

/** Stages of answering a query whose costs /metrics shows (see AnswerCache). */
export type AnswerStage = 'standardize' | 'local' | 'shared' | 'rank' | 'cite' | 'serialize';

/**
 * Metrics of the answer cache, registered in the gateway's registry: lookups by layer and outcome, the cost of each
 * stage of answering (a histogram per stage, from 5 µs), and the warming after a publish (answers, jobs running).
 */
export class AnswerCacheMetrics {
  readonly lookups: Counter<'layer' | 'result'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly warmed: Counter<'collection' | 'result'>;
  readonly warming: Gauge;

  constructor(registry: Registry, entries: () => { count: number; bytes: number }) {
    this.lookups = new Counter({
      name: 'lexigraph_gateway_answer_cache_lookups_total',
      help: 'Answer cache lookups by layer (local: in-process LRU; shared: Redis) and result (hit, miss, error: Redis did not answer)',
      labelNames: ['layer', 'result'] as const,
      registers: [registry],
    });
    this.stageSeconds = new Histogram({
      name: 'lexigraph_gateway_answer_stage_seconds',
      help: 'Cost of each stage of answering a query: standardize (match the prompt), local and shared (cache lookups), rank, cite (snippets and sections), serialize',
      labelNames: ['stage'] as const,
      buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers: [registry],
    });
    this.warmed = new Counter({
      name: 'lexigraph_gateway_answer_cache_warmed_total',
      help: 'Likely prompts handled by the warming after a publish, by collection and result (computed, or present: already cached under its standard form)',
      labelNames: ['collection', 'result'] as const,
      registers: [registry],
    });
    this.warming = new Gauge({
      name: 'lexigraph_gateway_answer_cache_warming',
      help: 'Warming jobs running (a version being warmed after it was served)',
      registers: [registry],
    });
    new Gauge({
      name: 'lexigraph_gateway_answer_cache_local_entries',
      help: 'Answers held by the in-process cache',
      registers: [registry],
      collect() {
        this.set(entries().count);
      },
    });
    new Gauge({
      name: 'lexigraph_gateway_answer_cache_local_bytes',
      help: 'Size of the answers held by the in-process cache (their JSON text as UTF-16)',
      registers: [registry],
      collect() {
        this.set(entries().bytes);
      },
    });
  }
}
