import type { JobItem } from '@lexigraph/contracts';
import { InProcessRunner, type HandlerMap } from './runner';

function recordingHandlers(log: string[]): HandlerMap {
  return {
    'crawl.fetch': async (d) => {
      log.push(`crawl ${d.url} ${d.depth}`);
      return { result: 'crawled', next: [{ name: 'index.build', data: { collection: d.collection } }] };
    },
    'distill.entity': async (d) => {
      log.push(`distill ${d.documentId}`);
    },
    'index.build': async (d) => {
      log.push(`build ${d.collection}`);
      return { result: { version: 1 }, next: [{ name: 'index.publish', data: { collection: d.collection, versionId: 'v1' } }] };
    },
    'index.publish': async (d) => {
      log.push(`publish ${d.versionId}`);
    },
  };
}

describe('InProcessRunner', () => {
  it('refuses to start when a job name has no handler, naming it', () => {
    const { 'index.publish': _dropped, ...partial } = recordingHandlers([]);
    expect(() => new InProcessRunner(partial)).toThrow(expect.objectContaining({ code: 'UNKNOWN_JOB', message: expect.stringContaining('index.publish') }));
  });

  it('runs follow-up jobs depth-first in order and returns each result', async () => {
    const log: string[] = [];
    const runner = new InProcessRunner(recordingHandlers(log));
    const records = await runner.run({ name: 'crawl.fetch', data: { collection: 'c', url: 'http://site.test/', depth: 0, sourceId: 's1' } });
    expect(log).toEqual(['crawl http://site.test/ 0', 'build c', 'publish v1']);
    expect(records.map((r) => r.job.name)).toEqual(['crawl.fetch', 'index.build', 'index.publish']);
    expect(records[0]?.result).toBe('crawled');
    expect(records[1]?.result).toEqual({ version: 1 });
    expect(records.every((r) => r.ms >= 0)).toBe(true);
  });

  it('validates payloads again before a handler sees them', async () => {
    const log: string[] = [];
    const runner = new InProcessRunner(recordingHandlers(log));
    const bad = { name: 'distill.entity', data: { collection: 'c' } } as unknown as JobItem;
    await expect(runner.run(bad)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('documentId') });
    const unknown = { name: 'crawl.everything', data: {} } as unknown as JobItem;
    await expect(runner.run(unknown)).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });
    expect(log).toEqual([]);
  });

  it('propagates a handler failure and stops the chain', async () => {
    const log: string[] = [];
    const handlers = recordingHandlers(log);
    handlers['index.build'] = async () => {
      throw new Error('disk full');
    };
    const runner = new InProcessRunner(handlers);
    await expect(runner.run({ name: 'crawl.fetch', data: { collection: 'c', url: 'http://site.test/', depth: 0, sourceId: 's' } })).rejects.toThrow('disk full');
    expect(log).toEqual(['crawl http://site.test/ 0']);
  });
});

describe('InProcessRunner with queue semantics', () => {
  const scope = { origins: ['http://site.test'], include: [], exclude: [], maxDepth: 5, maxPages: 4, allowPrivate: false, allowHosts: [] };
  const fetch = (url: string, depth = 0): JobItem => ({ name: 'crawl.fetch', data: { collection: 'c', url, depth, sourceId: 's', scope } });

  function siteHandlers(log: string[], links: Record<string, string[]>, inFlight?: { now: number; max: number }): HandlerMap {
    return {
      'crawl.fetch': async (d) => {
        if (inFlight) {
          inFlight.now++;
          inFlight.max = Math.max(inFlight.max, inFlight.now);
          await new Promise((r) => setTimeout(r, 5));
          inFlight.now--;
        }
        log.push(`fetch ${d.url}`);
        return {
          next: [
            ...(links[d.url] ?? []).map((u): JobItem => ({ name: 'crawl.fetch', data: { ...d, url: u, depth: d.depth + 1 } })),
            { name: 'distill.entity', data: { collection: d.collection, documentId: d.url } },
            { name: 'index.build', data: { collection: d.collection } },
          ],
        };
      },
      'distill.entity': async (d) => {
        log.push(`distill ${d.documentId}`);
      },
      'index.build': async () => {
        log.push('build');
      },
      'index.publish': async () => undefined,
    };
  }

  it('runs each job id once, keeps to the page budget, and builds once after everything else', async () => {
    const u = (p: string) => `http://site.test/${p}`;
    const links = { [u('')]: [u('a'), u('b'), u('a')], [u('a')]: [u(''), u('b'), u('c')], [u('b')]: [u('c'), u('d'), u('e')] };
    const log: string[] = [];
    const refused: string[] = [];
    const runner = new InProcessRunner(siteHandlers(log, links), {
      onRefused: (job) => {
        if (job.name === 'crawl.fetch') refused.push(job.data.url);
      },
    });
    await runner.run(fetch(u('')));
    const fetched = log.filter((l) => l.startsWith('fetch'));
    expect(fetched).toEqual([u(''), u('a'), u('b'), u('c')].map((x) => `fetch ${x}`));
    expect(refused).toEqual([u('d'), u('e')]);
    expect(log.filter((l) => l === 'build')).toHaveLength(1);
    expect(log[log.length - 1]).toBe('build');
    expect(log.filter((l) => l.startsWith('distill'))).toHaveLength(4);
  });

  it('overlaps jobs up to its concurrency', async () => {
    const u = (i: number) => `http://site.test/p${i}`;
    const links = { [u(0)]: [1, 2, 3, 4, 5, 6].map(u) };
    const inFlight = { now: 0, max: 0 };
    const log: string[] = [];
    await new InProcessRunner(siteHandlers(log, links, inFlight), { concurrency: 3 }).run({
      name: 'crawl.fetch',
      data: { collection: 'c', url: u(0), depth: 0, sourceId: 's' },
    });
    expect(log.filter((l) => l.startsWith('fetch'))).toHaveLength(7);
    expect(inFlight.max).toBe(3);
  });
});
