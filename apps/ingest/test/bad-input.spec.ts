import type { INestApplication } from '@nestjs/common';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { createIngestApp } from '../src/main';
import { createDatabase, REDIS_URL, uniquePrefix } from './helpers';

jest.setTimeout(60_000);

const LIMIT = 64 * 1024;

describe('ingest API: bad input gets a 4xx naming the field, never a 5xx or a job', () => {
  let db: { url: string; drop: () => Promise<void> };
  let app: INestApplication;
  let base: string;
  let queues: JobQueues;

  beforeAll(async () => {
    db = await createDatabase('ingest');
    const prefix = uniquePrefix('ingest');
    app = await createIngestApp({ databaseUrl: db.url, queue: { redisUrl: REDIS_URL, prefix }, maxUploadBytes: LIMIT, maxBodyBytes: 16 * 1024, auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] } });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    queues = new JobQueues(queueConfig({ redisUrl: REDIS_URL, prefix }));
    const r = await send('POST', '/v1/collections', { name: 'docs' });
    expect(r.status).toBe(201);
  });

  afterAll(async () => {
    await queues?.obliterate();
    await queues?.close();
    await app?.close();
    await db?.drop();
  });

  async function send(method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: { code?: string; message?: string } & Record<string, unknown> }> {
    const init: RequestInit = { method, headers: { 'content-type': type } };
    if (body !== undefined) init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    const r = await fetch(base + path, init);
    const text = await r.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text };
    }
    return { status: r.status, json: json as { code?: string; message?: string } & Record<string, unknown> };
  }

  function expectError(r: { status: number; json: { message?: string } }, status: number, field: RegExp): void {
    expect(r.status).toBe(status);
    expect(r.json.message).toMatch(field);
  }

  it('malformed JSON bodies and wrong content types', async () => {
    expectError(await send('POST', '/v1/collections', '{"name": "x",'), 400, /body: malformed JSON/);
    expectError(await send('POST', '/v1/collections/docs/sources', '{oops'), 400, /body: malformed JSON/);
    expectError(await send('POST', '/v1/collections', 'name=x', 'application/x-www-form-urlencoded'), 415, /body: expected content-type application\/json/);
    expectError(await send('POST', '/v1/collections', 'x'.repeat(20 * 1024)), 413, /body: larger than the limit/);
  });

  it('invalid collection bodies and names', async () => {
    expectError(await send('POST', '/v1/collections', {}), 400, /name:/);
    expectError(await send('POST', '/v1/collections', { name: 'Bad Name' }), 400, /name: collection names use/);
    expectError(await send('POST', '/v1/collections', { name: 'ok', crawl: { maxDepth: -1 } }), 400, /crawl\.maxDepth/);
    expectError(await send('GET', '/v1/collections/BAD!'), 400, /path parameter "collection"/);
  });

  it('collection defaults checked like query parameters: unknown key or bad value names the key', async () => {
    expectError(await send('POST', '/v1/collections', { name: 'tuned', defaults: { kk: '1' } }), 400, /^defaults\.kk: unknown parameter "kk"/);
    expectError(await send('POST', '/v1/collections', { name: 'tuned', defaults: { k: '-7' } }), 400, /^defaults\.k: .*within 1\.\.1000/);
    expectError(await send('POST', '/v1/collections', { name: 'tuned', defaults: { expand: 'maybe' } }), 400, /^defaults\.expand: .*true or false/);
    expectError(await send('POST', '/v1/collections', { name: 'tuned', defaults: { constructor: '1' } }), 400, /^defaults\.constructor: unknown parameter/);
    expectError(await send('POST', '/v1/collections', { name: 'tuned', defaults: { k: [5] } }), 400, /defaults\.k/);
    expect((await send('GET', '/v1/collections/tuned')).status).toBe(404);
    const ok = await send('POST', '/v1/collections', { name: 'tuned', defaults: { k: 7, expand: true, pmi: 'npmi' } });
    expect(ok.status).toBe(201);
    expect((ok.json.config as { defaults: unknown }).defaults).toEqual({ k: '7', expand: 'true', pmi: 'npmi' });
    // a replacement is checked too and leaves the stored defaults as they were when refused
    expectError(await send('POST', '/v1/collections', { name: 'tuned', defaults: { k: '0' } }), 400, /^defaults\.k:/);
    expect(((await send('GET', '/v1/collections/tuned')).json.config as { defaults: unknown }).defaults).toEqual({ k: '7', expand: 'true', pmi: 'npmi' });
  });

  it('unknown collections on every route', async () => {
    expectError(await send('GET', '/v1/collections/nope'), 404, /collection: unknown collection "nope"/);
    expectError(await send('GET', '/v1/collections/nope/progress'), 404, /unknown collection "nope"/);
    expectError(await send('POST', '/v1/collections/nope/sources', { seeds: ['http://example.test/'] }), 404, /unknown collection "nope"/);
    expectError(await send('POST', '/v1/collections/nope/documents', [{ id: 'a', title: 'A' }]), 404, /unknown collection "nope"/);
    expectError(await send('DELETE', '/v1/collections/nope/documents/a'), 404, /unknown collection "nope"/);
  });

  it('invalid sources: URLs, regexes, limits, schedules, unknown fields', async () => {
    expectError(await send('POST', '/v1/collections/docs/sources', {}), 400, /seeds:/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: [] }), 400, /seeds: at least one seed URL/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['not a url'] }), 400, /seeds\.0:/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['ftp://example.test/x'] }), 400, /seeds\.0: seeds must be http or https/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], exclude: ['ok', '(unclosed'] }), 400, /exclude\.1: not a valid regular expression/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], include: ['[z-a]'] }), 400, /include\.0: not a valid regular expression/);
    // RE2 runs user patterns in linear time; what needs backtracking is refused, naming the field
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], include: ['^http://example\\.test/(a+)\\1$'] }), 400, /include\.0: not a valid regular expression for RE2/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], exclude: ['x', '/(?!public)'] }), 400, /exclude\.1: not a valid regular expression for RE2/);
    expectError(await send('POST', '/v1/collections', { name: 'ok', crawl: { include: ['(?<=a)b'] } }), 400, /crawl\.include\.0: not a valid regular expression for RE2/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://127.0.0.1:9/'], allowPrivate: true }), 400, /allowPrivate: crawling private/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://127.0.0.1:9/'], allowHosts: ['127.0.0.1'] }), 400, /allowHosts: crawling private/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], allowHosts: ['10.0.0.0/8', '10.0.0.0/40'] }), 400, /allowHosts\.1: must be a host name, an IP address or a CIDR range/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], maxPages: 0 }), 400, /maxPages/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], schedule: { everyMs: 5 } }), 400, /schedule/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], schedule: { cron: 'often' } }), 400, /schedule/);
    expectError(await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/'], depth: 3 }), 400, /depth/);
  });

  it('invalid and oversized uploads', async () => {
    expectError(await send('POST', '/v1/collections/docs/documents', { id: 'a' }), 400, /body: expected a JSON array/);
    expectError(await send('POST', '/v1/collections/docs/documents', [{ id: 'a', title: 'A' }, { title: 'no id' }]), 400, /\[1\]: id: expected string, received undefined/);
    expectError(await send('POST', '/v1/collections/docs/documents', '{"id":"a","title":"A"}\n{"id":\n{"id":"c"}\n', 'application/x-ndjson'), 400, /line 2: malformed JSON.*line 3: title: a document needs a non-blank title or text/);
    expectError(await send('POST', '/v1/collections/docs/documents', '', 'application/x-ndjson'), 400, /body: no documents/);
    expectError(await send('POST', '/v1/collections/docs/documents', 'a,b\n', 'text/csv'), 415, /content-type: expected application\/json/);
    const big = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: `d${i}`, title: `Document ${i}`, text: 'lorem ipsum dolor sit amet '.repeat(4) })).join('\n');
    expect(big.length).toBeGreaterThan(LIMIT);
    expectError(await send('POST', '/v1/collections/docs/documents', big, 'application/x-ndjson'), 413, /body: larger than the limit of 65536 bytes/);
    // nothing of the rejected uploads was stored
    const view = await send('GET', '/v1/collections/docs');
    expect(view.json.documents).toBe(0);
  });

  it('uploads are checked against the entity schema: a wrong type or an unknown field is a 400 naming the line and the field', async () => {
    const lines = [
      '{"id":"a","title":"Alpha","text":"good"}',
      '{"id":"b","title":3}',
      '{"id":"c","title":"Charlie","category":"notarray"}',
      '',
      '{"id":"d","title":"Delta","links":[{"url":"/a","kind":"nav"}],"colour":"red"}',
      '{"id":"e","title":"Echo","meta":{"n":2},"acl":["team-a"]}',
    ].join('\n');
    const r = await send('POST', '/v1/collections/docs/documents', lines, 'application/x-ndjson');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ statusCode: 400, code: 'VALIDATION' });
    expect(r.json.message).toBe(
      'invalid documents: line 2: title: expected string, received number; line 3: category: expected array, received string; ' +
        'line 5: links.0.kind: Invalid option: expected one of "see-also"|"related"|"body"; line 5: colour: unknown field; line 6: meta.n: expected string, received number',
    );
    expect(r.json.details).toEqual({
      bad: 4,
      errors: [
        { line: 2, path: 'title', message: 'expected string, received number' },
        { line: 3, path: 'category', message: 'expected array, received string' },
        { line: 5, path: 'links.0.kind', message: 'Invalid option: expected one of "see-also"|"related"|"body"' },
        { line: 5, path: 'colour', message: 'unknown field' },
        { line: 6, path: 'meta.n', message: 'expected string, received number' },
      ],
    });
    // a JSON array names the index of the bad document
    expectError(await send('POST', '/v1/collections/docs/documents', [{ id: 'a', title: 'A' }, { id: 'b', title: 'B', tags: 'solo' }]), 400, /^invalid documents: \[1\]: tags: expected array, received string$/);
    // nothing of the rejected uploads was stored: the good first line neither
    expect((await send('GET', '/v1/collections/docs')).json.documents).toBe(0);
  });

  it('unknown jobs and documents', async () => {
    expectError(await send('GET', '/v1/jobs/docs~crawl.fetch~0000'), 404, /id: no job/);
    expectError(await send('GET', '/v1/jobs/whatever'), 404, /id: no job/);
    expectError(await send('DELETE', '/v1/collections/docs/documents/missing'), 404, /id: no document "missing"/);
    expectError(await send('GET', '/v1/nothing-here'), 404, /Cannot GET/);
  });

  it('left no job behind for any rejected request', async () => {
    // The queues of this test's own prefix: nothing in any state.
    const p = await queues.progress('docs');
    expect(p.run).toBeNull();
    for (const counts of Object.values(p.queues)) expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });

  it('accepts a good source and upload (202) and queues their jobs', async () => {
    const src = await send('POST', '/v1/collections/docs/sources', { seeds: ['http://example.test/a/../b#frag'], allowPrivate: false });
    expect(src.status).toBe(202);
    expect(src.json.jobs).toHaveLength(1);
    const job = await send('GET', `/v1/jobs/${encodeURIComponent((src.json.jobs as string[])[0]!)}`);
    expect(job.status).toBe(200);
    expect(job.json).toMatchObject({ name: 'crawl.fetch', state: 'waiting', data: { url: 'http://example.test/b', depth: 0 } });
    const up = await send('POST', '/v1/collections/docs/documents', '{"id":"a","title":"Alpha","text":"first"}\n{"id":"b","text":"second"}\n', 'application/x-ndjson');
    expect(up.status).toBe(202);
    expect(up.json).toMatchObject({ received: 2, inserted: 2 });
    const p = await queues.progress('docs');
    expect(p.run).toMatchObject({ id: src.json.runId, state: 'running', admitted: 1, pending: 1 });
    expect(p.queues['crawl.fetch'].waiting).toBe(1);
    expect(p.queues['index.build'].delayed).toBe(1);
    expect(p.build).toEqual({ pending: true });
  });
});
