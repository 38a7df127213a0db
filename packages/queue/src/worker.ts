import { JOB_NAMES, parseJob, type JobData, type JobName } from '@lexigraph/contracts';
import type { HandlerMap, JobOutcome } from '@lexigraph/pipeline';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { isPermanent, JobQueues, QUEUE_NAMES, redisConnection } from './queues';

/** One run of a job: its outcome, duration, and for a failure whether BullMQ will run it again. */
export interface JobEvent {
  name: string;
  id: string;
  ms: number;
  /** The handler's result of a completed run. */
  result?: unknown;
  /** The reason of a failed run. */
  error?: string;
  /** A failure retrying cannot fix (bad input): the job fails for good at once. */
  permanent?: boolean;
  /** A failed run that BullMQ will retry after its backoff (attempts left and not permanent). */
  retrying?: boolean;
}

export interface WorkerOptions {
  /** Jobs run at once per queue, except index.build (one at a time across all workers). Default 4. */
  concurrency?: number;
  /** Called after each job completes or fails (for logs and metrics). */
  onJob?: (event: JobEvent) => void;
  /** Errors of the workers themselves (e.g. Redis reconnecting). */
  onError?: (err: Error) => void;
}

/**
 * The payload a job runs with: a crawl.fetch started by a job scheduler (a scheduled source) is a new crawl run
 * each time, named after the scheduled job, so its URLs are fetched again (conditionally) instead of being
 * recognised as already fetched by an earlier run.
 */
function runOf(job: Job): unknown {
  const data = job.data as { runId?: unknown; sourceId?: unknown } | null;
  if (job.name !== 'crawl.fetch' || !job.repeatJobKey || !data || data.runId !== undefined) return data;
  return { ...data, runId: `${String(data.sourceId)}@${job.id ?? job.timestamp}`.slice(0, 200) };
}

export interface Workers {
  workers: Worker[];
  /** Stops taking jobs, waits for the running ones, closes connections. */
  close(): Promise<void>;
}

/**
 * Starts one BullMQ worker per job queue running the pipeline's handler map (the same one the CLI runs
 * in-process). A job's payload is validated again; its follow-up jobs are enqueued (with their deterministic ids)
 * before it completes, so a worker killed in between leaves a job that runs again and re-adds the same ids. An
 * AppError with a permanent code fails the job at once (UnrecoverableError, reason kept); anything else is retried
 * with exponential backoff. Index builds run one at a time across every worker (global concurrency 1), so versions
 * are published in the order they were built, and wait while crawl or distill jobs of their collection are pending
 * (at most `buildMaxWaitMs`; see JobQueues.deferBuild) — the in-process runner's "build after everything else".
 */
export async function startWorkers(handlers: HandlerMap, queues: JobQueues, options: WorkerOptions = {}): Promise<Workers> {
  const cfg = queues.config;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  await queues.queue('index.build').setGlobalConcurrency(1);
  const run = handlers as unknown as Record<string, (data: unknown) => Promise<JobOutcome | void>>;
  const workers: Worker[] = [];
  const connections: ReturnType<typeof redisConnection>[] = [];
  for (const name of JOB_NAMES) {
    const processor = async (job: Job): Promise<unknown> => {
      const t0 = performance.now();
      try {
        const item = parseJob({ name: job.name, data: runOf(job) });
        if (item.name === 'index.build' && (await queues.deferBuild(item.data.collection))) {
          options.onJob?.({ name: job.name, id: job.id ?? '', ms: performance.now() - t0 });
          return { deferred: true };
        }
        const handler = run[item.name] as (data: unknown) => Promise<JobOutcome | void>;
        const outcome = await handler(item.data);
        if (outcome?.next?.length) await queues.add(outcome.next);
        if (item.name === 'crawl.fetch') await queues.recordCrawl(item.data, job.id ?? '', { result: outcome?.result });
        options.onJob?.({ name: job.name, id: job.id ?? '', ms: performance.now() - t0, result: outcome?.result });
        return outcome?.result ?? null;
      } catch (err) {
        const permanent = isPermanent(err);
        // attemptsMade counts the runs that failed before this one.
        const retrying = !permanent && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
        options.onJob?.({ name: job.name, id: job.id ?? '', ms: performance.now() - t0, error: (err as Error).message, permanent, retrying });
        if (!retrying && job.name === 'crawl.fetch') {
          const data = runOf(job) as JobData<'crawl.fetch'>;
          if (data && typeof data.collection === 'string') await queues.recordCrawl(data, job.id ?? '', { failed: true });
        }
        if (permanent) {
          const e = err as Error & { code: string };
          throw new UnrecoverableError(`${e.code}: ${e.message}`);
        }
        throw err;
      }
    };
    const connection = redisConnection(cfg.redisUrl);
    connections.push(connection);
    const worker = new Worker(QUEUE_NAMES[name as JobName], processor, {
      connection,
      prefix: cfg.prefix,
      concurrency: name === 'index.build' ? 1 : concurrency,
      lockDuration: cfg.lockDurationMs,
      stalledInterval: cfg.stalledIntervalMs,
      // A worker killed again and again (the fault test) must not turn its jobs into failures.
      maxStalledCount: 10,
      autorun: true,
    });
    // Errors of the worker itself (e.g. Redis reconnecting) are reported on this event; without a listener Node
    // would treat them as unhandled.
    worker.on('error', (err) => options.onError?.(err));
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    },
  };
}
