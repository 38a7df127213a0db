import { loadConfig, redisOptions } from './config';

describe('gateway config', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/lexigraph', LEXIGRAPH_AUTH: 'off' })).toEqual({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/lexigraph',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      host: '0.0.0.0',
      pollMs: 5000,
      cacheSize: 5000,
      logLevel: 'info',
      answerCache: { localBytes: 64 * 1024 * 1024, shared: true, sharedTtlSeconds: 3600, sharedMaxEntryBytes: 256 * 1024, sharedPrefix: 'lexigraph:answer:', warmCount: 2000 },
      auth: { mode: 'off', cacheMs: 5000, corsOrigins: [] },
      rateLimit: { limit: 0, windowMs: 60_000 },
    });
  });

  it('refuses to start without a master key unless authentication is off explicitly', () => {
    const db = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/lexigraph' };
    expect(() => loadConfig(db)).toThrow(/LEXIGRAPH_MASTER_KEY=\(unset\): required: set a master key, or LEXIGRAPH_AUTH=off/);
    expect(() => loadConfig({ ...db, LEXIGRAPH_MASTER_KEY: 'short' })).toThrow(/LEXIGRAPH_MASTER_KEY=short: must be at least 32 characters/);
    const master = 'm'.repeat(40);
    expect(() => loadConfig({ ...db, LEXIGRAPH_MASTER_KEY: master, LEXIGRAPH_AUTH: 'off' })).toThrow(/LEXIGRAPH_AUTH=off: off while LEXIGRAPH_MASTER_KEY is set/);
    const config = loadConfig({ ...db, LEXIGRAPH_MASTER_KEY: master, LEXIGRAPH_CORS_ORIGINS: 'https://a.example, https://b.example', GATEWAY_RATE_LIMIT: '100', GATEWAY_RATE_WINDOW_MS: '1000' });
    expect(config.auth).toEqual({ mode: 'on', masterKey: master, cacheMs: 5000, corsOrigins: ['https://a.example', 'https://b.example'] });
    expect(config.rateLimit).toEqual({ limit: 100, windowMs: 1000 });
  });

  it('lists every bad NAME=value in one error', () => {
    expect(() => loadConfig({ GATEWAY_PORT: '70000', GATEWAY_POLL_MS: 'soon', REDIS_URL: 'nowhere', GATEWAY_RATE_LIMIT: '-1' })).toThrow(
      /^invalid gateway environment: DATABASE_URL=\(unset\): .*; .*REDIS_URL=nowhere: .*; .*GATEWAY_PORT=70000: .*; .*GATEWAY_POLL_MS=soon: .*; GATEWAY_RATE_LIMIT=-1: .*; LEXIGRAPH_MASTER_KEY=\(unset\): /,
    );
  });

  it('reads host, port, credentials and database of a redis URL', () => {
    expect(redisOptions('redis://user:p%40ss@cache.internal:6380/2')).toEqual({ host: 'cache.internal', port: 6380, username: 'user', password: 'p@ss', db: 2 });
    expect(redisOptions('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
  });
});
