import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { lastValueFrom } from 'rxjs';
import { EVENT_INDEX_PUBLISHED } from '@lexigraph/contracts';
import { dedupeEntities, LexIndex } from '@lexigraph/core';
import { buildIndex, documentHash } from '@lexigraph/pipeline';
import { redisOptions } from '../src/config';
import { IndexRegistry } from '../src/index-registry';
import { startGateway } from '../src/main';
import { DOCS, REDIS_URL, ZEPPELIN, getJson, post, testDb, until, type Json, type TestDb } from './fixtures';

describe('gateway on PostgreSQL and Redis', () => {
  let db: TestDb;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    db = await testDb('main');
    await db.publish('manual', DOCS);
    await db.store.collections.ensure('empty');
    await writeFile(
      path.join(db.dataDir, 'profiles.json'),
      JSON.stringify({ short: { k: 1 }, collections: { manual: { short: { k: 2, snippetsPerResult: 0 } } } }),
    );
    // With the data directory the indexer writes to: the index comes from its snapshot file, profiles from its profiles.json.
    ({ app, url } = await startGateway({ config: db.config({ dataDir: db.dataDir }), logger: 'error', defaultMetrics: false }));
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('loads the published index at start and answers with ranked, cited results', async () => {
    const { status, body } = await post(`${url}/v1/collections/manual/query`, { prompt: 'create a partial index', params: { k: 3 } });
    expect(status).toBe(200);
    expect(body.collection).toBe('manual');
    expect(body.indexVersion).toBe(1);
    expect(body.results[0]).toMatchObject({ id: 'indexes', title: 'Partial Indexes', url: 'https://docs.example.test/indexes.html' });
    expect(body.results.length).toBeLessThanOrEqual(3);
    expect(body.params.k).toBe(3);
    const ids = new Set(DOCS.map((d) => d.id));
    for (const s of body.summary) expect(ids.has(s.sourceId)).toBe(true);
    const listed = await getJson(`${url}/v1/collections`);
    expect(listed.collections).toEqual([expect.objectContaining({ collection: 'manual', version: 1, entities: DOCS.length })]);
  });

  it('layers a built-in or saved profile under the query params', async () => {
    const precise = await post(`${url}/v1/collections/manual/query`, { prompt: 'vacuum', profile: 'precise' });
    expect(precise.status).toBe(200);
    expect(precise.body.params).toMatchObject({ k: 20, expand: false });
    const own = await post(`${url}/v1/collections/manual/query`, { prompt: 'vacuum', profile: 'short', params: { snippetsPerResult: 1 } });
    expect(own.body.params).toMatchObject({ k: 2, snippetsPerResult: 1 }); // the collection's own "short", params win
    expect(own.body.results.length).toBeLessThanOrEqual(2);
  });

  it('says when nothing matches instead of inventing an answer', async () => {
    const { status, body } = await post(`${url}/v1/collections/manual/query`, { prompt: 'quaternion spectroscopy' });
    expect(status).toBe(200);
    expect(body.results).toEqual([]);
    expect(body.noAnswer.reason).toMatch(/none of the prompt's words/);
  });

  describe('bad input gets a 4xx naming the field, never a 5xx', () => {
    const cases: Array<[string, string, unknown, number, RegExp, Record<string, string>]> = [
      ['malformed JSON', 'manual', '{"prompt": "vacuum",', 400, /body/i, {}],
      ['a JSON array body', 'manual', '[1, 2]', 400, /query body: \(root\): .*expected object/, {}],
      ['a missing prompt', 'manual', { params: {} }, 400, /prompt/, {}],
      ['a blank prompt', 'manual', { prompt: '   ' }, 400, /prompt: prompt must not be empty/, {}],
      ['a prompt of 2001 characters', 'manual', { prompt: 'x'.repeat(2001) }, 400, /prompt/, {}],
      ['a prompt that is a number', 'manual', { prompt: 42 }, 400, /prompt/, {}],
      ['params that are a list', 'manual', { prompt: 'vacuum', params: ['k', 5] }, 400, /params/, {}],
      ['a param that is an object', 'manual', { prompt: 'vacuum', params: { k: { n: 5 } } }, 400, /params\.k/, {}],
      ['an unknown parameter', 'manual', { prompt: 'vacuum', params: { kk: 5 } }, 400, /params\.kk: unknown parameter "kk"/, {}],
      ['a parameter out of range', 'manual', { prompt: 'vacuum', params: { k: 0 } }, 400, /params\.k: .*within 1\.\.1000/, {}],
      ['a parameter of the wrong type', 'manual', { prompt: 'vacuum', params: { expand: 'maybe' } }, 400, /params\.expand/, {}],
      ['an unknown profile', 'manual', { prompt: 'vacuum', profile: 'nope' }, 400, /^profile: unknown profile "nope" for collection "manual" \(known: .*precise/, {}],
      ...['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map(
        (name): [string, string, unknown, number, RegExp, Record<string, string>] => [`the profile name "${name}" (an Object.prototype key)`, 'manual', { prompt: 'vacuum', profile: name }, 400, new RegExp(`^profile: unknown profile "${name}"`), {}],
      ),
      ...['constructor', 'toString', 'valueOf'].map(
        (key): [string, string, unknown, number, RegExp, Record<string, string>] => [`the parameter "${key}" (an Object.prototype key)`, 'manual', { prompt: 'vacuum', params: { [key]: '1' } }, 400, new RegExp(`params\\.${key}: unknown parameter "${key}"`), {}],
      ),
      ['an unknown collection', 'nowhere', { prompt: 'vacuum' }, 404, /^unknown collection "nowhere"$/, {}],
      ['an invalid collection name', 'Bad%20Name', { prompt: 'vacuum' }, 400, /collection name/, {}],
      ['a collection without a published index', 'empty', { prompt: 'vacuum' }, 409, /"empty" has no published index/, {}],
      ['a text body', 'manual', 'prompt=vacuum', 400, /query body: \(root\): .*expected object/, { 'content-type': 'text/plain' }],
      ['a body of an unsupported type', 'manual', '<prompt/>', 415, /content-type|media type/i, { 'content-type': 'application/xml' }],
      ['a body over the size limit', 'manual', { prompt: 'vacuum', params: { ignore: 'x'.repeat(70_000) } }, 413, /large|limit/i, {}],
    ];
    it.each(cases)('%s', async (_what, collection, body, status, message, headers) => {
      const res = await post(`${url}/v1/collections/${collection}/query`, body, headers);
      expect({ status: res.status, message: res.body.message }).toEqual({ status, message: expect.stringMatching(message) });
      expect(typeof res.body.code).toBe('string');
    });
  });

  it('reports database, Redis and the first load of the indexes on /health, in a small fixed body', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'ok', service: 'gateway', checks: { database: 'up', redis: 'up', indexes: 'up' } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    const list = await getJson(`${url}/v1/collections`);
    expect(list.collections).toEqual([expect.objectContaining({ collection: 'manual', version: 1 })]);
  });

  it('exports latency, answers, no-answers and index gauges on /metrics', async () => {
    const first = await post(`${url}/v1/collections/manual/query`, { prompt: 'vacuum freeze' });
    const again = await post(`${url}/v1/collections/manual/query`, { prompt: 'vacuum freeze' });
    expect(again.body).toEqual(first.body); // the second one comes from the answer cache
    await post(`${url}/v1/collections/manual/query`, { prompt: 'quaternion spectroscopy' });
    const text = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(text).toMatch(/lexigraph_gateway_request_duration_seconds_count\{route="\/v1\/collections\/:collection\/query",method="POST",status="200"\} [1-9]/);
    expect(text).toMatch(/lexigraph_gateway_answers_total\{collection="manual"\} [1-9]/);
    expect(text).toMatch(/lexigraph_gateway_no_answers_total\{collection="manual"\} [1-9]/);
    expect(text).toMatch(/lexigraph_gateway_answer_cache_hits_total\{collection="manual"\} [1-9]/);
    expect(text).toContain('lexigraph_gateway_index_version{collection="manual"} 1');
    expect(text).toContain(`lexigraph_gateway_index_entities{collection="manual"} ${DOCS.length}`);
    expect(text).toMatch(/lexigraph_gateway_index_bytes\{collection="manual"\} [1-9]\d+/);
  });

  it('serves the OpenAPI document at /docs', async () => {
    const html = await fetch(`${url}/docs`);
    expect(html.status).toBe(200);
    expect(await html.text()).toMatch(/swagger/i);
    const spec = await getJson(`${url}/docs-json`);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/collections/{collection}/query', '/health', '/metrics']));
    expect(spec.paths['/v1/collections/{collection}/query'].post.requestBody.content['application/json'].schema.required).toContain('prompt');
  });

  it('swaps to a version announced by index.published while queries keep getting complete answers', async () => {
    const client: ClientProxy = ClientProxyFactory.create({ transport: Transport.REDIS, options: redisOptions(REDIS_URL) });
    await client.connect();
    const seen: Array<{ version: number; ids: string[] }> = [];
    const failures: unknown[] = [];
    let stop = false;
    const firing = (async () => {
      while (!stop) {
        const res = await post(`${url}/v1/collections/manual/query`, { prompt: 'zeppelin vacuum storage', params: { k: 10 } });
        if (res.status !== 200) failures.push(res);
        else seen.push({ version: res.body.indexVersion, ids: res.body.results.map((r: { id: string }) => r.id) });
      }
    })();
    try {
      while (seen.length < 20) await new Promise((r) => setTimeout(r, 5));
      const version = await db.publish('manual', [...DOCS, ZEPPELIN]);
      expect(version).toBe(2);
      await lastValueFrom(client.emit(EVENT_INDEX_PUBLISHED, { collection: 'manual', version, publishedAt: new Date().toISOString() }), {
        defaultValue: undefined,
      });
      const deadline = Date.now() + 15_000;
      while (!seen.some((s) => s.version === 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const after = seen.length;
      while (seen.length < after + 20) await new Promise((r) => setTimeout(r, 5));
    } finally {
      stop = true;
      await firing;
      await client.close();
    }
    expect(failures).toEqual([]);
    const versions = seen.map((s) => s.version);
    expect(versions[0]).toBe(1);
    expect(versions[versions.length - 1]).toBe(2);
    // Versions never go back, and each answer is wholly from one version: v1 never knows the new page, v2 ranks it.
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    for (const s of seen) {
      if (s.version === 1) expect(s.ids).not.toContain('zeppelin');
      else expect(s.ids[0]).toBe('zeppelin');
    }
  });
});

describe('gateway without events', () => {
  it('picks up a new version by polling the store', async () => {
    const db = await testDb('poll');
    try {
      await db.publish('kb', DOCS);
      const { app, url } = await startGateway({ config: db.config({ pollMs: 100 }), events: false, logger: 'error', defaultMetrics: false });
      try {
        expect((await post(`${url}/v1/collections/kb/query`, { prompt: 'zeppelin' })).body.indexVersion).toBe(1);
        await db.publish('kb', [...DOCS, ZEPPELIN]);
        let body: Json;
        const deadline = Date.now() + 10_000;
        do {
          await new Promise((r) => setTimeout(r, 50));
          body = (await post(`${url}/v1/collections/kb/query`, { prompt: 'zeppelin' })).body;
        } while (body.indexVersion !== 2 && Date.now() < deadline);
        expect(body.indexVersion).toBe(2);
        expect(body.results[0].id).toBe('zeppelin');
      } finally {
        await app.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('applies a delta to the index it serves, without loading the version again, and answers as a full build', async () => {
    const db = await testDb('delta');
    try {
      await db.publish('kb', DOCS);
      const { app, url } = await startGateway({ config: db.config({ pollMs: 100 }), events: false, logger: 'error', defaultMetrics: false });
      try {
        const registry = app.get(IndexRegistry);
        const before = registry.get('kb');
        expect(before?.version).toBe(1);
        await db.publish('kb', [ZEPPELIN]);
        const body = await until('version 2', async () => {
          const b = (await post(`${url}/v1/collections/kb/query`, { prompt: 'zeppelin' })).body;
          return b.indexVersion === 2 ? b : undefined;
        }, 10_000);
        expect(body.results[0].id).toBe('zeppelin');
        const after = registry.get('kb');
        expect(after?.version).toBe(2);
        expect(after?.index).toBe(before?.index);
        const fresh = LexIndex.build(dedupeEntities([...DOCS, ZEPPELIN]).kept);
        for (const q of ['zeppelin airship', 'vacuum storage', 'write ahead log']) {
          expect(after?.index.search(q, { k: 10 })).toEqual(fresh.search(q, { k: 10 }));
        }
        // a full build that merges the chain carries a bridge from version 2: taken in place too
        const AIRSHIP = { ...ZEPPELIN, id: 'airship', title: 'Airship hangars', text: 'Hangars shelter an airship between flights.' };
        await db.pipeline.upsertDocuments('kb', [{ entity: AIRSHIP, hash: documentHash(AIRSHIP) }]);
        expect((await buildIndex(db.pipeline, db.dataDir, 'kb', { full: true })).kind).toBe('full');
        await until('version 3', async () => ((await post(`${url}/v1/collections/kb/query`, { prompt: 'hangars' })).body.indexVersion === 3 ? true : undefined), 10_000);
        const merged = registry.get('kb');
        expect(merged?.index).toBe(before?.index);
        const all = LexIndex.build(dedupeEntities([...DOCS, ZEPPELIN, AIRSHIP]).kept);
        for (const q of ['airship hangars', 'zeppelin', 'vacuum storage']) {
          expect(merged?.index.search(q, { k: 10 })).toEqual(all.search(q, { k: 10 }));
        }
      } finally {
        await app.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('keeps answering while Redis is unreachable, and says so on /health with a 503', async () => {
    const db = await testDb('health');
    try {
      await db.publish('kb', DOCS);
      // Events on: the listener waits for Redis in the background instead of holding up the start.
      const { app, url } = await startGateway({ config: db.config({ redisUrl: 'redis://127.0.0.1:1' }), logger: false, defaultMetrics: false });
      try {
        const res = await fetch(`${url}/health`);
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({ status: 'error', service: 'gateway', checks: { database: 'up', redis: 'down', indexes: 'up' } });
        const answer = await post(`${url}/v1/collections/kb/query`, { prompt: 'replication slot' });
        expect(answer.status).toBe(200);
        expect(answer.body.results[0].id).toBe('replication');
      } finally {
        await app.close();
      }
    } finally {
      await db.drop();
    }
  });
});
