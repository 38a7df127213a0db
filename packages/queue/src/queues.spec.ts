import type { JobItem } from '@lexigraph/contracts';
import { jobIdOf } from '@lexigraph/pipeline';
import { JobQueues } from './queues';
import { queueConfig } from './config';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const fetchJob = (url: string, maxPages = 100, runId?: string): JobItem => ({
  name: 'crawl.fetch',
  data: {
    collection: 'docs',
    url,
    depth: 1,
    sourceId: 'src-1',
    ...(runId ? { runId } : {}),
    scope: { origins: ['http://site.test'], include: [], exclude: [], maxDepth: 3, maxPages, allowPrivate: false, allowHosts: [] },
  },
});

describe('JobQueues on Redis', () => {
  let queues: JobQueues;

  beforeEach(() => {
    queues = new JobQueues(queueConfig({ redisUrl: REDIS_URL, prefix: `lxtest-queue-${process.pid}-${Date.now().toString(36)}`, buildDebounceMs: 60_000 }));
  });
  afterEach(async () => {
    await queues.obliterate();
    await queues.close();
  });

  it('gives each job its deterministic id: the same URL of the same run is queued once, another run again', async () => {
    const a = await queues.add([fetchJob('http://site.test/a'), fetchJob('http://site.test/a'), fetchJob('http://site.test/b')]);
    expect(a).toEqual([jobIdOf(fetchJob('http://site.test/a')), jobIdOf(fetchJob('http://site.test/b'))]);
    expect(a[0]).toMatch(/^docs~crawl\.fetch~[0-9a-f]{32}$/);
    await queues.add([fetchJob('http://site.test/a')]);
    await queues.add([fetchJob('http://site.test/a', 100, 'run-2')]);
    expect(await queues.queue('crawl.fetch').getJobCountByTypes('waiting')).toBe(3);
    // Progress is per crawl run: the latest run (run-2) has one URL, the first run (src-1) two.
    const p = await queues.progress('docs');
    expect(p.runs).toEqual(['run-2', 'src-1']);
    expect(p.run).toMatchObject({ id: 'run-2', state: 'running', admitted: 1, pending: 1, done: 0, fetched: 0 });
    expect((await queues.progress('docs', 'src-1')).run).toMatchObject({ id: 'src-1', admitted: 2, pending: 2 });
    expect(p.queues['crawl.fetch']).toMatchObject({ waiting: 3, active: 0, completed: 0, failed: 0 });
    expect(await queues.progress('other')).toMatchObject({ run: null, runs: [], idle: true, build: { pending: false } });
    await expect(queues.progress('docs', 'no-run')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('counts what became of the URLs of a run, once per job, with reasons and its real rate', async () => {
    const urls = ['a', 'b', 'c', 'd'].map((p) => `http://site.test/${p}`);
    const ids = await queues.add(urls.map((u) => fetchJob(u)));
    const data = (u: string) => (fetchJob(u) as Extract<JobItem, { name: 'crawl.fetch' }>).data;
    await queues.recordCrawl(data(urls[0] as string), ids[0] as string, { result: { status: 'stored', skipped: [{ url: 'x', reason: 'excluded' }] } });
    // The same job recorded again (its worker died after recording): counted once.
    await queues.recordCrawl(data(urls[0] as string), ids[0] as string, { result: { status: 'stored' } });
    await queues.recordCrawl(data(urls[1] as string), ids[1] as string, { result: { status: 'skipped', reason: 'private-address' } });
    await queues.recordCrawl(data(urls[2] as string), ids[2] as string, { result: { status: 'skipped', reason: 'http-404' } });
    let run = (await queues.progress('docs')).run;
    expect(run).toMatchObject({ state: 'running', admitted: 4, pending: 1, done: 3, fetched: 1, stored: 1 });
    expect(run?.blocked).toEqual({ total: 1, reasons: { 'private-address': 1 } });
    expect(run?.skipped).toEqual({ total: 1, reasons: { 'http-404': 1 } });
    expect(run?.linksSkipped).toEqual({ total: 1, reasons: { excluded: 1 } });
    await queues.recordCrawl(data(urls[3] as string), ids[3] as string, { failed: true });
    run = (await queues.progress('docs')).run;
    expect(run).toMatchObject({ state: 'done', pending: 0, failed: 1 });
    expect(run?.pagesPerSecond).toBeCloseTo((run?.fetched ?? 0) / ((run?.elapsedMs ?? 1) / 1000), 6);
  });

  it('says a run that fetched nothing because its seeds were refused is blocked, not done', async () => {
    const [id] = await queues.add([fetchJob('http://10.0.0.1/')]);
    const data = (fetchJob('http://10.0.0.1/') as Extract<JobItem, { name: 'crawl.fetch' }>).data;
    await queues.recordCrawl(data, id as string, { result: { status: 'skipped', reason: 'private-address' } });
    expect((await queues.progress('docs')).run).toMatchObject({ state: 'blocked', fetched: 0, failed: 0, blocked: { total: 1 } });
  });

  it('stops admitting URLs of a crawl run at its page budget, and answers a URL the same way twice', async () => {
    const urls = ['a', 'b', 'c', 'd', 'e'].map((p) => `http://site.test/${p}`);
    const first = await queues.add(urls.slice(0, 3).map((u) => fetchJob(u, 4)));
    const second = await queues.add(urls.map((u) => fetchJob(u, 4)));
    expect(first).toHaveLength(3);
    // a and b and c again (already admitted), d admitted, e over the budget
    expect(second).toEqual(urls.slice(0, 4).map((u) => jobIdOf(fetchJob(u, 4))));
    expect(await queues.queue('crawl.fetch').getJobCountByTypes('waiting')).toBe(4);
  });

  it('deduplicates index.build per collection with BullMQ: requests while one waits join it', async () => {
    const build: JobItem = { name: 'index.build', data: { collection: 'docs' } };
    const ids = [...(await queues.add([build])), ...(await queues.add([build])), ...(await queues.add([build, build]))];
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^docs~index\.build~build~[0-9a-z]+$/);
    expect(await queues.queue('index.build').getJobCountByTypes('delayed')).toBe(1);
    expect(await queues.queue('index.build').getDeduplicationJobId('docs~index.build~build')).toBe(ids[0]);
    expect((await queues.progress('docs')).build).toEqual({ pending: true });
    // Another collection's build is its own.
    const other = await queues.add([{ name: 'index.build', data: { collection: 'other' } }]);
    expect(other[0]).not.toBe(ids[0]);
    const view = await queues.getJob(ids[0] as string);
    expect(view).toMatchObject({ name: 'index.build', state: 'delayed', data: { collection: 'docs' } });
    expect(await queues.getJob('docs~index.nuke~x')).toBeNull();
  });

  it('lets an index build wait while crawl jobs of its collection are pending, at most buildMaxWaitMs', async () => {
    expect(await queues.deferBuild('docs')).toBe(false);
    await queues.add([fetchJob('http://site.test/a')]);
    expect(await queues.pendingWork('docs')).toBe(1);
    expect(await queues.pendingWork('other')).toBe(0);
    const t0 = Date.now();
    expect(await queues.deferBuild('docs', t0)).toBe(true);
    expect(await queues.queue('index.build').getJobCountByTypes('delayed')).toBe(1);
    expect(await queues.deferBuild('docs', t0 + queues.config.buildMaxWaitMs + 1)).toBe(false);
  });

  it('validates jobs before queueing them', async () => {
    await expect(queues.add([{ name: 'crawl.fetch', data: { collection: 'docs', url: 'nope', depth: 0, sourceId: 's' } }])).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(queues.add([{ name: 'index.nuke', data: {} }])).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });
  });
});
