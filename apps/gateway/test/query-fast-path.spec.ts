// The short path of queries (src/query-fast-path.ts): a body answered before is answered again without the Nest route,
// with the same answer, the same guards and the same error bodies. Real PostgreSQL, Redis (no shared layer) and HTTP.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KeyAdmin, signTenantToken } from '@lexigraph/auth';
import { IndexRegistry } from '../src/index-registry';
import { startGateway } from '../src/main';
import type { GatewayConfig } from '../src/config';
import { DOCS, TENANT_DOCS, ZEPPELIN, counter, testDb, type TestDb } from './fixtures';

jest.setTimeout(120_000);

const MASTER = `master-${'f'.repeat(40)}`;
const KNOWN = 'lexigraph_gateway_query_known_bodies_total';
const LOCAL = { cacheSize: 100, answerCache: { localBytes: 8 << 20, shared: false, sharedTtlSeconds: 600, sharedMaxEntryBytes: 1 << 20, sharedPrefix: 'lexigraph:test:fast:', warmCount: 0 } };

interface Raw {
  status: number;
  text: string;
  headers: Headers;
}

/** POSTs `body` (a string: these bytes exactly) and keeps the response's text as sent. */
async function send(url: string, body: string, credential?: string, type = 'application/json'): Promise<Raw> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type, ...(credential ? { authorization: `Bearer ${credential}` } : {}) }, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The answer's bytes as text with its timings taken out (the only part that differs between two askings). */
const timeless = (text: string) => text.replace(/"timings":\{[^}]*\}/, '"timings":{}');

/** The short path's counter (the master key reads /metrics when authentication is on). */
const shortPathCount = (base: string) => counter(base, KNOWN, {}, { authorization: `Bearer ${MASTER}` });

describe('the short path of queries', () => {
  let db: TestDb;
  const apps: NestFastifyApplication[] = [];
  let open: string;
  let computed: string;
  let guarded: string;
  let queryKey = '';
  let otherKey = '';

  const start = async (overrides: Partial<GatewayConfig>) => {
    const started = await startGateway({ config: db.config(overrides), events: false, logger: 'error', defaultMetrics: false });
    apps.push(started.app);
    return started.url;
  };

  beforeAll(async () => {
    db = await testDb('fast');
    await db.publish('manual', DOCS);
    await db.publish('secret', [ZEPPELIN]);
    await db.publish('tenants', TENANT_DOCS);
    const admin = new KeyAdmin(db.store);
    queryKey = (await admin.create({ name: 'fast', scopes: ['query'], collections: ['manual', 'tenants'] }, 'master')).key;
    otherKey = (await admin.create({ name: 'other', scopes: ['query'], collections: ['secret'] }, 'master')).key;
    open = await start(LOCAL);
    computed = await start({ cacheSize: 0, answerCache: { ...LOCAL.answerCache, shared: false } });
    guarded = await start({ ...LOCAL, auth: { mode: 'on', masterKey: MASTER, cacheMs: 5000, corsOrigins: [] } });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it('answers a body asked before with the bytes of the computed answer, the prompt as asked', async () => {
    const bodies = ['{"prompt":"partial index predicate"}', '{"prompt": "  Predicate of the PARTIAL index? ", "params": {"k": 2}}', '{"prompt":"vacuum \\u00e9t\\u00e9 \\"freeze\\""}'];
    for (const body of bodies) {
      const reference = await send(`${computed}/v1/collections/manual/query`, body);
      expect(reference.status).toBe(200);
      const before = await shortPathCount(open);
      const first = await send(`${open}/v1/collections/manual/query`, body);
      const again = await send(`${open}/v1/collections/manual/query`, body);
      const third = await send(`${open}/v1/collections/manual/query`, body);
      // the first asking went through the route; the next two were answered on the short path
      expect(await shortPathCount(open)).toBe(before + 2);
      for (const res of [first, again, third]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(timeless(res.text)).toBe(timeless(reference.text));
      }
      expect(JSON.parse(again.text).prompt).toBe((JSON.parse(body) as { prompt: string }).prompt.trim());
    }
  });

  it('gives a bad body the same 400 error body every time', async () => {
    const bad = ['{"prompt":"   "}', '{"prompt":"vacuum","params":{"kk":"1"}}', '{"prompt":"vacuum","params":{"k":"-4"}}', '{"prompt":', '{"prompt":"vacuum","extra":{"a":1}', '[]'];
    for (const body of bad) {
      const replies = [await send(`${open}/v1/collections/manual/query`, body), await send(`${open}/v1/collections/manual/query`, body)];
      expect(replies[0]!.status).toBe(400);
      expect(replies[1]!.status).toBe(400);
      expect(replies[1]!.text).toBe(replies[0]!.text);
    }
    expect(JSON.parse((await send(`${open}/v1/collections/manual/query`, '{"prompt":"vacuum","params":{"kk":"1"}}')).text)).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/^params\.kk: unknown parameter "kk"/),
    });
    // the same bytes as another content type are not the JSON body answered before: text, which the contract refuses
    const good = '{"prompt":"vacuum"}';
    expect((await send(`${open}/v1/collections/manual/query`, good)).status).toBe(200);
    expect((await send(`${open}/v1/collections/manual/query`, good, undefined, 'text/plain')).status).toBe(400);
  });

  it('still asks for a key, the query scope and the collection on a body answered before', async () => {
    const body = '{"prompt":"write-ahead log checkpoints"}';
    const url = `${guarded}/v1/collections/manual/query`;
    const ok = await send(url, body, queryKey);
    expect(ok.status).toBe(200);
    const before = await shortPathCount(guarded);
    expect(timeless((await send(url, body, queryKey)).text)).toBe(timeless(ok.text));
    expect(await shortPathCount(guarded)).toBe(before + 1);
    // each refusal as the route gives it for a body it never saw
    const unseen = '{"prompt":"logical replication slot"}';
    for (const [credential, status] of [
      [undefined, 401],
      ['lxk_nosuchkey_0000000000000000000000000000', 401],
      ['garbage', 401],
      [otherKey, 403],
    ] as const) {
      const known = await send(url, body, credential);
      const viaRoute = await send(url, unseen, credential);
      expect(known.status).toBe(status);
      expect(known.text).toBe(viaRoute.text);
      expect(known.headers.get('www-authenticate')).toBe(viaRoute.headers.get('www-authenticate'));
    }
    expect(await shortPathCount(guarded)).toBe(before + 1);
  });

  it('keeps the answers of callers with different ACL groups apart', async () => {
    const body = '{"prompt":"vacuum tables job"}';
    const url = `${guarded}/v1/collections/tenants/query`;
    const teamA = await signTenantToken({ apiKey: queryKey, collections: ['tenants'], groups: ['team-a'] });
    const teamB = await signTenantToken({ apiKey: queryKey, collections: ['tenants'], groups: ['team-b'] });
    const ids = (text: string) => (JSON.parse(text) as { results: Array<{ id: string }> }).results.map((r) => r.id);
    const before = await shortPathCount(guarded);
    for (let round = 0; round < 3; round++) {
      const all = await send(url, body, queryKey);
      expect(ids(all.text)).toEqual(expect.arrayContaining(['a-notes', 'b-notes']));
      const a = await send(url, body, teamA);
      expect(ids(a.text)).toContain('a-notes');
      expect(a.text).not.toMatch(/b-notes|hobrinth/i);
      const b = await send(url, body, teamB);
      expect(ids(b.text)).toContain('b-notes');
      expect(b.text).not.toMatch(/a-notes|quellanor|orchard/i);
    }
    // the same bytes by three callers: all but the first asking on the short path
    expect(await shortPathCount(guarded)).toBe(before + 8);
  });

  it('never answers a body asked before from the version it was asked on once a new one is served', async () => {
    const body = '{"prompt":"zeppelin storage tiers vacuum"}';
    const url = `${open}/v1/collections/manual/query`;
    const old = await send(url, body);
    await send(url, body);
    expect(JSON.parse(old.text).indexVersion).toBe(1);
    expect(old.text).not.toMatch(/"id":"zeppelin"/);
    await db.publish('manual', [ZEPPELIN]);
    for (const app of apps) await app.get(IndexRegistry).refresh('manual');
    const reference = await send(`${computed}/v1/collections/manual/query`, body);
    expect(JSON.parse(reference.text).indexVersion).toBe(2);
    expect(reference.text).toMatch(/"id":"zeppelin"/);
    for (let i = 0; i < 2; i++) expect(timeless((await send(url, body)).text)).toBe(timeless(reference.text));
  });

  it('resolves a body naming a profile anew each time', async () => {
    const body = '{"prompt":"partial index","profile":"precise"}';
    const before = await shortPathCount(open);
    for (let i = 0; i < 3; i++) expect((await send(`${open}/v1/collections/manual/query`, body)).status).toBe(200);
    expect(await shortPathCount(open)).toBe(before);
  });
});
