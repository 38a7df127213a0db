import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore, DbError } from '../src';
import { storeSuite } from './store-suite';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lexigraph-db-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded store (PGlite)', () => {
  storeSuite({
    kind: 'pglite',
    open: () => createStore({ dataDir }),
    async isolated() {
      const store = await createStore({ dataDir: 'memory://' });
      return { store, dispose: () => store.close() };
    },
  });

  it('refuses a schema other than public', async () => {
    const err = await createStore({ dataDir, schema: 'other' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).code).toBe('INVALID_ARGUMENT');
  });
});
