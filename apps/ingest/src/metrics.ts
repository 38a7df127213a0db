import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The ingest API's Prometheus metrics, in a registry of its own (several apps in one process, as in tests, do not
 * share counters): request latency by route, method and status, and the process's default metrics.
 */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly requestSeconds = new Histogram({
    name: 'lexigraph_ingest_request_duration_seconds',
    help: 'HTTP request latency of the ingest API, by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lexigraph_ingest_' });
  }
}
