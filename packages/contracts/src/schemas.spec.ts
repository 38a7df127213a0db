import { AppError, CollectionConfig, QueryBody, parseJob, parseOrThrow, CrawlConfig, JOB_NAMES } from './index';

describe('collection config', () => {
  it('fills documented defaults', () => {
    const cfg = parseOrThrow(CollectionConfig, { name: 'pg15-docs' }, 'collection config');
    expect(cfg.crawl).toEqual({ seeds: [], include: [], exclude: [], maxDepth: 8, maxPages: 5000, allowPrivate: false, allowHosts: [] });
    expect(cfg.defaults).toEqual({});
  });

  it('rejects a regex that does not compile, naming the field', () => {
    let caught: unknown;
    try {
      parseOrThrow(CrawlConfig, { exclude: ['ok', '(unclosed'] }, 'crawl options');
    } catch (err) {
      caught = err;
    }
    expect(AppError.is(caught)).toBe(true);
    expect((caught as AppError).code).toBe('VALIDATION');
    expect((caught as AppError).message).toContain('exclude.1');
    expect((caught as AppError).message).toContain('regular expression');
  });

  it('rejects bad names and limits', () => {
    expect(() => parseOrThrow(CollectionConfig, { name: 'Bad Name' }, 'collection config')).toThrow(/name:/);
    expect(() => parseOrThrow(CrawlConfig, { maxDepth: -1 }, 'crawl options')).toThrow(/maxDepth/);
    expect(() => parseOrThrow(CrawlConfig, { format: 'pdf' }, 'crawl options')).toThrow(/format/);
  });
});

describe('jobs', () => {
  it('accepts each job shape', () => {
    expect(parseJob({ name: 'crawl.fetch', data: { collection: 'c', url: 'http://x.test/a', depth: 0, sourceId: 's' } }).name).toBe('crawl.fetch');
    expect(parseJob({ name: 'distill.entity', data: { collection: 'c', documentId: 'd1' } }).data).toEqual({ collection: 'c', documentId: 'd1' });
    expect(parseJob({ name: 'index.build', data: { collection: 'c' } }).name).toBe('index.build');
    expect(parseJob({ name: 'index.publish', data: { collection: 'c', versionId: 3 } }).name).toBe('index.publish');
    expect(JOB_NAMES).toHaveLength(4);
  });

  it('refuses unknown names and bad payloads with distinct codes', () => {
    expect(() => parseJob({ name: 'index.nuke', data: {} })).toThrow(expect.objectContaining({ code: 'UNKNOWN_JOB' }));
    expect(() => parseJob({ name: 'crawl.fetch', data: { collection: 'c', url: 'not a url', depth: 0, sourceId: 's' } })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('data.url') }),
    );
  });
});

describe('query body', () => {
  it('stringifies params and trims the prompt', () => {
    expect(QueryBody.parse({ prompt: '  vacuum ', params: { k: 5, expand: true } })).toEqual({ prompt: 'vacuum', params: { k: '5', expand: 'true' } });
  });
  it('rejects a blank prompt', () => {
    expect(() => parseOrThrow(QueryBody, { prompt: '   ' }, 'query')).toThrow(/prompt: prompt must not be empty/);
  });
});
