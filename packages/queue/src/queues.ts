import { randomBytes } from 'node:crypto';
import { AppError, JOB_NAMES, parseJob, USER_ERROR_CODES, type JobData, type JobItem, type JobName } from '@lexigraph/contracts';
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
 * a URL is remembered, so a re-delivered parent job gets the same one. The first admission of a run records its
 * start time and lists the run under its collection. KEYS: url hash, counter, run stats hash, runs of the
 * collection (sorted by start); ARGV: job id, maxPages, ttl seconds, now (ms), run id. Returns 1 (admitted) or 0.
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
if redis.call('HSETNX', KEYS[3], 'startedAt', ARGV[4]) == 1 then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
redis.call('EXPIRE', KEYS[4], ARGV[3])
return ok`;

/**
 * Records how one crawl.fetch job of a run ended, once per job id (a job run again after its worker died is not
 * counted twice); a run not admitted through the queue (a scheduled seed, an unscoped job) is listed here. KEYS:
 * outcomes hash (job id -> outcome), run stats hash, runs of the collection; ARGV: job id, now (ms), ttl seconds,
 * run id, then the stats fields to increment by one.
 */
const RECORD_LUA = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[5] or '') == 0 then return 0 end
if redis.call('HSETNX', KEYS[2], 'startedAt', ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[4])
end
for i = 5, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
redis.call('HSET', KEYS[2], 'lastAt', ARGV[2])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return 1`;

/**
 * Reasons a URL was refused by policy (counted as `blocked`), as opposed to skipped for what it is or where it is
 * (`http-404`, `content-type:...`, `excluded`, `max-depth`): private or link-local addresses, robots.txt, and pages
 * deleted through the API.
 */
export function isBlockedReason(reason: string): boolean {
  return /^(private-address|robots|refused|link-local|metadata|deleted-by-user)/.test(reason);
}

/** URLs counted by reason. */
export interface ReasonCounts {
  total: number;
  reasons: Record<string, number>;
}

/** One crawl run (the seeds of one source, or one repetition of a scheduled source) and what became of its URLs. */
export interface RunProgress {
  id: string;
  /**
   * `running` while URLs it admitted are not finished; then `done`, or, when it fetched no page at all, `blocked`
   * (its URLs were refused, e.g. seeds at private addresses) or `failed` (its fetches failed).
   */
  state: 'running' | 'done' | 'blocked' | 'failed';
  startedAt: string;
  /** When its last URL finished (null before the first). */
  lastAt: string | null;
  /** URLs admitted to the run (its page budget, maxPages, caps it). */
  admitted: number;
  /** Admitted and not finished yet (queued, delayed for a retry, or being fetched). */
  pending: number;
  /** Finished, whatever became of them (fetched, blocked, skipped or failed). */
  done: number;
  /** Pages answered by their server: stored (new or changed), not modified (a 304), removed (gone: 404 / 410). */
  fetched: number;
  stored: number;
  notModified: number;
  removed: number;
  /** URLs refused by policy (private addresses, robots.txt, pages deleted through the API), by reason. */
  blocked: ReasonCounts;
  /** Other URLs not stored (HTTP errors, content types, timeouts), by reason. */
  skipped: ReasonCounts;
  /** Fetches that failed for good after their retries. */
  failed: number;
  /** Links of its pages left out (excluded, not included, off origin, too deep, private), by reason. */
  linksSkipped: ReasonCounts;
  /** Milliseconds from its start to its last finished URL (to now while running). */
  elapsedMs: number;
  /** Pages fetched per second of that time. */
  pagesPerSecond: number;
}

/** Job counts of one queue, all collections together (BullMQ getJobCounts). */
export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'waiting-children' | 'paused' | 'completed' | 'failed', number>;

export interface CollectionProgress {
  /** The crawl run asked for, else the latest one of the collection; null when it has none. */
  run: RunProgress | null;
  /** Ids of the collection's crawl runs, the latest first (at most 20). */
  runs: string[];
  /** Whether an index build of the collection waits or runs. */
  build: { pending: boolean };
  /** Nothing of the collection left to do: its run is done and no build is pending. */
  idle: boolean;
  /** Depth of every queue (all collections), from BullMQ getJobCounts. */
  queues: Record<JobName, QueueCounts>;
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
      case 'index.build':
        // BullMQ's deduplication per collection: while a build waits out its delay, more requests join it; while
        // one runs, the last request is kept and becomes the next build when it finishes (keepLastIfActive), so
        // a change made during a build is never missed and builds of a collection never overlap. Each build has
        // an id of its own (the collection's key and a unique suffix).
        return {
          ...base,
          jobId: `${base.jobId}${JOB_ID_SEPARATOR}${now.toString(36)}${randomBytes(4).toString('hex')}`,
          deduplication: { id: base.jobId as string, keepLastIfActive: true },
          delay: this.config.buildDebounceMs,
          removeOnComplete: { age: keep },
        };
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
      const runId = crawlRunOf(job.data);
      const run = this.runKey(job.data.collection, runId);
      pipe.eval(ADMIT_LUA, 4, `${run}:urls`, `${run}:count`, `${run}:stats`, this.runsKey(job.data.collection), id, job.data.scope.maxPages, ttl, Date.now(), runId);
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
      const key = opts.deduplication?.id ?? id;
      if (seen.has(key)) continue;
      seen.add(key);
      batch.push({ job, id, opts });
    }
    const admitted = await this.admit(batch);
    for (const [i, { job, opts }] of batch.entries()) {
      if (!admitted[i]) continue;
      const list = byQueue.get(job.name) ?? [];
      list.push({ name: job.name, data: job.data, opts });
      byQueue.set(job.name, list);
    }
    // The ids BullMQ answers: a deduplicated build answers the id of the build it joined.
    for (const [name, list] of byQueue) for (const added of await this.queue(name).addBulk(list)) if (added.id) ids.push(added.id);
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

  private runKey(collection: string, runId: string): string {
    return `${this.config.prefix}:crawl-run:${collection}:${runId}`;
  }

  private runsKey(collection: string): string {
    return `${this.config.prefix}:crawl-runs:${collection}`;
  }

  /**
   * Records how a crawl.fetch job ended in its run's statistics (once per job): `result` is the handler's
   * CrawlPageResult when it completed, `failed` when it failed for good. Workers call it; /progress reads it.
   */
  async recordCrawl(data: JobData<'crawl.fetch'>, jobId: string, outcome: { result?: unknown; failed?: boolean }): Promise<void> {
    const fields: string[] = ['done'];
    if (outcome.failed) fields.push('failed');
    else {
      const r = (outcome.result ?? {}) as { status?: string; reason?: string; skipped?: { reason?: string }[] };
      if (r.status === 'stored' || r.status === 'not-modified' || r.status === 'removed') fields.push(`page:${r.status}`);
      else {
        const reason = r.reason ?? 'unknown';
        fields.push(isBlockedReason(reason) ? `blocked:${reason}` : `skipped:${reason}`);
      }
      for (const link of r.skipped ?? []) fields.push(`link:${link.reason ?? 'unknown'}`);
    }
    const runId = crawlRunOf(data);
    const run = this.runKey(data.collection, runId);
    const ttl = this.config.keepDays * 24 * 3600;
    await this.connection.eval(RECORD_LUA, 3, `${run}:outcomes`, `${run}:stats`, this.runsKey(data.collection), jobId, Date.now(), ttl, runId, ...fields);
  }

  /**
   * Progress of a collection: one crawl run (`runId`, else its latest) with its pages fetched, blocked and skipped
   * by reason and its real rate, whether an index build of it is pending, and the depth of every queue (BullMQ
   * getJobCounts). Throws NOT_FOUND for an unknown run id.
   */
  async progress(collection: string, runId?: string, now = Date.now()): Promise<CollectionProgress> {
    const runs = await this.connection.zrevrange(this.runsKey(collection), 0, 19);
    const id = runId ?? runs[0];
    if (runId !== undefined && !runs.includes(runId) && (await this.connection.zscore(this.runsKey(collection), runId)) === null) {
      throw new AppError('NOT_FOUND', `run: no crawl run "${runId}" in collection "${collection}"`, { collection, run: runId });
    }
    const run = id === undefined ? null : await this.runProgress(collection, id, now);
    const buildJob = await this.queue('index.build').getDeduplicationJobId(jobIdOf({ name: 'index.build', data: { collection } }));
    const pending = buildJob !== null;
    const queues = {} as Record<JobName, QueueCounts>;
    for (const name of JOB_NAMES) {
      queues[name] = (await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'completed', 'failed')) as QueueCounts;
    }
    return { run, runs, build: { pending }, idle: !pending && (run === null || run.state !== 'running'), queues };
  }

  private async runProgress(collection: string, id: string, now: number): Promise<RunProgress> {
    const key = this.runKey(collection, id);
    const [stats, count] = await Promise.all([this.connection.hgetall(`${key}:stats`), this.connection.get(`${key}:count`)]);
    const n = (field: string) => Number(stats[field] ?? 0);
    const byPrefix = (prefix: string): ReasonCounts => {
      const reasons: Record<string, number> = {};
      let total = 0;
      for (const [field, value] of Object.entries(stats)) {
        if (!field.startsWith(prefix)) continue;
        reasons[field.slice(prefix.length)] = Number(value);
        total += Number(value);
      }
      return { total, reasons };
    };
    // The seed of a scheduled run enters through its job scheduler, not through admission: count it as admitted.
    const admitted = Math.max(Number(count ?? 0), n('done'));
    const pending = admitted - n('done');
    const startedAt = n('startedAt');
    const lastAt = stats.lastAt ? n('lastAt') : null;
    const stored = n('page:stored');
    const notModified = n('page:not-modified');
    const removed = n('page:removed');
    const fetched = stored + notModified + removed;
    const blocked = byPrefix('blocked:');
    // A run that fetched nothing says why: every URL refused (e.g. seeds at private addresses), or failed.
    const state = pending > 0 ? 'running' : fetched === 0 && blocked.total > 0 ? 'blocked' : fetched === 0 && n('failed') > 0 ? 'failed' : 'done';
    const elapsedMs = Math.max(0, (state === 'running' ? now : (lastAt ?? startedAt)) - startedAt);
    return {
      id,
      state,
      startedAt: new Date(startedAt).toISOString(),
      lastAt: lastAt === null ? null : new Date(lastAt).toISOString(),
      admitted,
      pending,
      done: n('done'),
      fetched,
      stored,
      notModified,
      removed,
      blocked,
      skipped: byPrefix('skipped:'),
      failed: n('failed'),
      linksSkipped: byPrefix('link:'),
      elapsedMs,
      pagesPerSecond: elapsedMs > 0 ? fetched / (elapsedMs / 1000) : 0,
    };
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
    await this.connection.del(`${this.config.prefix}:build-waiting:${collection}`, this.runsKey(collection), ...keys);
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
