import { AppError, type JobItem } from '@lexigraph/contracts';
import type { HandlerMap } from '@lexigraph/pipeline';
import { queueConfig } from './config';
import { JobQueues } from './queues';
import { startWorkers } from './worker';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let last: unknown;
async function until<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('startWorkers', () => {
  it('runs handlers, enqueues their follow-ups, retries transient errors and fails permanent ones at once', async () => {
    const queues = new JobQueues(queueConfig({ redisUrl: REDIS_URL, prefix: `lxtest-worker-${process.pid}-${Date.now().toString(36)}`, backoffMs: 50, buildDebounceMs: 1000 }));
    const seen: string[] = [];
    let flaky = 0;
    const handlers: HandlerMap = {
      'crawl.fetch': async (d) => {
        seen.push(`fetch ${d.url}`);
        return { result: { ok: true }, next: [{ name: 'distill.entity', data: { collection: d.collection, documentId: d.url } }, { name: 'index.build', data: { collection: d.collection } }] };
      },
      'distill.entity': async (d) => {
        seen.push(`distill ${d.documentId}`);
        if (d.documentId.endsWith('/missing')) throw new AppError('NOT_FOUND', `document "${d.documentId}" not found`);
      },
      'index.build': async (d) => {
        if (flaky++ < 2) throw new Error('database restarting');
        seen.push(`build ${d.collection}`);
        return { result: { version: 1 } };
      },
      'index.publish': async () => undefined,
    };
    const completedBuilds = async () =>
      (await queues.queue('index.build').getCompleted()).filter((j) => !(j.returnvalue as { deferred?: boolean } | null)?.deferred);
    const workers = await startWorkers(handlers, queues, { concurrency: 2 });
    try {
      const job = (url: string): JobItem => ({ name: 'crawl.fetch', data: { collection: 'c', url, depth: 0, sourceId: 's' } });
      await queues.add([job('http://site.test/a'), job('http://site.test/missing')]);
      const p = await until(async () => {
        const p = await queues.progress('c');
        last = p;
        if (p.queues['distill.entity'].completed + p.queues['distill.entity'].failed !== 2) return undefined;
        return p.idle && (await completedBuilds()).length >= 1 ? p : undefined;
      });
      // The crawl run's URLs are counted once each; the queues' depth comes from getJobCounts.
      expect(p.run).toMatchObject({ id: 's', state: 'done', done: 2 });
      expect(p.queues['crawl.fetch']).toMatchObject({ completed: 2, failed: 0 });
      expect(p.queues['distill.entity']).toMatchObject({ completed: 1, failed: 1 });
      // BullMQ deduplication: the build asked for by both fetches while one waited ran once (twice when the second
      // request came while the first build was running: it is kept and runs after it); never in parallel
      const builds = await completedBuilds();
      expect(builds.length).toBeLessThanOrEqual(2);
      expect(seen.filter((s) => s === 'build c').length).toBe(builds.length);
      const failedId = (await queues.queue('distill.entity').getFailed())[0]?.id as string;
      const failed = await queues.getJob(failedId);
      expect(failed).toMatchObject({ state: 'failed', attemptsMade: 1, failedReason: 'NOT_FOUND: document "http://site.test/missing" not found' });
      // two transient failures, then success on the third attempt
      expect(builds.map((j) => j.attemptsMade)).toContain(3);
    } finally {
      await workers.close();
      await queues.obliterate();
      await queues.close();
    }
  });
});
