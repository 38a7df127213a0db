import { promises as fs } from 'node:fs';
import { Authenticator } from '@lexigraph/auth';
import { createStore, type Store } from '@lexigraph/db';
import { cli, tempDir } from './helpers';

const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SCHEMA = `cli_keys_${process.pid}_${Date.now().toString(36)}`;

describe('lexigraph keys create | list | revoke (on PostgreSQL)', () => {
  let work: string;
  let store: Store;
  const u = new URL(BASE_URL);
  u.searchParams.set('schema', SCHEMA);
  const url = u.toString();

  beforeAll(async () => {
    work = await tempDir('lexigraph-cli-keys-');
    store = await createStore({ databaseUrl: BASE_URL, schema: SCHEMA });
  });
  afterAll(async () => {
    await store.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await store.close();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('creates a key shown once and stored hashed, lists it without its secret, and revokes it', async () => {
    const made = await cli(['--database-url', url, 'keys', 'create', '--name', 'search app', '--scope', 'query', '--collection', 'docs-*', '--expires', '30d', '--json'], work);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const created = JSON.parse(made.stdout);
    expect(created).toMatchObject({ name: 'search app', scopes: ['query'], collections: ['docs-*'], createdBy: 'cli', revokedAt: null });
    expect(created.key).toMatch(new RegExp(`^lxk_${created.id}_[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    // Only the hash is stored: no column holds the secret.
    const row = await store.keys.get(created.id);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(21));
    const auth = new Authenticator({ mode: 'on', masterKey: 'm'.repeat(32), keys: (id) => store.keys.get(id), cacheMs: 0 });
    expect((await auth.authenticate(`Bearer ${created.key}`)).actor).toBe(created.id);

    const listed = await cli(['--database-url', url, 'keys', 'list'], work);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${created.id}  search app  scopes=query  collections=docs-*`);
    expect(listed.stdout).not.toContain(created.key);

    const revoked = await cli(['--database-url', url, 'keys', 'revoke', created.id], work);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/revoked \d{4}-/);
    await expect(auth.authenticate(`Bearer ${created.key}`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const trail = await store.audit.page({ limit: 10 });
    expect(trail.events.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['cli', 'key.revoke', created.id],
      ['cli', 'key.create', created.id],
    ]);
  });

  it('refuses bad input with exit code 2 naming the field', async () => {
    const noScope = await cli(['--database-url', url, 'keys', 'create', '--name', 'x', '--collection', 'docs'], work);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toMatch(/--scope/);
    const badScope = await cli(['--database-url', url, 'keys', 'create', '--name', 'x', '--scope', 'root', '--collection', 'docs'], work);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/scopes\.0/);
    const badDate = await cli(['--database-url', url, 'keys', 'create', '--name', 'x', '--scope', 'query', '--collection', 'docs', '--expires', 'tomorrow'], work);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/expiresAt/);
    const unknown = await cli(['--database-url', url, 'keys', 'revoke', 'feedfacefeedface'], work);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no key "feedfacefeedface"/);
  });
});
