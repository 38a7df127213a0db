import { Body, Controller, Delete, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { AuditQuery, parseOrThrow } from '@lexigraph/contracts';
import { AUTHENTICATOR, Authenticator, CurrentPrincipal, KeyAdmin, mayUseCollection, MasterOnly, RequireScope, seesAllCollections, type Principal } from '@lexigraph/auth';
import { IngestService } from './ingest.service';

/**
 * Keys and the audit trail. Only the master key creates and revokes keys (a key that could mint keys could mint
 * wider ones than its own); a key with the `admin` scope lists keys and reads the audit entries of its collections.
 */
@Controller('v1')
export class AdminController {
  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(AUTHENTICATOR) private readonly auth: Authenticator,
  ) {}

  private get keys(): KeyAdmin {
    return new KeyAdmin(this.ingest.db);
  }

  /** Creates a key; the answer holds its secret (`key`), shown this once. */
  @Post('keys')
  @MasterOnly()
  createKey(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.keys.create(body, principal.actor);
  }

  @Get('keys')
  @RequireScope('admin')
  async listKeys() {
    return { keys: await this.keys.list() };
  }

  @Delete('keys/:id')
  @MasterOnly()
  async revokeKey(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const view = await this.keys.revoke(id, principal.actor);
    this.auth.forget(id);
    return view;
  }

  /** Audit entries, newest first: `?limit=` (1..1000, default 100), `?before=` (the `next` of the previous page), `?collection=`. */
  @Get('audit')
  @RequireScope('admin')
  async audit(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    const q = parseOrThrow(AuditQuery, query, 'audit query');
    const all = seesAllCollections(principal);
    const collections = all ? undefined : (await this.ingest.db.collections.list()).map((c) => c.name).filter((name) => mayUseCollection(principal, name));
    const page = await this.ingest.db.audit.page({
      limit: q.limit,
      ...(q.before !== undefined ? { before: q.before } : {}),
      ...(q.collection !== undefined ? { collection: q.collection } : {}),
      ...(collections ? { collections, includeGlobal: false } : {}),
    });
    return { events: page.events.map((e) => ({ ...e, at: e.at.toISOString() })), next: page.next };
  }
}
