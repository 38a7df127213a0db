import { Body, Controller, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, recordAudit, RequireScope, type Principal } from '@lexigraph/auth';
import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import { listProfiles, paramView, saveProfileRequest } from '@lexigraph/pipeline';
import type { GatewayConfig } from './config';
import { GatewayDatabase } from './database';
import { IndexRegistry } from './index-registry';
import { ERROR_SCHEMA } from './openapi';
import { GATEWAY_CONFIG } from './tokens';

/**
 * What a client needs to offer a collection's settings (the web page's parameter panel): the frontend parameters
 * with the collection's defaults, and the saved profiles, which a key with the `ingest` scope may add to.
 */
@ApiTags('query')
@ApiBearerAuth()
@Controller('v1/collections')
export class SettingsController {
  constructor(
    @Inject(IndexRegistry) private readonly registry: IndexRegistry,
    @Inject(GatewayDatabase) private readonly db: GatewayDatabase,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get(':collection/params')
  @RequireScope('query', 'collection')
  @ApiOperation({ summary: 'Every frontend parameter (kind, range, default, help) and the collection\'s stored defaults' })
  @ApiParam({ name: 'collection', example: 'pg15-docs' })
  @ApiResponse({ status: 404, description: 'Unknown collection', schema: ERROR_SCHEMA })
  async params(@Param('collection') collection: string) {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    return paramView(this.registry.get(name) ?? (await this.registry.require(name)));
  }

  @Get(':collection/profiles')
  @RequireScope('query', 'collection')
  @ApiOperation({ summary: 'The parameter profiles a query of the collection may name, with their values' })
  @ApiParam({ name: 'collection', example: 'pg15-docs' })
  async profiles(@Param('collection') collection: string) {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    return { collection: name, profiles: await listProfiles(this.config.dataDir, name) };
  }

  @Put(':collection/profiles/:name')
  @RequireScope('ingest', 'collection')
  @HttpCode(200)
  @ApiOperation({ summary: 'Save a parameter profile of the collection (in <LEXIGRAPH_DATA>/profiles.json), audited' })
  @ApiParam({ name: 'collection', example: 'pg15-docs' })
  @ApiParam({ name: 'name', example: 'tuned' })
  @ApiBody({ schema: { type: 'object', properties: { params: { type: 'object', additionalProperties: { type: 'string' } } }, required: ['params'] } })
  @ApiResponse({ status: 400, description: 'Bad name, unknown parameter or bad value, or no data directory', schema: ERROR_SCHEMA })
  async save(@Param('collection') collection: string, @Param('name') profile: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const name = parseOrThrow(CollectionName, collection, 'collection name in the path');
    const saved = await saveProfileRequest(this.config.dataDir, name, profile, body);
    await recordAudit((await this.db.get()).audit, principal, { action: 'profile.save', collection: name, target: saved.name, details: saved.values });
    return saved;
  }
}
