import { createSecretKey, type KeyObject } from 'node:crypto';
import { AppError, TenantTokenClaims, type KeyScope } from '@lexigraph/contracts';
import type { ApiKeyRecord } from '@lexigraph/db';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { digestEquals, keyDigest, keyIdOf } from './key-secret';
import { withinPatterns } from './patterns';
import { MASTER_PRINCIPAL, OPEN_PRINCIPAL, type Principal } from './principal';

/** Reads a key by id (null when there is none); throws when the database cannot answer. */
export type KeyLookup = (id: string) => Promise<ApiKeyRecord | null>;

export interface AuthenticatorOptions {
  /** `off` lets every request through as the `open` principal. */
  mode: 'on' | 'off';
  /** Required when `mode` is `on`. */
  masterKey?: string;
  keys: KeyLookup;
  /** How long a key read from the database is reused, in ms (AUTH_KEY_CACHE_MS, default 5000). */
  cacheMs?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

interface CachedKey {
  record: ApiKeyRecord | null;
  readAt: number;
  /** The record's stored hash as bytes, made once (compared with each request's key digest). */
  digest?: Buffer;
  /** The principal of the key, made once per read (its scopes and collections are the record's). */
  principal?: Principal;
  /** The record's digest as an HMAC key for tenant tokens, made once. */
  hmac?: KeyObject;
}

interface VerifiedToken {
  claims: TenantTokenClaims;
  keyId: string;
  /**
   * The token's principal and the read of its signing key it was checked against (scope, collections): reused while
   * that read is the current one, checked again from the next read on (so a narrowed or revoked key takes effect).
   */
  checked?: { of: CachedKey; principal: Principal };
}

/**
 * A credential that passed every check: the principal it was granted, the read of its key it was checked against
 * (none for the master key) and when it stops being usable by its own dates (the key's expiry, a token's `exp`).
 */
interface Grant {
  principal: Principal;
  key?: CachedKey;
  keyId?: string;
  /** ms; Infinity when neither the key nor the token expires. */
  until: number;
}

/** Keys and tokens remembered at most; past it the caches start over (bounds memory under random garbage). */
const MAX_CACHED = 10_000;

function unauthorized(message: string): AppError {
  return new AppError('UNAUTHORIZED', message);
}

/**
 * Turns the `Authorization` header of a request into a Principal, or throws AppError UNAUTHORIZED (401) for a
 * missing, malformed, unknown, revoked or expired key, or a tenant token that is badly signed, expired, signed by a
 * key without the `query` scope, or names collections outside its key's. Keys are read through `keys` and reused
 * for `cacheMs`; when the database cannot answer, a key read before is still honoured (and an unknown one is a 503).
 *
 * Per request, on the hot path: one map lookup of the header as sent and two clock comparisons, while the header was
 * granted on the current read of its key and no expiry date has passed (see `granted`). Otherwise the full check: the
 * SHA-256 of the credential (computed once per credential while it is in use, compared in constant time with the
 * master key's digest and with the key's stored hash), and map lookups. What was read of a key (its principal, its
 * stored hash as bytes, its HMAC key for tokens) is made once per read, a token's signature and claims are checked
 * once, and a token's principal is made once per read of its signing key. A revoked, expired or narrowed key thus
 * takes effect within `cacheMs` (expiry dates are checked on every request), for its tenant tokens too.
 */
export class Authenticator {
  readonly mode: 'on' | 'off';
  private readonly masterDigest: Buffer | undefined;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly keyCache = new Map<string, CachedKey>();
  /** Reads of the key store under way, by key id: concurrent requests for one key share one read. */
  private readonly reading = new Map<string, Promise<CachedKey>>();
  private readonly tokenCache = new Map<string, VerifiedToken>();
  /**
   * SHA-256 of the credentials seen lately: hashing was two thirds of the check's cost on a cached answer (measured
   * with a CPU profile of the gateway under the auth bench). A digest says nothing of whether the key is still valid:
   * that is read from the key's record as before, so revocation and expiry take effect as they did.
   */
  private readonly digests = new Map<string, Buffer>();
  /**
   * Principals granted lately, by `Authorization` header as sent. A request whose header was granted is let through
   * at the cost of one map lookup and two clock comparisons while the read of its key it was checked against is still
   * the current one and younger than `cacheMs`, and its expiry (the key's, a token's) is ahead: the same answer the
   * full check would give from the same read. Past either, the full check runs again (and reads the key again), so a
   * revoked, narrowed or expired key takes effect as before. The full check (header parsing, digest lookups, constant-
   * time comparisons, three awaits) was about 2 µs of a cached answer's 90 µs in a CPU profile of the gateway.
   */
  private readonly granted = new Map<string, Grant>();

  constructor(private readonly options: AuthenticatorOptions) {
    this.mode = options.mode;
    if (options.mode === 'on' && !options.masterKey) throw new Error('authentication is on but no master key is set');
    this.masterDigest = options.masterKey === undefined ? undefined : keyDigest(options.masterKey);
    this.cacheMs = options.cacheMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** Authenticates `Authorization: Bearer <key or tenant token>`. */
  async authenticate(header: string | string[] | undefined): Promise<Principal> {
    if (this.mode === 'off') return OPEN_PRINCIPAL;
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) throw unauthorized('authorization: missing; send "Authorization: Bearer <key>"');
    const known = this.granted.get(value);
    if (known !== undefined && this.stillGranted(known)) return known.principal;
    const grant = await this.check(value);
    if (this.granted.size >= MAX_CACHED) this.granted.clear();
    this.granted.set(value, grant);
    return grant.principal;
  }

  /** Whether a grant still holds: its key read is the current one and fresh, and no expiry date has passed. */
  private stillGranted(grant: Grant): boolean {
    const now = this.now();
    if (now >= grant.until) return false;
    const key = grant.key;
    return key === undefined || (now - key.readAt < this.cacheMs && this.keyCache.get(grant.keyId as string) === key);
  }

  /** The full check of one header value. */
  private async check(value: string): Promise<Grant> {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(value);
    if (!match?.[1]) throw unauthorized('authorization: expected "Bearer <key>"');
    const credential = match[1];
    const digest = this.digestOf(credential);
    if (this.masterDigest !== undefined && digestEquals(digest, this.masterDigest)) return { principal: MASTER_PRINCIPAL, until: Infinity };
    const id = keyIdOf(credential);
    if (id !== null) return this.fromKey(id, digest);
    if (credential.split('.').length === 3) return this.fromTenantToken(credential);
    throw unauthorized('authorization: not a Lexigraph key or tenant token');
  }

  private digestOf(credential: string): Buffer {
    let d = this.digests.get(credential);
    if (!d) {
      d = keyDigest(credential);
      if (this.digests.size >= MAX_CACHED) this.digests.clear();
      this.digests.set(credential, d);
    }
    return d;
  }

  /** Forgets what was read of a key (after revoking it in this process). */
  forget(id: string): void {
    this.keyCache.delete(id);
  }

  private async fromKey(id: string, digest: Buffer): Promise<Grant> {
    const cached = await this.readKey(id);
    const record = cached.record;
    if (!record || !cached.digest || !digestEquals(digest, cached.digest)) throw unauthorized('authorization: unknown key');
    this.checkUsable(record);
    cached.principal ??= { kind: 'key', actor: record.id, scopes: new Set(record.scopes as KeyScope[]), collectionPatterns: [record.collections] };
    return { principal: cached.principal, key: cached, keyId: id, until: record.expiresAt?.getTime() ?? Infinity };
  }

  private checkUsable(record: ApiKeyRecord): void {
    if (record.revokedAt) throw unauthorized(`authorization: key ${record.id} was revoked`);
    if (record.expiresAt && record.expiresAt.getTime() <= this.now()) throw unauthorized(`authorization: key ${record.id} expired at ${record.expiresAt.toISOString()}`);
  }

  private async fromTenantToken(token: string): Promise<Grant> {
    const verified = this.tokenCache.get(token) ?? (await this.verifyToken(token));
    const { claims, keyId } = verified;
    if (claims.exp * 1000 <= this.now()) {
      this.tokenCache.delete(token);
      throw unauthorized('tenant token: expired');
    }
    const cached = await this.readKey(keyId);
    const record = cached.record;
    if (!record) throw unauthorized(`tenant token: signing key ${keyId} does not exist`);
    this.checkUsable(record);
    const until = Math.min(claims.exp * 1000, record.expiresAt?.getTime() ?? Infinity);
    if (verified.checked?.of === cached) return { principal: verified.checked.principal, key: cached, keyId, until };
    if (!record.scopes.includes('query')) throw unauthorized(`tenant token: signing key ${keyId} lacks the query scope`);
    const outside = claims.collections.find((c) => !withinPatterns(record.collections, c));
    if (outside !== undefined) throw unauthorized(`tenant token: collection "${outside}" is outside what key ${keyId} allows`);
    const principal: Principal = {
      kind: 'tenant',
      actor: keyId,
      scopes: new Set<KeyScope>(['query']),
      collectionPatterns: [record.collections, claims.collections],
      aclGroups: claims.groups,
    };
    verified.checked = { of: cached, principal };
    return { principal, key: cached, keyId, until };
  }

  /** Checks a token's signature and claims once; the result is remembered by token (its expiry is checked on each use). */
  private async verifyToken(token: string): Promise<VerifiedToken> {
    let keyId: unknown;
    try {
      if (decodeProtectedHeader(token).alg !== 'HS256') throw unauthorized('tenant token: must be signed with HS256');
      keyId = decodeJwt(token).keyId;
    } catch (err) {
      if (AppError.is(err)) throw err;
      throw unauthorized('tenant token: not a JWT');
    }
    if (typeof keyId !== 'string' || keyId === '') throw unauthorized('tenant token: missing the keyId claim');
    const cached = await this.readKey(keyId);
    if (!cached.record) throw unauthorized(`tenant token: signing key ${keyId} does not exist`);
    cached.hmac ??= createSecretKey(Buffer.from(cached.record.secretHash, 'hex'));
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, cached.hmac, { algorithms: ['HS256'], requiredClaims: ['exp'], currentDate: new Date(this.now()) }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthorized('tenant token: expired');
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw unauthorized(`tenant token: signature does not match key ${keyId}`);
      throw unauthorized(`tenant token: ${(err as Error).message}`);
    }
    const parsed = TenantTokenClaims.safeParse(payload);
    if (!parsed.success) throw unauthorized(`tenant token: bad claims (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`);
    const verified = { claims: parsed.data, keyId };
    if (this.tokenCache.size >= MAX_CACHED) this.tokenCache.clear();
    this.tokenCache.set(token, verified);
    return verified;
  }

  private async readKey(id: string): Promise<CachedKey> {
    const cached = this.keyCache.get(id);
    const now = this.now();
    if (cached && now - cached.readAt < this.cacheMs) return cached;
    let pending = this.reading.get(id);
    if (!pending) {
      pending = this.fetchKey(id, cached, now).finally(() => this.reading.delete(id));
      this.reading.set(id, pending);
    }
    return pending;
  }

  private async fetchKey(id: string, cached: CachedKey | undefined, now: number): Promise<CachedKey> {
    let record: ApiKeyRecord | null;
    try {
      record = await this.options.keys(id);
    } catch (err) {
      // The database is away: a key read before keeps working (an outage must not lock every client out).
      if (cached) return cached;
      throw new AppError('UNAVAILABLE', 'authorization: the key store is unreachable; try again shortly', { cause: (err as Error).message });
    }
    const fresh: CachedKey = { record, readAt: now };
    if (record) fresh.digest = Buffer.from(record.secretHash, 'hex');
    if (cached?.hmac && record && cached.record?.secretHash === record.secretHash) fresh.hmac = cached.hmac;
    if (this.keyCache.size >= MAX_CACHED) this.keyCache.clear();
    this.keyCache.set(id, fresh);
    return fresh;
  }
}
