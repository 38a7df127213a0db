import { z } from 'zod';

/** What an API key may do: answer queries, change collections and their documents, manage keys and read the audit. */
export const KEY_SCOPES = ['query', 'ingest', 'admin'] as const;
export const KeyScope = z.enum(KEY_SCOPES);
export type KeyScope = z.infer<typeof KeyScope>;

/**
 * A collection a key may touch: a collection name, or a pattern of one where `*` stands for any run of characters
 * and `?` for one (`docs-*`, `*`).
 */
export const CollectionPattern = z
  .string()
  .regex(/^[a-z0-9._*?-]{1,64}$/, 'a collection name or a pattern of one: a-z, 0-9, ".", "_", "-", "*" (any run) and "?" (one character), max 64');
export type CollectionPattern = z.infer<typeof CollectionPattern>;

/** The body of POST /v1/keys (and the options of `lexigraph keys create`). */
export const CreateKeyBody = z.strictObject({
  /** What the key is for, shown in listings (`search frontend`). */
  name: z.string().trim().min(1).max(200),
  scopes: z.array(KeyScope).min(1).max(KEY_SCOPES.length),
  collections: z.array(CollectionPattern).min(1).max(1000),
  /** When the key stops working (ISO 8601 date-time); never when absent. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

/** A key as listed (its secret is never shown again after creation). */
export interface KeyView {
  id: string;
  name: string;
  scopes: KeyScope[];
  collections: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  /** Who created it: a key id, `master` or `cli`. */
  createdBy: string;
}

/** The answer of POST /v1/keys: the key and, once only, its secret (`key`), to send as `Authorization: Bearer`. */
export interface CreatedKey extends KeyView {
  key: string;
}

/**
 * Claims of a tenant token: a JWT (HS256) an application signs for one of its end users with an API key that has the
 * `query` scope (see the README's Security section for the signing key). The gateway answers such a caller from
 * `collections` only (each one a name or pattern the signing key also allows) and only with the documents whose
 * `acl` shares a group with `groups` (or that have no `acl`). `exp` (seconds since the epoch) is required.
 */
export const TenantTokenClaims = z.object({
  /** Id of the API key that signed the token. */
  keyId: z.string().min(1).max(100),
  collections: z.array(CollectionPattern).min(1).max(1000),
  groups: z.array(z.string().min(1).max(200)).max(1000).default([]),
  exp: z.number().int().positive(),
});
export type TenantTokenClaims = z.infer<typeof TenantTokenClaims>;

/** Query of GET /v1/audit: newest first, `limit` per page, `before` = the `next` cursor of the previous page. */
export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().positive().optional(),
  collection: z.string().min(1).max(64).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
