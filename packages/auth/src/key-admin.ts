import { AppError, CreateKeyBody, parseOrThrow, type CreatedKey, type KeyScope, type KeyView } from '@lexigraph/contracts';
import type { ApiKeyRecord, AuditRepository, KeyRepository } from '@lexigraph/db';
import { generateKey, hashKey } from './key-secret';

/** The part of the store key management needs. */
export interface KeyStore {
  keys: KeyRepository;
  audit: AuditRepository;
}

export function keyView(r: ApiKeyRecord): KeyView {
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes as KeyScope[],
    collections: r.collections,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
  };
}

/**
 * Creates, lists and revokes API keys, recording each change in the audit trail. Shared by the ingest API's
 * /v1/keys routes and `lexigraph keys`; `actor` is who asks (`master`, `cli`, ...).
 */
export class KeyAdmin {
  constructor(private readonly store: KeyStore) {}

  /** Validates `body` (CreateKeyBody), stores the new key hashed and returns it with its secret, shown this once. */
  async create(body: unknown, actor: string): Promise<CreatedKey> {
    const input = parseOrThrow(CreateKeyBody, body ?? {}, 'key');
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    const { id, key } = generateKey();
    const record = await this.store.keys.create({
      id,
      name: input.name,
      secretHash: hashKey(key),
      scopes: [...new Set(input.scopes)],
      collections: [...new Set(input.collections)],
      expiresAt,
      createdBy: actor,
    });
    await this.store.audit.record({ actor, action: 'key.create', target: id, details: { name: input.name, scopes: record.scopes, collections: record.collections } });
    return { ...keyView(record), key };
  }

  async list(): Promise<KeyView[]> {
    return (await this.store.keys.list()).map(keyView);
  }

  /** Revokes the key `id` (NOT_FOUND when there is none); revoking twice keeps the first time. */
  async revoke(id: string, actor: string): Promise<KeyView> {
    const record = await this.store.keys.revoke(id);
    if (!record) throw new AppError('NOT_FOUND', `id: no key "${id}"`, { id });
    await this.store.audit.record({ actor, action: 'key.revoke', target: id });
    return keyView(record);
  }
}
