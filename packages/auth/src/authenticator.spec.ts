import { AppError } from '@lexigraph/contracts';
import type { ApiKeyRecord } from '@lexigraph/db';
import { Authenticator } from './authenticator';
import { generateKey, hashKey } from './key-secret';
import { mayUseCollection } from './principal';
import { signTenantToken } from './tenant-token';

const MASTER = 'master-key-for-tests-0123456789abcdef';
const T0 = Date.parse('2026-01-01T00:00:00Z');

function keyRecord(scopes: string[], collections: string[], extra: Partial<ApiKeyRecord> = {}): { key: string; record: ApiKeyRecord } {
  const { id, key } = generateKey();
  return {
    key,
    record: { id, name: 'test', secretHash: hashKey(key), scopes, collections, expiresAt: null, revokedAt: null, createdBy: 'master', createdAt: new Date(T0), ...extra },
  };
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (AppError.is(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('Authenticator', () => {
  let now = T0;
  const rows = new Map<string, ApiKeyRecord>();
  let down = false;
  let reads = 0;
  const auth = new Authenticator({
    mode: 'on',
    masterKey: MASTER,
    cacheMs: 1000,
    now: () => now,
    keys: async (id) => {
      reads++;
      if (down) throw new Error('connection refused');
      return rows.get(id) ?? null;
    },
  });
  const add = (...args: Parameters<typeof keyRecord>) => {
    const k = keyRecord(...args);
    rows.set(k.record.id, k.record);
    return k;
  };
  beforeEach(() => {
    now += 60_000; // past every cache entry
    down = false;
  });

  it('lets everything through as "open" when authentication is off, and refuses to be on without a master key', async () => {
    const open = new Authenticator({ mode: 'off', keys: async () => null });
    expect((await open.authenticate(undefined)).actor).toBe('open');
    expect(() => new Authenticator({ mode: 'on', keys: async () => null })).toThrow(/no master key/);
  });

  it('answers 401 for a missing, malformed, unknown, wrong, revoked or expired key', async () => {
    const good = add(['query'], ['docs']);
    const revoked = add(['query'], ['docs'], { revokedAt: new Date(T0) });
    const expired = add(['query'], ['docs'], { expiresAt: new Date(now + 30_000) });
    expect((await auth.authenticate(`Bearer ${good.key}`)).actor).toBe(good.record.id);
    expect(await rejection(auth.authenticate(undefined))).toMatchObject({ code: 'UNAUTHORIZED', message: /missing/ });
    expect(await rejection(auth.authenticate(good.key))).toMatchObject({ code: 'UNAUTHORIZED', message: /expected "Bearer <key>"/ });
    expect(await rejection(auth.authenticate('Bearer nonsense'))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await rejection(auth.authenticate(`Bearer ${generateKey().key}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /unknown key/ });
    const forged = `${good.key.slice(0, -4)}AAAA`;
    expect(await rejection(auth.authenticate(`Bearer ${forged}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /unknown key/ });
    expect(await rejection(auth.authenticate(`Bearer ${revoked.key}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /revoked/ });
    expect((await auth.authenticate(`Bearer ${expired.key}`)).actor).toBe(expired.record.id);
    now += 30_000;
    expect(await rejection(auth.authenticate(`Bearer ${expired.key}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /expired/ });
  });

  it('knows the master key, and a key its scopes and collections', async () => {
    expect((await auth.authenticate(`Bearer ${MASTER}`)).kind).toBe('master');
    const k = add(['ingest', 'admin'], ['docs-*']);
    const p = await auth.authenticate(`bearer ${k.key}`);
    expect([...p.scopes].sort()).toEqual(['admin', 'ingest']);
    expect(mayUseCollection(p, 'docs-eu')).toBe(true);
    expect(mayUseCollection(p, 'billing')).toBe(false);
    expect(p.aclGroups).toBeUndefined();
  });

  it('reuses a key for cacheMs, forgets it on demand, and honours known keys while the database is down', async () => {
    const k = add(['query'], ['*']);
    await auth.authenticate(`Bearer ${k.key}`);
    const before = reads;
    await auth.authenticate(`Bearer ${k.key}`);
    expect(reads).toBe(before);
    rows.set(k.record.id, { ...k.record, revokedAt: new Date(now) });
    expect((await auth.authenticate(`Bearer ${k.key}`)).actor).toBe(k.record.id); // still within the cache time
    auth.forget(k.record.id);
    expect(await rejection(auth.authenticate(`Bearer ${k.key}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /revoked/ });

    const other = add(['query'], ['*']);
    await auth.authenticate(`Bearer ${other.key}`);
    now += 60_000;
    down = true;
    expect((await auth.authenticate(`Bearer ${other.key}`)).actor).toBe(other.record.id);
    expect(await rejection(auth.authenticate(`Bearer ${add(['query'], ['*']).key}`))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses a revoked key once its cache time has passed, without being told (the documented bound)', async () => {
    const k = add(['query'], ['docs']);
    const token = await signTenantToken({ apiKey: k.key, collections: ['docs'], now });
    const first = await auth.authenticate(`Bearer ${k.key}`);
    expect(await auth.authenticate(`Bearer ${k.key}`)).toBe(first); // made once per read of the key
    expect((await auth.authenticate(`Bearer ${token}`)).kind).toBe('tenant');
    rows.set(k.record.id, { ...k.record, revokedAt: new Date(now) }); // revoked by another process
    now += 999; // within cacheMs (1000): what was read is still used
    expect((await auth.authenticate(`Bearer ${k.key}`)).actor).toBe(k.record.id);
    now += 1;
    expect(await rejection(auth.authenticate(`Bearer ${k.key}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /revoked/ });
    expect(await rejection(auth.authenticate(`Bearer ${token}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /revoked/ });
  });

  it('applies a key narrowed elsewhere to its tenant tokens once its cache time has passed', async () => {
    const k = add(['query'], ['docs-*']);
    const token = await signTenantToken({ apiKey: k.key, collections: ['docs-eu'], groups: ['sales'], now });
    const p = await auth.authenticate(`Bearer ${token}`);
    expect(await auth.authenticate(`Bearer ${token}`)).toBe(p);
    rows.set(k.record.id, { ...k.record, collections: ['docs-us'] });
    now += 1000;
    expect(await rejection(auth.authenticate(`Bearer ${token}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /"docs-eu" is outside/ });
    rows.set(k.record.id, { ...k.record, scopes: ['ingest'] });
    now += 1000;
    expect(await rejection(auth.authenticate(`Bearer ${token}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /lacks the query scope/ });
  });

  it('reads a key once for concurrent requests, and never takes one key for another', async () => {
    const k = add(['query'], ['docs']);
    const other = add(['admin'], ['*']);
    const before = reads;
    const principals = await Promise.all(Array.from({ length: 16 }, () => auth.authenticate(`Bearer ${k.key}`)));
    expect(reads).toBe(before + 1);
    expect(new Set(principals.map((p) => p.actor))).toEqual(new Set([k.record.id]));
    const p = await auth.authenticate(`Bearer ${other.key}`);
    expect(p.actor).toBe(other.record.id);
    expect([...p.scopes]).toEqual(['admin']);
    // a well-formed key string naming k's id with another secret is refused, even with k's record cached
    const { key: stranger } = generateKey();
    const wrongSecret = `lxk_${k.record.id}_${stranger.slice('lxk_'.length + 16 + 1)}`;
    expect(await rejection(auth.authenticate(`Bearer ${wrongSecret}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /unknown key/ });
  });

  it('lets a header it granted through again only until an expiry date passes, however fresh the key read', async () => {
    let reads2 = 0;
    // a long cache time: only the expiry dates can end what was granted here
    const long = new Authenticator({ mode: 'on', masterKey: MASTER, cacheMs: 600_000, now: () => now, keys: async (id) => (reads2++, rows.get(id) ?? null) });
    const k = add(['query'], ['docs'], { expiresAt: new Date(now + 30_000) });
    const token = await signTenantToken({ apiKey: k.key, collections: ['docs'], expiresInSeconds: 10, now });
    const granted = await long.authenticate(`Bearer ${k.key}`);
    expect(await long.authenticate(`Bearer ${k.key}`)).toBe(granted);
    expect((await long.authenticate(`Bearer ${token}`)).kind).toBe('tenant');
    expect(reads2).toBe(1);
    now += 9_999;
    expect((await long.authenticate(`Bearer ${token}`)).kind).toBe('tenant');
    now += 1; // the token's exp
    expect(await rejection(long.authenticate(`Bearer ${token}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /expired/ });
    expect(await long.authenticate(`Bearer ${k.key}`)).toBe(granted);
    now += 20_000; // the key's expiry
    expect(await rejection(long.authenticate(`Bearer ${k.key}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /expired at/ });
    expect(reads2).toBe(1);
    // a header that differs from a granted one by a character is checked in full
    expect(await rejection(long.authenticate(`Bearer ${k.key.slice(0, -1)}`))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await long.authenticate(`Bearer ${MASTER}`)).kind).toBe('master');
    expect(await rejection(long.authenticate(`Bearer ${MASTER}x`))).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  describe('tenant tokens', () => {
    it('carry the collections and groups of an end user, within their key', async () => {
      const k = add(['query'], ['docs-*', 'manual']);
      const token = await signTenantToken({ apiKey: k.key, collections: ['docs-eu'], groups: ['sales', 'eu'], now });
      const p = await auth.authenticate(`Bearer ${token}`);
      expect(p).toMatchObject({ kind: 'tenant', actor: k.record.id, aclGroups: ['sales', 'eu'] });
      expect([...p.scopes]).toEqual(['query']);
      expect(mayUseCollection(p, 'docs-eu')).toBe(true);
      expect(mayUseCollection(p, 'docs-us')).toBe(false);
      expect(mayUseCollection(p, 'manual')).toBe(false);
      const noGroups = await signTenantToken({ apiKey: k.key, collections: ['docs-*'], now });
      expect((await auth.authenticate(`Bearer ${noGroups}`)).aclGroups).toEqual([]);
    });

    it('are refused when expired, signed with another key, outside the key, or from a key without query or revoked', async () => {
      const k = add(['query'], ['docs-*']);
      const expiring = await signTenantToken({ apiKey: k.key, collections: ['docs-eu'], expiresInSeconds: 60, now });
      expect((await auth.authenticate(`Bearer ${expiring}`)).kind).toBe('tenant');
      now += 61_000;
      expect(await rejection(auth.authenticate(`Bearer ${expiring}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /expired/ });
      const stale = await signTenantToken({ apiKey: k.key, collections: ['docs-eu'], expiresInSeconds: 60, now: now - 3_600_000 });
      expect(await rejection(auth.authenticate(`Bearer ${stale}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /expired/ });

      // Signed with another key's secret but claiming k's id.
      const other = add(['query'], ['docs-*']);
      const forged = await signTenantToken({ apiKey: other.key, collections: ['docs-eu'], now });
      const [h, payload, sig] = forged.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const relabelled = `${h}.${Buffer.from(JSON.stringify({ ...claims, keyId: k.record.id })).toString('base64url')}.${sig}`;
      expect(await rejection(auth.authenticate(`Bearer ${relabelled}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /signature/ });

      const outside = await signTenantToken({ apiKey: k.key, collections: ['billing'], now });
      expect(await rejection(auth.authenticate(`Bearer ${outside}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /"billing" is outside/ });
      const wider = await signTenantToken({ apiKey: k.key, collections: ['*'], now });
      expect(await rejection(auth.authenticate(`Bearer ${wider}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /"\*" is outside/ });

      const ingestOnly = add(['ingest'], ['*']);
      const noQuery = await signTenantToken({ apiKey: ingestOnly.key, collections: ['docs'], now });
      expect(await rejection(auth.authenticate(`Bearer ${noQuery}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /lacks the query scope/ });

      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
      expect(await rejection(auth.authenticate(`Bearer ${unsigned}`))).toMatchObject({ code: 'UNAUTHORIZED' });

      const valid = await signTenantToken({ apiKey: k.key, collections: ['docs-eu'], now });
      expect((await auth.authenticate(`Bearer ${valid}`)).kind).toBe('tenant');
      rows.set(k.record.id, { ...k.record, revokedAt: new Date(now) });
      auth.forget(k.record.id);
      expect(await rejection(auth.authenticate(`Bearer ${valid}`))).toMatchObject({ code: 'UNAUTHORIZED', message: /revoked/ });
    });
  });
});
