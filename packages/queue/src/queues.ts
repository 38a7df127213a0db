import { AppError, JOB_NAMES, parseJob, USER_ERROR_CODES, type JobItem, type JobName } from '@lexigraph/contracts';
import { crawlRunOf, DEBOUNCED_JOBS, JOB_ID_SEPARATOR, jobIdOf } from '@lexigraph/pipeline';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { QueueConfig } from './config';

/** The queue of each job name: one queue per name, named after it. */
export const QUEUE_NAMES: Readonly<Record<JobName, string>> = {
  'crawl.fetch': 'crawl.fetch',
  'distill.entity': 'distill.entity',
  'index.build': 'index.build',
  'index.publish': 'index.publish',
};

/** A Redis connection as BullMQ wants it for blocking commands (no per-request retry limit). */
export function redisConnection(url: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/**
 * Admits a URL into a crawl run once and only while the run has admitted fewer than maxPages URLs; the answer for
 * a URL is remembered, so a re-delivered parent job gets the same one. KEYS: url hash, counter; ARGV: job id,
 * maxPages, ttl seconds. Returns 1 (admitted) or 0.
 */
const ADMIT_LUA = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then return tonumber(v) end
local n = tonumber(redis.call('GET', KEYS[2]) or '0')
local ok = 0
if n < tonumber(ARGV[2]) then
  redis.call('INCR', KEYS[2])
  ok = 1
end
redis.call('HSET', KEYS[1], ARGV[1], ok)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return ok`;

export interface JobCounts {
  queued: number;
  active: number;
  done: number;
  failed: number;
}

export interface CollectionProgress extends JobCounts {
  byJob: Record<JobName, JobCounts>;
  /** Pages fetched (crawl.fetch done) per second over the last minute of fetching. */
  pagesPerSecond: number;
  pagesDone: number;
}

export interface JobView {
  id: string;
  name: string;
  state: string;
  data: unknown;
  attemptsMade: number;
  failedReason?: string;
  result?: unknown;
  createdAt: string;
  finishedAt?: string;
}

const QUEUED_LISTS = ['wait', 'paused'] as const;
const QUEUED_SETS = ['delayed', 'prioritized', 'waiting-children'] as const;

/**
 * The four job queues of the pipeline. `add` gives every job its deterministic id (jobIdOf), so adding the same
 * job twice (e.g. a parent job re-delivered after its worker died) enqueues it once; `index.build` gets one id per
 * collection and debounce window and a delay to the end of the window; `crawl.fetch` jobs are admitted against
 * their crawl run's page budget. Retries: exponential backoff; jobs are kept after they finish (crawl fetches for
 * `keepDays`, which is what makes a URL be fetched once per crawl run).
 */
export class JobQueues {
  readonly connection: Redis;
  private readonly queues: Map<JobName, Queue>;
  private readonly ownConnection: boolean;

  constructor(
    readonly config: QueueConfig,
    connection?: Redis,
  ) {
    this.ownConnection = !connection;
    this.connection = connection ?? redisConnection(config.redisUrl);
    this.queues = new Map(JOB_NAMES.map((name) => [name, new Queue(QUEUE_NAMES[name], { connection: this.connection, prefix: config.prefix })]));
  }

  queue(name: JobName): Queue {
    return this.queues.get(name) as Queue;
  }

  /** BullMQ options of a job: id, retries, retention, and the debounce delay of index.build. */
  optionsOf(job: JobItem, now = Date.now()): JobsOptions {
    const keep = this.config.keepDays * 24 * 3600;
    const base: JobsOptions = {
      jobId: jobIdOf(job),
      attempts: this.config.attempts,
      backoff: { type: 'exponential', delay: this.config.backoffMs },
      removeOnFail: { age: keep },
    };
    switch (job.name) {
      case 'crawl.fetch':
        return { ...base, removeOnComplete: { age: keep } };
      case 'index.build': {
        const window = Math.max(1, this.config.buildDebounceMs);
        const bucket = Math.floor(now / window) + 1;
        return { ...base, jobId: `${base.jobId}${JOB_ID_SEPARATOR}${bucket}`, delay: bucket * window - now, removeOnComplete: { age: keep } };
      }
      default:
        // Kept an hour, so progress counts them; a repeat within the hour (same document) is a no-op anyway.
        return { ...base, removeOnComplete: { age: 3600 } };
    }
  }

  /**
   * Which jobs may enter: a crawl.fetch only within its run's page budget (one Redis round trip for the whole
   * batch); other jobs always.
   */
  private async admit(jobs: { job: JobItem; id: string }[]): Promise<boolean[]> {
    const ttl = this.config.keepDays * 24 * 3600;
    const pipe = this.connection.pipeline();
    const asked: number[] = [];
    jobs.forEach(({ job, id }, i) => {
      if (job.name !== 'crawl.fetch' || !job.data.scope) return;
      const run = `${this.config.prefix}:crawl-run:${job.data.collection}:${crawlRunOf(job.data)}`;
      pipe.eval(ADMIT_LUA, 2, `${run}:urls`, `${run}:count`, id, job.data.scope.maxPages, ttl);
      asked.push(i);
    });
    const ok = jobs.map(() => true);
    if (asked.length === 0) return ok;
    const res = (await pipe.exec()) ?? [];
    asked.forEach((i, k) => {
      const [err, value] = res[k] ?? [new Error('no answer'), null];
      if (err) throw err;
      ok[i] = Number(value) === 1;
    });
    return ok;
  }

  /** Validates and enqueues jobs (deduplicated by id); returns the ids of the jobs now queued or already known. */
  async add(jobs: readonly unknown[]): Promise<string[]> {
    const now = Date.now();
    const byQueue = new Map<JobName, { name: string; data: unknown; opts: JobsOptions }[]>();
    const ids: string[] = [];
    const seen = new Set<string>();
    const batch: { job: JobItem; id: string; opts: JobsOptions }[] = [];
    for (const raw of jobs) {
      const job = parseJob(raw);
      const opts = this.optionsOf(job, now);
      const id = opts.jobId as string;
      if (seen.has(id)) continue;
      seen.add(id);
      batch.push({ job, id, opts });
    }
    const admitted = await this.admit(batch);
    for (const [i, { job, id, opts }] of batch.entries()) {
      if (!admitted[i]) continue;
      ids.push(id);
      const list = byQueue.get(job.name) ?? [];
      list.push({ name: job.name, data: job.data, opts });
      byQueue.set(job.name, list);
    }
    for (const [name, list] of byQueue) await this.queue(name).addBulk(list);
    return ids;
  }

  /** A job by id (the job name is part of the id), or null. */
  async getJob(id: string): Promise<JobView | null> {
    const name = id.split(JOB_ID_SEPARATOR)[1] as JobName | undefined;
    if (!name || !(JOB_NAMES as readonly string[]).includes(name)) return null;
    const job: Job | undefined = await this.queue(name).getJob(id);
    if (!job) return null;
    const state = await job.getState();
    return {
      id,
      name: job.name,
      state,
      data: job.data,
      attemptsMade: job.attemptsMade,
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
      createdAt: new Date(job.timestamp).toISOString(),
      ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
    };
  }

  /**
   * Queued / active / done / failed jobs of one collection (job ids start with `<collection>~`), per job name and
   * in total, and the crawl's pages per second. Reads job ids only, not the jobs.
   */
  async progress(collection: string): Promise<CollectionProgress> {
    const prefix = `${collection}${JOB_ID_SEPARATOR}`;
    const mine = (ids: string[]) => ids.filter((id) => id.startsWith(prefix));
    const byJob = {} as Record<JobName, JobCounts>;
    const total: JobCounts = { queued: 0, active: 0, done: 0, failed: 0 };
    let pagesDone = 0;
    let pagesPerSecond = 0;
    for (const name of JOB_NAMES) {
      const q = this.queue(name);
      const tx = this.connection.multi();
      for (const l of QUEUED_LISTS) tx.lrange(q.toKey(l), 0, -1);
      for (const s of QUEUED_SETS) tx.zrange(q.toKey(s), 0, -1);
      tx.lrange(q.toKey('active'), 0, -1);
      tx.zrange(q.toKey('completed'), 0, -1, 'WITHSCORES');
      tx.zrange(q.toKey('failed'), 0, -1);
      const res = ((await tx.exec()) ?? []).map(([err, value]) => {
        if (err) throw err;
        return value as string[];
      });
      const queued = res.slice(0, QUEUED_LISTS.length + QUEUED_SETS.length).reduce((n, ids) => n + mine(ids).length, 0);
      const active = mine(res[5] ?? []).length;
      const completedRaw = res[6] ?? [];
      const finished: number[] = [];
      for (let i = 0; i + 1 < completedRaw.length; i += 2) {
        if ((completedRaw[i] as string).startsWith(prefix)) finished.push(Number(completedRaw[i + 1]));
      }
      const failed = mine(res[7] ?? []).length;
      const counts = { queued, active, done: finished.length, failed };
      byJob[name] = counts;
      total.queued += queued;
      total.active += active;
      total.done += counts.done;
      total.failed += failed;
      if (name === 'crawl.fetch') {
        pagesDone = finished.length;
        // The rate of the latest minute of fetching (finished crawl jobs are kept for days, across crawl runs).
        const last = finished.reduce((m, t) => Math.max(m, t), 0);
        const recent = finished.filter((t) => t >= last - 60_000);
        if (recent.length >= 2) {
          const span = (last - Math.min(...recent)) / 1000;
          pagesPerSecond = span > 0 ? (recent.length - 1) / span : 0;
        }
      }
    }
    return { ...total, byJob, pagesDone, pagesPerSecond };
  }

  /** Crawl and distill jobs of a collection still waiting, delayed or running. */
  async pendingWork(collection: string): Promise<number> {
    const prefix = `${collection}${JOB_ID_SEPARATOR}`;
    const tx = this.connection.multi();
    for (const name of ['crawl.fetch', 'distill.entity'] as const) {
      const q = this.queue(name);
      for (const l of [...QUEUED_LISTS, 'active'] as const) tx.lrange(q.toKey(l), 0, -1);
      for (const z of QUEUED_SETS) tx.zrange(q.toKey(z), 0, -1);
    }
    const res = (await tx.exec()) ?? [];
    let n = 0;
    for (const [err, ids] of res) {
      if (err) throw err;
      for (const id of ids as string[]) if (id.startsWith(prefix)) n++;
    }
    return n;
  }

  /**
   * Whether an index build of `collection` should wait: crawl or distill jobs of it are pending and the build has
   * not already waited `buildMaxWaitMs`. When it waits, a new debounced build is queued in its place.
   */
  async deferBuild(collection: string, now = Date.now()): Promise<boolean> {
    const key = `${this.config.prefix}:build-waiting:${collection}`;
    if ((await this.pendingWork(collection)) === 0) {
      await this.connection.del(key);
      return false;
    }
    await this.connection.set(key, String(now), 'PX', 24 * 3600 * 1000, 'NX');
    const since = Number(await this.connection.get(key));
    if (now - since >= this.config.buildMaxWaitMs) {
      await this.connection.del(key);
      return false;
    }
    await this.add([{ name: 'index.build', data: { collection } }]);
    return true;
  }

  /**
   * Removes every job of `collection` that is not running (waiting, delayed, prioritized, paused, done or failed;
   * job ids start with `<collection>~`), its job schedulers (scheduled sources) and its crawl-run and build keys.
   * A job running meanwhile finishes or fails on its own. Returns how many jobs went.
   */
  async removeCollection(collection: string): Promise<number> {
    const prefix = `${collection}${JOB_ID_SEPARATOR}`;
    let removed = 0;
    for (const name of JOB_NAMES) {
      const q = this.queue(name);
      for (const scheduler of await q.getJobSchedulers()) {
        if (scheduler.key.startsWith(prefix)) await q.removeJobScheduler(scheduler.key);
      }
      const tx = this.connection.multi();
      for (const l of QUEUED_LISTS) tx.lrange(q.toKey(l), 0, -1);
      for (const z of [...QUEUED_SETS, 'completed', 'failed'] as const) tx.zrange(q.toKey(z), 0, -1);
      const ids = new Set<string>();
      for (const [err, value] of (await tx.exec()) ?? []) {
        if (err) throw err;
        for (const id of value as string[]) if (id.startsWith(prefix)) ids.add(id);
      }
      for (const id of ids) removed += await q.remove(id);
    }
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.connection.scan(cursor, 'MATCH', `${this.config.prefix}:crawl-run:${collection}:*`, 'COUNT', 500);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    await this.connection.del(`${this.config.prefix}:build-waiting:${collection}`, ...keys);
    return removed;
  }

  /** Removes every key of this prefix (tests). */
  async obliterate(): Promise<void> {
    for (const q of this.queues.values()) await q.obliterate({ force: true });
    let cursor = '0';
    do {
      const [next, keys] = await this.connection.scan(cursor, 'MATCH', `${this.config.prefix}:*`, 'COUNT', 500);
      if (keys.length) await this.connection.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    for (const q of this.queues.values()) await q.close();
    if (this.ownConnection) await this.connection.quit().catch(() => undefined);
  }
}

/** Codes of AppErrors that retrying cannot fix (bad input): the job fails at once and keeps its reason. */
export const PERMANENT_CODES = USER_ERROR_CODES;

export function isPermanent(err: unknown): boolean {
  return AppError.is(err) && PERMANENT_CODES.has(err.code);
}

export { DEBOUNCED_JOBS };
