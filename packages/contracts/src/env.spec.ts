import { DEFAULT_RETAIN_VERSIONS, GatewayEnv, IndexerEnv, IndexStorageEnv, IngestEnv, parseEnv } from './index';

describe('index storage environment', () => {
  it('fills the defaults; an empty value counts as unset', () => {
    expect(parseEnv(IndexStorageEnv, { INDEX_RETAIN_VERSIONS: '' }, 'indexer')).toEqual({
      INDEX_RETAIN_VERSIONS: DEFAULT_RETAIN_VERSIONS,
      INDEX_STALE_BUILD_MS: 3_600_000,
      INDEX_SQL_TABLES: false,
    });
    expect(parseEnv(IndexStorageEnv, { INDEX_SQL_TABLES: 'true' }, 'indexer').INDEX_SQL_TABLES).toBe(true);
    expect(parseEnv(IndexStorageEnv, { INDEX_SQL_TABLES: '1' }, 'indexer').INDEX_SQL_TABLES).toBe(true);
    expect(() => parseEnv(IndexStorageEnv, { INDEX_SQL_TABLES: 'yes' }, 'indexer')).toThrow(/INDEX_SQL_TABLES=yes/);
    expect(parseEnv(IndexStorageEnv, { INDEX_RETAIN_VERSIONS: '7', INDEX_STALE_BUILD_MS: '0' }, 'indexer')).toEqual({
      INDEX_RETAIN_VERSIONS: 7,
      INDEX_STALE_BUILD_MS: 0,
      INDEX_SQL_TABLES: false,
    });
  });

  it('lists every bad NAME=value at once', () => {
    expect(() => parseEnv(IndexStorageEnv, { INDEX_RETAIN_VERSIONS: '0', INDEX_STALE_BUILD_MS: 'soon' }, 'indexer')).toThrow(
      /^invalid indexer environment: INDEX_RETAIN_VERSIONS=0: .*; INDEX_STALE_BUILD_MS=soon: /,
    );
    expect(() => parseEnv(IndexStorageEnv, { INDEX_RETAIN_VERSIONS: '2.5' }, 'lexigraph')).toThrow(/INDEX_RETAIN_VERSIONS=2.5/);
  });
});

describe('the services environment', () => {
  const DB = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/lexigraph' };

  it('fills the documented defaults of each service', () => {
    expect(parseEnv(IngestEnv, DB, 'ingest')).toMatchObject({ INGEST_PORT: 3001, INGEST_ALLOW_PRIVATE: false, REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_ATTEMPTS: 5, LOG_LEVEL: 'info' });
    expect(parseEnv(IndexerEnv, DB, 'indexer')).toMatchObject({ INDEXER_PORT: 3002, INDEXER_CONCURRENCY: 4, LEXIGRAPH_DATA: './.lexigraph', INDEX_RETAIN_VERSIONS: 3, QUEUE_KEEP_DAYS: 7 });
    expect(parseEnv(GatewayEnv, DB, 'gateway')).toMatchObject({ GATEWAY_PORT: 3000, GATEWAY_POLL_MS: 5000, LOG_LEVEL: 'info' });
  });

  it('reads yes/no flags in any case, and lists every bad NAME=value of a service at once', () => {
    expect(parseEnv(IngestEnv, { ...DB, INGEST_ALLOW_PRIVATE: 'YES' }, 'ingest').INGEST_ALLOW_PRIVATE).toBe(true);
    expect(parseEnv(IndexerEnv, { ...DB, INDEXER_LOG_JOBS: '0' }, 'indexer').INDEXER_LOG_JOBS).toBe(false);
    expect(() => parseEnv(IndexerEnv, { INDEXER_PORT: '99999', QUEUE_ATTEMPTS: '0', LOG_LEVEL: 'loud', INDEXER_LOG_JOBS: 'maybe' }, 'indexer')).toThrow(
      /^invalid indexer environment: DATABASE_URL=\(unset\): .*INDEXER_PORT=99999: .*INDEXER_LOG_JOBS=maybe: .*QUEUE_ATTEMPTS=0: .*LOG_LEVEL=loud: /,
    );
  });
});
