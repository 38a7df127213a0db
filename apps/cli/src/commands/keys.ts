import { KeyAdmin } from '@lexigraph/auth';
import type { KeyView } from '@lexigraph/contracts';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { println } from '../io';

/** Who the audit trail names for changes made with the CLI, which acts with the database's own credentials. */
const CLI_ACTOR = 'cli';

export interface KeysCreateOptions {
  name: string;
  scope: string[];
  collection: string[];
  /** An ISO 8601 date-time, or a lifetime like `30d`, `12h`, `90m`. */
  expires?: string;
  json?: boolean;
}

const LIFETIME = /^(\d{1,6})([dhm])$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** `--expires` as an ISO date-time: a lifetime (`30d`) counts from now; anything else is passed on to be validated. */
export function expiryOf(value: string, now = Date.now()): string {
  const m = LIFETIME.exec(value);
  if (!m) return value;
  return new Date(now + Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]).toISOString();
}

function describe(k: KeyView): string {
  const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'no expiry';
  return `${k.id}  ${k.name}  scopes=${k.scopes.join(',')}  collections=${k.collections.join(',')}  ${state}  created ${k.createdAt} by ${k.createdBy}`;
}

/** `keys create`: stores a new API key (hashed) and prints it, the only time it is shown. */
export async function keysCreateCommand(ctx: CliContext, opts: KeysCreateOptions): Promise<number> {
  if (opts.scope.length === 0) throw usage('--scope: give at least one of query, ingest, admin');
  if (opts.collection.length === 0) throw usage('--collection: give at least one collection name or pattern (e.g. "docs-*", or "*" for all)');
  const admin = new KeyAdmin(await ctx.database());
  const created = await admin.create(
    { name: opts.name, scopes: opts.scope, collections: opts.collection, ...(opts.expires ? { expiresAt: expiryOf(opts.expires) } : {}) },
    CLI_ACTOR,
  );
  if (opts.json) {
    println(ctx.io.stdout, JSON.stringify(created));
    return 0;
  }
  println(ctx.io.stdout, describe(created));
  println(ctx.io.stdout, `key: ${created.key}`);
  println(ctx.io.stderr, 'Store this key now: only its hash is kept, it cannot be shown again.');
  return 0;
}

/** `keys list`: every key (never a secret), newest first. */
export async function keysListCommand(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const keys = await new KeyAdmin(await ctx.database()).list();
  if (opts.json) println(ctx.io.stdout, JSON.stringify({ keys }));
  else if (keys.length === 0) println(ctx.io.stdout, 'no keys');
  else for (const k of keys) println(ctx.io.stdout, describe(k));
  return 0;
}

/** `keys revoke <id>`: the key stops working (within AUTH_KEY_CACHE_MS on running services). */
export async function keysRevokeCommand(ctx: CliContext, id: string): Promise<number> {
  const view = await new KeyAdmin(await ctx.database()).revoke(id, CLI_ACTOR);
  println(ctx.io.stdout, describe(view));
  return 0;
}
