import { DEFAULT_RETAIN_VERSIONS, IndexStorageEnv, parseEnv } from './index';

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
