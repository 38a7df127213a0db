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
