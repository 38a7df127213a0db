import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startGateway } from '../src/main';
import { QueryService } from '../src/query.service';
import { TENANT_DOCS, post, testDb, type Json, type TestDb } from './fixtures';

describe('gateway answers only what the caller may see', () => {
  let db: TestDb;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    db = await testDb('acl');
    await db.publish('tenants', TENANT_DOCS);
    ({ app, url } = await startGateway({ config: db.config({ dataDir: db.dataDir, cacheSize: 100 }), logger: 'error', defaultMetrics: false, events: false }));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('keys the answer cache on the caller: a cached answer never reaches a caller who may see less', async () => {
    const queries = app.get(QueryService);
    const body = { prompt: 'vacuum tables job' };
    const ids = (s: { body: Buffer }) => (JSON.parse(s.body.toString()) as Json).results.map((r: { id: string }) => r.id).sort();
    // the unrestricted answer first, so it is the one in the cache
    const all = await queries.answer('tenants', body);
    expect(ids(all)).toEqual(expect.arrayContaining(['a-notes', 'b-notes', 'vacuum']));
    for (let round = 0; round < 2; round++) {
      const a = await queries.answer('tenants', body, { aclGroups: ['team-a'] });
      expect(ids(a)).toContain('a-notes');
      expect(a.body.toString()).not.toMatch(/b-notes|hobrinth/i);
      const b = await queries.answer('tenants', body, { aclGroups: ['team-b'] });
      expect(ids(b)).toContain('b-notes');
      expect(b.body.toString()).not.toMatch(/a-notes|quellanor|orchard/i);
      expect((await queries.answer('tenants', body, { aclGroups: [] })).body.toString()).not.toMatch(/a-notes|b-notes/);
    }
    // the HTTP route (no caller context yet) answers as the unrestricted caller
    const http = await post(`${url}/v1/collections/tenants/query`, body);
    expect(http.status).toBe(200);
    expect(http.body.results.map((r: { id: string }) => r.id).sort()).toEqual(ids(all));
  });
});
