import { AppError, JOB_NAMES, parseJob, type JobData, type JobItem, type JobName } from '@lexigraph/contracts';
import { crawlRunOf, DEBOUNCED_JOBS, jobIdOf } from './job-id';

/** A handler per job name; it receives the validated payload and returns a result (or follow-up jobs). */
export type JobHandler<N extends JobName> = (data: JobData<N>) => Promise<JobOutcome | void>;
export type HandlerMap = { [N in JobName]: JobHandler<N> };

/** What a handler may return: follow-up jobs to run next (in order) and a free-form result. */
export interface JobOutcome {
  next?: JobItem[];
  result?: unknown;
}

export interface JobRecord {
  job: JobItem;
  result?: unknown;
  ms: number;
}

export interface RunnerOptions {
  /** Jobs run at once (page fetches overlap their network waits). Default 1. */
  concurrency?: number;
  /** Called after each job with the number of jobs done and known so far (done + pending). */
  onProgress?: (done: number, known: number) => void;
  /** Called for each `crawl.fetch` refused because its crawl run reached its page limit. */
  onRefused?: (job: JobItem, reason: string) => void;
}

/**
 * Page budget of crawl runs: admits a `crawl.fetch` while its run (crawlRunOf) has admitted fewer than the
 * scope's maxPages URLs. The queue adapter keeps the same counts in Redis.
 */
function admits(job: JobItem, counts: Map<string, number>): boolean {
  if (job.name !== 'crawl.fetch' || !job.data.scope) return true;
  const run = `${job.data.collection}\n${crawlRunOf(job.data)}`;
  const n = counts.get(run) ?? 0;
  if (n >= job.data.scope.maxPages) return false;
  counts.set(run, n + 1);
  return true;
}

/**
 * Runs jobs of the `{ name, data }` union in this process, through the same handler map a queue worker uses, with
 * the queue's semantics: a job id (jobIdOf) runs once per `run()`, a crawl run stops admitting pages at its
 * maxPages, and a debounced job (`index.build`) waits until no other job is pending and then runs once for all the
 * requests made meanwhile. Construction fails when a job name has no handler (like a worker that refuses to boot).
 * Payloads are validated again before the handler sees them. The first failing job rethrows its error once the
 * jobs in flight have settled; nothing new starts after it.
 */
export class InProcessRunner {
  private readonly handlers: Partial<Record<string, (data: unknown) => Promise<JobOutcome | void>>>;

  constructor(
    handlers: Partial<HandlerMap>,
    private readonly options: RunnerOptions = {},
  ) {
    const missing = JOB_NAMES.filter((name) => typeof handlers[name] !== 'function');
    if (missing.length > 0) {
      throw new AppError('UNKNOWN_JOB', `refusing to start: no handler for job(s) ${missing.join(', ')}`, { missing });
    }
    this.handlers = handlers as Partial<Record<string, (data: unknown) => Promise<JobOutcome | void>>>;
  }

  /** Runs `job` and every follow-up job it yields; returns each job run with its result and duration (ms). */
  async run(job: JobItem): Promise<JobRecord[]> {
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    const done: JobRecord[] = [];
    const ready: JobItem[] = [];
    const deferred = new Map<string, JobItem>();
    const seen = new Set<string>();
    const pages = new Map<string, number>();
    let active = 0;
    let failure: { error: unknown } | null = null;

    const offer = (raw: unknown): void => {
      const item = parseJob(raw);
      const id = jobIdOf(item);
      if (DEBOUNCED_JOBS.includes(item.name)) {
        deferred.set(id, item);
        return;
      }
      if (seen.has(id)) return;
      seen.add(id);
      if (!admits(item, pages)) {
        this.options.onRefused?.(item, 'max-pages');
        return;
      }
      ready.push(item);
    };

    offer(job);
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (!failure && active < concurrency && ready.length > 0) start(ready.shift() as JobItem);
        if (!failure && active === 0 && ready.length === 0 && deferred.size > 0) {
          const [id, item] = deferred.entries().next().value as [string, JobItem];
          deferred.delete(id);
          start(item);
        }
        if (active === 0 && (failure || (ready.length === 0 && deferred.size === 0))) resolve();
      };
      const start = (item: JobItem): void => {
        const handler = this.handlers[item.name];
        active++;
        const t0 = performance.now();
        Promise.resolve()
          .then(() => {
            if (!handler) throw new AppError('UNKNOWN_JOB', `no handler for job ${item.name}`);
            return handler(item.data);
          })
          .then((outcome) => {
            done.push({ job: item, result: outcome ? outcome.result : undefined, ms: performance.now() - t0 });
            for (const next of outcome?.next ?? []) offer(next);
          })
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            active--;
            this.options.onProgress?.(done.length, done.length + active + ready.length + deferred.size);
            pump();
          });
      };
      pump();
    });
    if (failure) throw (failure as { error: unknown }).error;
    return done;
  }
}
