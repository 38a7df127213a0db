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
    scope: { origins: ['http://site.test'], include: [], exclude: [], maxDepth: 3, maxPages, allowPrivate: false },
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
    const p = await queues.progress('docs');
    expect(p.byJob['crawl.fetch']).toEqual({ queued: 3, active: 0, done: 0, failed: 0 });
    expect((await queues.progress('other')).queued).toBe(0);
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

  it('debounces index.build per collection: one delayed job per window', async () => {
    const build: JobItem = { name: 'index.build', data: { collection: 'docs' } };
    const ids = [...(await queues.add([build])), ...(await queues.add([build])), ...(await queues.add([build]))];
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^docs~index\.build~build~\d+$/);
    expect(await queues.queue('index.build').getJobCountByTypes('delayed')).toBe(1);
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
