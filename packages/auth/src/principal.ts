import { KEY_SCOPES, type KeyScope } from '@lexigraph/contracts';
import { allowsCollection } from './patterns';

/**
 * Who is calling, once a request is authenticated:
 * - `open`: authentication is off (LEXIGRAPH_AUTH=off): everything is allowed;
 * - `master`: the master key: everything is allowed;
 * - `key`: an API key: its scopes and collections;
 * - `tenant`: a tenant token signed by an API key: the `query` scope, the collections both the token and the key
 *   allow, and the ACL groups of the end user.
 */
export interface Principal {
  kind: 'open' | 'master' | 'key' | 'tenant';
  /** Who, in the audit trail: `open`, `master`, or the API key's id (a tenant token's signing key). */
  actor: string;
  scopes: ReadonlySet<KeyScope>;
  /** Pattern lists that must all let a collection through (a tenant token adds its own to its key's). */
  collectionPatterns: ReadonlyArray<readonly string[]>;
  /**
   * ACL groups of the caller: a tenant token's `groups`; undefined for every other principal, which sees every
   * document of the collections it may use.
   */
  aclGroups?: string[];
}

const EVERY_SCOPE: ReadonlySet<KeyScope> = new Set(KEY_SCOPES);

export const OPEN_PRINCIPAL: Principal = { kind: 'open', actor: 'open', scopes: EVERY_SCOPE, collectionPatterns: [] };
export const MASTER_PRINCIPAL: Principal = { kind: 'master', actor: 'master', scopes: EVERY_SCOPE, collectionPatterns: [] };

/** Whether the principal may use the collection `name`. */
export function mayUseCollection(principal: Principal, name: string): boolean {
  return principal.collectionPatterns.every((patterns) => allowsCollection(patterns, name));
}

/** Whether the principal may act on every collection (the master key, authentication off, or a `*` key). */
export function seesAllCollections(principal: Principal): boolean {
  return principal.collectionPatterns.every((patterns) => patterns.includes('*'));
}
