// Acceptance of keys and tenant tokens on both HTTP services: every route with no key, a revoked key, an expired key,
// the wrong scope and the wrong collection (401 / 403), and 2xx with the right key; tenant tokens; the 404 that
// names no other collection. Real PostgreSQL, Redis and HTTP.
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KeyAdmin, signTenantToken } from '@lexigraph/auth';
import type { KeyScope } from '@lexigraph/contracts';
import { createIngestApp } from '@lexigraph/ingest';
import { JobQueues, queueConfig } from '@lexigraph/queue';
import { startGateway } from '../src/main';
import { DOCS, REDIS_URL, ZEPPELIN, testDb, type Json, type TestDb } from './fixtures';

jest.setTimeout(120_000);

const MASTER = `master-${'x'.repeat(40)}`;
const AUTH_ON = { mode: 'on' as const, masterKey: MASTER, cacheMs: 5000, corsOrigins: [] };
const QUEUE = { redisUrl: REDIS_URL, prefix: `lxtest-access-${process.pid}-${Date.now().toString(36)}` };
const ALL_SCOPES: KeyScope[] = ['query', 'ingest', 'admin'];

interface Reply {
  status: number;
  body: Json;
  headers: Headers;
}

async function call(base: string, method: string, path: string, credential?: string, body?: unknown, type = 'application/json'): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (the OpenAPI page, the metrics text)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * One route: who may call it. `scope` is the scope it needs (`master` for master-only routes, null for any valid
 * key); `collectionBound` routes refuse a key of another collection with 403, except jobs, which answer 404 as if
 * the job did not exist.
 */
interface Route {
  service: 'ingest' | 'gateway';
  method: string;
  path: string;
  body?: () => unknown;
  type?: string;
  scope: KeyScope | 'master' | null;
  collectionBound: boolean;
  ok: number;
  wrongCollection?: number;
}

describe('keys and tenant tokens on the ingest API and the gateway', () => {
  let db: TestDb;
  let ingest: INestApplication;
  let gateway: NestFastifyApplication;
  let bases: Record<Route['service'], string>;
  const keys: Record<string, string> = {};
  let jobId = '';
  let spareKeyId = '';
  const key = (name: string): string => {
    const value = keys[name];
    if (value === undefined) throw new Error(`no key "${name}" in the test`);
    return value;
  };

  beforeAll(async () => {
    db = await testDb('access');
    await db.publish('manual', DOCS);
    await db.publish('secret', [ZEPPELIN]);
    const doc = (id: string, text: string, acl?: string[]) => ({ id, title: `Page ${id}`, text, category: ['Ops'], tags: [], links: [], ...(acl ? { acl } : {}) });
    await db.publish('acl', [
      doc('open', 'Vacuum basics for every reader: vacuum reclaims storage.'),
      doc('alpha', 'Vacuum tuning for the alpha team: vacuum cost limits.', ['alpha']),
      doc('beta', 'Vacuum quuxfoo procedure of the beta team: vacuum quuxfoo twice.', ['beta']),
    ]);
    const admin = new KeyAdmin(db.store);
    const make = async (name: string, scopes: KeyScope[], collections: string[], expiresAt?: string) =>
      (await admin.create({ name, scopes, collections, ...(expiresAt ? { expiresAt } : {}) }, 'master')).key;
    for (const scope of ALL_SCOPES) {
      keys[scope] = await make(`${scope} on manual`, [scope], ['manual', 'doomed']);
      keys[`not-${scope}`] = await make(`all but ${scope}`, ALL_SCOPES.filter((s) => s !== scope), ['*']);
    }
    keys.everything = await make('every scope on manual', ALL_SCOPES, ['manual']);
    keys.elsewhere = await make('every scope on other collections', ALL_SCOPES, ['other-*', 'secret']);
    keys.revoked = await make('revoked', ALL_SCOPES, ['*']);
    keys.expired = await make('expired', ALL_SCOPES, ['*'], new Date(Date.now() - 1000).toISOString());
    keys.star = await make('every scope everywhere', ALL_SCOPES, ['*']);
    const revokedId = key('revoked').slice(4, 20);
    await admin.revoke(revokedId, 'master');
    spareKeyId = (await admin.create({ name: 'to revoke', scopes: ['query'], collections: ['manual'] }, 'master')).id;

    ingest = await createIngestApp({ databaseUrl: db.url, queue: QUEUE, auth: AUTH_ON });
    await ingest.listen(0, '127.0.0.1');
    ({ app: gateway } = await startGateway({ config: db.config({ auth: AUTH_ON, dataDir: db.dataDir }), events: false, logger: 'error', defaultMetrics: false }));
    bases = {
      ingest: (await ingest.getUrl()).replace('[::1]', '127.0.0.1'),
      gateway: (await gateway.getUrl()).replace('[::1]', '127.0.0.1'),
    };
    expect((await call(bases.ingest, 'POST', '/v1/collections', MASTER, { name: 'doomed' })).status).toBe(201);
    const source = await call(bases.ingest, 'POST', '/v1/collections/manual/sources', MASTER, { seeds: ['http://127.0.0.1:9/'] });
    expect(source.status).toBe(202);
    jobId = source.body.jobs[0];
  });

  afterAll(async () => {
    const queues = new JobQueues(queueConfig(QUEUE));
    await queues.obliterate();
    await queues.close();
    await gateway?.close();
    await ingest?.close();
    await db?.drop();
  });

  const routes: Route[] = [
    { service: 'ingest', method: 'POST', path: '/v1/collections', body: () => ({ name: 'manual' }), scope: 'ingest', collectionBound: true, ok: 200 },
    { service: 'ingest', method: 'GET', path: '/v1/collections/manual', scope: 'ingest', collectionBound: true, ok: 200 },
    { service: 'ingest', method: 'POST', path: '/v1/collections/manual/sources', body: () => ({ seeds: ['http://127.0.0.1:9/a'] }), scope: 'ingest', collectionBound: true, ok: 202 },
    {
      service: 'ingest',
      method: 'POST',
      path: '/v1/collections/manual/documents',
      body: () => JSON.stringify({ id: 'extra', title: 'Extra page', text: 'An extra page about vacuum.' }),
      type: 'application/x-ndjson',
      scope: 'ingest',
      collectionBound: true,
      ok: 202,
    },
    { service: 'ingest', method: 'DELETE', path: '/v1/collections/doomed', scope: 'ingest', collectionBound: true, ok: 200 },
    { service: 'ingest', method: 'DELETE', path: '/v1/collections/manual/documents/locks', scope: 'ingest', collectionBound: true, ok: 202 },
    { service: 'ingest', method: 'GET', path: '/v1/collections/manual/progress', scope: 'ingest', collectionBound: true, ok: 200 },
    { service: 'ingest', method: 'GET', path: '/v1/jobs/:job', scope: 'ingest', collectionBound: true, ok: 200, wrongCollection: 404 },
    { service: 'ingest', method: 'POST', path: '/v1/keys', body: () => ({ name: 'made by the test', scopes: ['query'], collections: ['manual'] }), scope: 'master', collectionBound: false, ok: 201 },
    { service: 'ingest', method: 'GET', path: '/v1/keys', scope: 'admin', collectionBound: false, ok: 200 },
    { service: 'ingest', method: 'DELETE', path: '/v1/keys/:spare', scope: 'master', collectionBound: false, ok: 200 },
    { service: 'ingest', method: 'GET', path: '/v1/audit', scope: 'admin', collectionBound: false, ok: 200 },
    { service: 'ingest', method: 'GET', path: '/metrics', scope: 'admin', collectionBound: false, ok: 200 },
    { service: 'ingest', method: 'GET', path: '/docs', scope: null, collectionBound: false, ok: 200 },
    { service: 'ingest', method: 'GET', path: '/docs-json', scope: null, collectionBound: false, ok: 200 },
    { service: 'gateway', method: 'POST', path: '/v1/collections/manual/query', body: () => ({ prompt: 'partial index' }), scope: 'query', collectionBound: true, ok: 200 },
    { service: 'gateway', method: 'GET', path: '/v1/collections', scope: 'query', collectionBound: false, ok: 200 },
    { service: 'gateway', method: 'GET', path: '/v1/collections/manual/params', scope: 'query', collectionBound: true, ok: 200 },
    { service: 'gateway', method: 'GET', path: '/v1/collections/manual/profiles', scope: 'query', collectionBound: true, ok: 200 },
    { service: 'gateway', method: 'PUT', path: '/v1/collections/manual/profiles/short', body: () => ({ params: { k: '2' } }), scope: 'ingest', collectionBound: true, ok: 200 },
    { service: 'gateway', method: 'GET', path: '/metrics', scope: 'admin', collectionBound: false, ok: 200 },
    { service: 'gateway', method: 'GET', path: '/docs', scope: null, collectionBound: false, ok: 200 },
    { service: 'gateway', method: 'GET', path: '/docs-json', scope: null, collectionBound: false, ok: 200 },
  ];

  const send = (r: Route, credential?: string) =>
    call(bases[r.service], r.method, r.path.replace(':job', jobId).replace(':spare', spareKeyId), credential, r.body?.(), r.type);
  const label = (r: Route) => `${r.service} ${r.method} ${r.path}`;

  it.each(routes.map((r) => [label(r), r] as const))('%s: 401 without a key, with a revoked or an expired key, with garbage', async (_name, r) => {
    for (const credential of [undefined, key('revoked'), key('expired'), 'lxk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `${MASTER}x`]) {
      const reply = await send(r, credential);
      expect({ credential: credential?.slice(0, 24), status: reply.status }).toEqual({ credential: credential?.slice(0, 24), status: 401 });
      expect(reply.body.code ?? reply.body.error?.code).toBe('UNAUTHORIZED');
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it.each(routes.map((r) => [label(r), r] as const))('%s: 403 for the wrong scope or collection, 2xx with the right key', async (_name, r) => {
    if (r.scope === 'master') {
      for (const k of [key('star'), key('admin'), key('everything')]) expect((await send(r, k)).status).toBe(403);
    } else if (r.scope) {
      expect((await send(r, key(`not-${r.scope}`))).status).toBe(403);
    }
    if (r.collectionBound) {
      const reply = await send(r, key('elsewhere'));
      expect(reply.status).toBe(r.wrongCollection ?? 403);
      expect(JSON.stringify(reply.body)).not.toMatch(/vacuum|Partial|zeppelin|"secret"/i); // nothing of the collection or of others
    }
    const right = r.scope === 'master' ? MASTER : r.scope ? key(r.scope) : key('query');
    const reply = await send(r, right);
    expect({ route: label(r), status: reply.status }).toEqual({ route: label(r), status: r.ok });
  });

  it('covers every route the two services serve: any route left out of the table still needs a key', async () => {
    const served = [
      ...(ingest.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods?: Record<string, boolean> } }> } }).router.stack
        .filter((l) => l.route)
        .map((l) => ({ service: 'ingest' as const, path: l.route!.path, method: Object.keys(l.route!.methods ?? {})[0]!.toUpperCase() })),
    ];
    expect(served.length).toBeGreaterThan(5);
    const listed = new Set(routes.filter((r) => r.service === 'ingest').map((r) => `${r.method} ${r.path.replace(/\/(manual|doomed)/, '/:c').replace(':job', ':id').replace(':spare', ':id').replace('/locks', '/:id')}`));
    for (const route of served) {
      if (listed.has(`${route.method} ${route.path}`)) continue;
      const path = route.path.replace(/:[a-z]+/gi, 'manual');
      const reply = await call(bases.ingest, route.method, path);
      if (path === '/health') expect(reply.status).not.toBe(401);
      else expect({ route: `${route.method} ${route.path}`, status: reply.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
    }
  });

  it('serves /health and the web page without a key', async () => {
    for (const path of ['/', '/index.html', '/web/app.js', '/web/style.css']) {
      const reply = await call(bases.gateway, 'GET', path);
      expect({ path, status: reply.status }).toEqual({ path, status: 200 });
      expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
    expect((await call(bases.gateway, 'GET', '/web/missing.js')).status).toBe(404);
    expect((await call(bases.gateway, 'GET', '/health')).status).toBe(200);
    expect((await call(bases.ingest, 'GET', '/health')).status).toBe(200);
  });

  it('never names other collections: a 404 names only the one asked for, and the list shows only the key\'s', async () => {
    const missing = await call(bases.gateway, 'POST', '/v1/collections/nowhere/query', key('star'), { prompt: 'vacuum' });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).not.toMatch(/manual|secret/);
    const outside = await call(bases.gateway, 'POST', '/v1/collections/secret/query', key('query'), { prompt: 'zeppelin' });
    expect(outside.status).toBe(403);
    expect(JSON.stringify(outside.body)).not.toMatch(/zeppelin|Zeppelin/);
    const unknownOutside = await call(bases.gateway, 'POST', '/v1/collections/nowhere/query', key('query'), { prompt: 'vacuum' });
    expect(unknownOutside.status).toBe(403); // the same answer whether or not it exists
    const listed = await call(bases.gateway, 'GET', '/v1/collections', key('query'));
    expect(listed.body.collections.map((c: Json) => c.collection)).toEqual(['manual']);
    const all = await call(bases.gateway, 'GET', '/v1/collections', key('star'));
    expect(all.body.collections.map((c: Json) => c.collection)).toEqual(['acl', 'manual', 'secret']);
  });

  describe('tenant tokens', () => {
    const ask = (token: string, collection = 'manual') => call(bases.gateway, 'POST', `/v1/collections/${collection}/query`, token, { prompt: 'partial index' });

    it('answer within the token\'s collections, and nowhere else', async () => {
      const token = await signTenantToken({ apiKey: key('query'), collections: ['manual'], groups: ['staff'] });
      const ok = await ask(token);
      expect(ok.status).toBe(200);
      expect(ok.body.results[0].id).toBe('indexes');
      expect((await ask(token, 'secret')).status).toBe(403);
      const wide = await signTenantToken({ apiKey: key('star'), collections: ['manual'] });
      expect((await ask(wide, 'secret')).status).toBe(403); // the key could, the token does not
      // A tenant token is for queries: the ingest API refuses it.
      expect((await call(bases.ingest, 'GET', '/v1/collections/manual', await signTenantToken({ apiKey: key('everything'), collections: ['manual'] }))).status).toBe(403);
    });

    it('carry ACL groups down to the engine: a tenant sees only what its groups may, even after a cached answer for a plain key', async () => {
      // "procedure" occurs only in beta's document, so for alpha half the prompt is found nowhere: the coverage and
      // held thresholds are off here (for both callers, so they share one cache key but for the caller), to see the results
      const body = { prompt: 'vacuum procedure', params: { minCoverage: 0, minHeld: 0 } };
      const plain = await call(bases.gateway, 'POST', '/v1/collections/acl/query', key('star'), body);
      expect(plain.status).toBe(200);
      expect(plain.body.results.map((r: Json) => r.id)).toContain('beta');
      const alpha = await signTenantToken({ apiKey: key('star'), collections: ['acl'], groups: ['alpha'] });
      const seen = await call(bases.gateway, 'POST', '/v1/collections/acl/query', alpha, body);
      expect(seen.status).toBe(200);
      const ids = seen.body.results.map((r: Json) => r.id);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(['open', 'alpha']).toContain(id);
      expect(JSON.stringify({ ...seen.body, prompt: '', params: {} })).not.toMatch(/quuxfoo|beta/i);
      const secretWord = await call(bases.gateway, 'POST', '/v1/collections/acl/query', alpha, { prompt: 'quuxfoo' });
      expect(secretWord.body.results).toEqual([]);
    });

    it('are refused when expired, signed with the wrong key, or naming a collection outside their key', async () => {
      const expired = await signTenantToken({ apiKey: key('query'), collections: ['manual'], expiresInSeconds: 60, now: Date.now() - 120_000 });
      expect((await ask(expired)).status).toBe(401);
      const good = await signTenantToken({ apiKey: key('query'), collections: ['manual'] });
      const other = await signTenantToken({ apiKey: key('star'), collections: ['manual'] });
      const [head, payload] = good.split('.') as [string, string];
      const wrongKey = `${head}.${payload}.${other.split('.')[2]}`; // keyId of the query key, signature of another
      const refused = await ask(wrongKey);
      expect(refused.status).toBe(401);
      expect(refused.body.message).toMatch(/signature/);
      const outside = await signTenantToken({ apiKey: key('query'), collections: ['manual', 'secret'] });
      const reply = await ask(outside);
      expect(reply.status).toBe(401);
      expect(reply.body.message).toMatch(/"secret" is outside/);
      expect((await ask(await signTenantToken({ apiKey: key('ingest'), collections: ['manual'] }))).status).toBe(401);
      expect((await ask(await signTenantToken({ apiKey: key('revoked'), collections: ['manual'] }))).status).toBe(401);
    });
  });

  it('records who changed what in the audit trail, readable in pages by an admin key', async () => {
    const page1 = await call(bases.ingest, 'GET', '/v1/audit?limit=2', key('star'));
    expect(page1.status).toBe(200);
    expect(page1.body.events).toHaveLength(2);
    expect(page1.body.next).toEqual(expect.any(Number));
    const page2 = await call(bases.ingest, 'GET', `/v1/audit?limit=1000&before=${page1.body.next}`, key('star'));
    const events = [...page1.body.events, ...page2.body.events];
    const ids = events.map((e: Json) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const starId = key('star').slice(4, 20);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'master', action: 'source.create', collection: 'manual' }),
        expect.objectContaining({ actor: 'master', action: 'key.revoke', target: key('revoked').slice(4, 20) }),
      ]),
    );
    // A change made now is the newest entry, with the key that made it.
    expect((await call(bases.ingest, 'DELETE', '/v1/collections/manual/documents/json', key('star'))).status).toBe(202);
    const newest = (await call(bases.ingest, 'GET', '/v1/audit?limit=1', key('star'))).body.events[0];
    expect(newest).toMatchObject({ actor: starId, action: 'document.delete', collection: 'manual', target: 'json' });
    // An admin key of some collections reads only their entries.
    const limited = await call(bases.ingest, 'GET', '/v1/audit?limit=1000', key('admin'));
    expect(limited.body.events.length).toBeGreaterThan(0);
    for (const e of limited.body.events) expect(['manual', 'doomed']).toContain(e.collection);
    const bad = await call(bases.ingest, 'GET', '/v1/audit?limit=0', key('star'));
    expect(bad.status).toBe(400);
  });
});
