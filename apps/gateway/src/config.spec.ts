import { loadConfig, redisOptions } from './config';

describe('gateway config', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/lexigraph' })).toEqual({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/lexigraph',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      host: '0.0.0.0',
      pollMs: 5000,
      cacheSize: 5000,
      logLevel: 'info',
      answerCache: { localBytes: 64 * 1024 * 1024, shared: true, sharedTtlSeconds: 3600, sharedMaxEntryBytes: 256 * 1024, warmCount: 2000 },
    });
  });

  it('lists every bad NAME=value in one error', () => {
    expect(() => loadConfig({ GATEWAY_PORT: '70000', GATEWAY_POLL_MS: 'soon', REDIS_URL: 'nowhere' })).toThrow(
      /DATABASE_URL=\(unset\): .*; .*REDIS_URL=nowhere: .*; .*GATEWAY_PORT=70000: .*; .*GATEWAY_POLL_MS=soon: /,
    );
  });

  it('reads host, port, credentials and database of a redis URL', () => {
    expect(redisOptions('redis://user:p%40ss@cache.internal:6380/2')).toEqual({ host: 'cache.internal', port: 6380, username: 'user', password: 'p@ss', db: 2 });
    expect(redisOptions('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
  });
});
