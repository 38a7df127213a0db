// Per-key rate limits counted in Redis and shared by every gateway replica; CORS origins from the configuration.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KeyAdmin } from '@lexigraph/auth';
import { startGateway } from '../src/main';
import { DOCS, testDb, type TestDb } from './fixtures';

jest.setTimeout(60_000);

const MASTER = `master-${'r'.repeat(40)}`;
const AUTH = { mode: 'on' as const, masterKey: MASTER, cacheMs: 5000, corsOrigins: ['https://app.example'] };
const LIMIT = 5;

describe('rate limits and CORS of the gateway', () => {
  let db: TestDb;
  const replicas: NestFastifyApplication[] = [];
  const urls: string[] = [];
  let first = '';
  let second = '';

  beforeAll(async () => {
    db = await testDb('rate');
    await db.publish('manual', DOCS);
    const admin = new KeyAdmin(db.store);
    first = (await admin.create({ name: 'first', scopes: ['query'], collections: ['manual'] }, 'master')).key;
    second = (await admin.create({ name: 'second', scopes: ['query'], collections: ['manual'] }, 'master')).key;
    for (let i = 0; i < 2; i++) {
      const { app, url } = await startGateway({
        config: db.config({ auth: AUTH, rateLimit: { limit: LIMIT, windowMs: 60_000 } }),
        events: false,
        logger: 'error',
        defaultMetrics: false,
      });
      replicas.push(app);
      urls.push(url);
    }
  });

  afterAll(async () => {
    for (const app of replicas) await app.close();
    await db?.drop();
  });

  const ask = (url: string, key: string) =>
    fetch(`${url}/v1/collections/manual/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'vacuum' }),
    });

  it('counts one key across replicas and answers 429 with Retry-After past the limit; other keys are not affected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await ask(urls[i % 2]!, first)).status);
    expect(statuses).toEqual(Array(LIMIT).fill(200));
    for (const url of urls) {
      const limited = await ask(url, first);
      expect(limited.status).toBe(429);
      const retry = Number(limited.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    }
    expect((await ask(urls[1]!, second)).status).toBe(200);
    // Health is never limited nor needs a key.
    expect((await fetch(`${urls[0]}/health`)).status).toBe(200);
  });

  it('allows the configured browser origins and no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${urls[0]}/v1/collections/manual/query`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('https://app.example');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

