import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { keyDigest, keyIdOf } from './key-secret';

export interface TenantTokenInput {
  /** An API key with the `query` scope (the whole key string). */
  apiKey: string;
  /** Collections (names, or patterns the key itself holds) the end user may query. */
  collections: string[];
  /** ACL groups of the end user: they see documents without `acl` and those whose `acl` names one of them. */
  groups?: string[];
  /** Lifetime in seconds (default 3600). */
  expiresInSeconds?: number;
  /** The clock, in ms (tests move it). */
  now?: number;
}

/**
 * Signs a tenant token as an application would: a JWT with `alg: HS256` and the claims `keyId`, `collections`,
 * `groups` and `exp`, whose HMAC key is the SHA-256 digest of the API key string (32 bytes). The API key never
 * leaves the application; the gateway holds the same digest (the stored hash) and checks the signature with it.
 */
export async function signTenantToken(input: TenantTokenInput): Promise<string> {
  const keyId = keyIdOf(input.apiKey);
  if (!keyId) throw new Error('apiKey: not a Lexigraph key (lxk_<id>_<secret>)');
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  return new SignJWT({ keyId, collections: input.collections, groups: input.groups ?? [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + (input.expiresInSeconds ?? 3600))
    .sign(createSecretKey(keyDigest(input.apiKey)));
}
