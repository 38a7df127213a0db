import { AppError, JOB_NAMES, parseJob, type JobData, type JobItem, type JobName } from '@lexigraph/contracts';

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

/**
 * Runs jobs of the `{ name, data }` union in this process, through the same handler map a queue worker uses.
 * Construction fails when a job name has no handler (like a worker that refuses to boot). Payloads are validated
 * again before the handler sees them. Follow-up jobs returned by a handler run depth-first, in order; a failing
 * job rethrows its error after recording nothing further.
 */
export class InProcessRunner {
  private readonly handlers: Partial<Record<string, (data: unknown) => Promise<JobOutcome | void>>>;

  constructor(handlers: Partial<HandlerMap>) {
    const missing = JOB_NAMES.filter((name) => typeof handlers[name] !== 'function');
    if (missing.length > 0) {
      throw new AppError('UNKNOWN_JOB', `refusing to start: no handler for job(s) ${missing.join(', ')}`, { missing });
    }
    this.handlers = handlers as Partial<Record<string, (data: unknown) => Promise<JobOutcome | void>>>;
  }

  /** Runs `job` and every follow-up job it yields; returns each job run with its result and duration (ms). */
  async run(job: JobItem): Promise<JobRecord[]> {
    const done: JobRecord[] = [];
    const stack: unknown[] = [job];
    while (stack.length > 0) {
      const item = parseJob(stack.shift());
      const handler = this.handlers[item.name];
      if (!handler) throw new AppError('UNKNOWN_JOB', `no handler for job ${item.name}`);
      const t0 = performance.now();
      const outcome = await handler(item.data);
      done.push({ job: item, result: outcome ? outcome.result : undefined, ms: performance.now() - t0 });
      if (outcome?.next?.length) stack.unshift(...outcome.next);
    }
    return done;
  }
}
