import { JOB_NAMES } from '@lexigraph/contracts';
import type { JobEvent, JobQueues } from '@lexigraph/queue';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Queue states reported by `lexigraph_queue_jobs` (BullMQ's getJobCounts types). */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'completed', 'failed'] as const;

const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180];

/** What the metrics read of a crawl.fetch result and an index.build result (see @lexigraph/pipeline). */
interface CrawlResult {
  status?: string;
  reason?: string;
}
interface BuildResult {
  timings?: { loadMs?: number; buildMs?: number; publishMs?: number };
}

/**
 * The indexer's Prometheus metrics, in a registry of its own: the depth of every queue (read from Redis with
 * BullMQ's getJobCounts at each scrape, so it is the queues' truth, shared by every indexer), and this process's
 * jobs, pages and build / publish durations.
 */
export class IndexerMetrics {
  readonly registry = new Registry();
  readonly completed: Counter<'queue'>;
  readonly failed: Counter<'queue'>;
  readonly retried: Counter<'queue'>;
  readonly pagesFetched: Counter<'status'>;
  readonly pagesSkipped: Counter<'reason'>;
  readonly buildSeconds: Histogram;
  readonly publishSeconds: Histogram;

  constructor(queues: () => JobQueues | null, defaultMetrics = true) {
    const registers = [this.registry];
    new Gauge({
      name: 'lexigraph_queue_jobs',
      help: 'Jobs in each queue by state (BullMQ getJobCounts), for all indexers of the queue prefix',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        const q = queues();
        if (!q) return;
        for (const name of JOB_NAMES) {
          const counts = await q.queue(name).getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      },
    });
    this.completed = new Counter({ name: 'lexigraph_indexer_jobs_completed_total', help: 'Jobs this indexer ran to completion, by queue', labelNames: ['queue'], registers });
    this.failed = new Counter({
      name: 'lexigraph_indexer_jobs_failed_total',
      help: 'Jobs that failed for good in this indexer (bad input, or their last attempt), by queue',
      labelNames: ['queue'],
      registers,
    });
    this.retried = new Counter({ name: 'lexigraph_indexer_jobs_retried_total', help: 'Failed attempts that will be retried after a backoff, by queue', labelNames: ['queue'], registers });
    this.pagesFetched = new Counter({
      name: 'lexigraph_indexer_pages_fetched_total',
      help: 'Pages fetched by crawls, by outcome (stored, not-modified, removed)',
      labelNames: ['status'],
      registers,
    });
    this.pagesSkipped = new Counter({
      name: 'lexigraph_indexer_pages_skipped_total',
      help: 'URLs of crawls not stored, by reason (http-404, robots, private-address, content-type, ...)',
      labelNames: ['reason'],
      registers,
    });
    this.buildSeconds = new Histogram({ name: 'lexigraph_indexer_build_duration_seconds', help: 'Index builds: loading the documents and building the segment', buckets: DURATION_BUCKETS, registers });
    this.publishSeconds = new Histogram({
      name: 'lexigraph_indexer_publish_duration_seconds',
      help: 'Index publishes: storing the segment and switching the published version',
      buckets: DURATION_BUCKETS,
      registers,
    });
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lexigraph_indexer_' });
  }

  /** Counts one run of a job. */
  record(e: JobEvent): void {
    const queue = e.name;
    if (e.error !== undefined) {
      (e.retrying ? this.retried : this.failed).inc({ queue });
      return;
    }
    this.completed.inc({ queue });
    if (queue === 'crawl.fetch') {
      const r = (e.result ?? {}) as CrawlResult;
      if (r.status === 'skipped') this.pagesSkipped.inc({ reason: (r.reason ?? 'unknown').split(':')[0] ?? 'unknown' });
      else if (r.status) this.pagesFetched.inc({ status: r.status });
    } else if (queue === 'index.build') {
      const t = (e.result as BuildResult | null)?.timings;
      if (t) {
        this.buildSeconds.observe(((t.loadMs ?? 0) + (t.buildMs ?? 0)) / 1000);
        this.publishSeconds.observe((t.publishMs ?? 0) / 1000);
      }
    }
  }
}
