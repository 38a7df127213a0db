import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key string starts with this, so a key pasted in the wrong place is recognizable (and scannable). */
export const KEY_PREFIX = 'lxk_';
/** Bytes of randomness of the public id (hex in the key string) and of the secret (base64url). */
const ID_BYTES = 8;
const SECRET_BYTES = 32;
const KEY_SHAPE = /^lxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A freshly generated key: its public id and the whole key string, `lxk_<id>_<secret>`. */
export interface GeneratedKey {
  id: string;
  key: string;
}

/** A new key: 64 random bits of id, 256 random bits of secret. */
export function generateKey(): GeneratedKey {
  const id = randomBytes(ID_BYTES).toString('hex');
  return { id, key: `${KEY_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}` };
}

/** The id of a well-formed key string, or null for anything else. */
export function keyIdOf(key: string): string | null {
  return KEY_SHAPE.exec(key)?.[1] ?? null;
}

/** The SHA-256 of a key string, the form in which it is stored. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Hex SHA-256 of a key string (the stored `secretHash`). */
export function hashKey(key: string): string {
  return keyDigest(key).toString('hex');
}

/**
 * Whether two digests are equal, compared in constant time (a request's key digest against a stored one, or the
 * master key's). Digests of different lengths (a malformed stored hash) are unequal.
 */
export function digestEquals(given: Buffer, stored: Buffer): boolean {
  return given.length === stored.length && timingSafeEqual(given, stored);
}
