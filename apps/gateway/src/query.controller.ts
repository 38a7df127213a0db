import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, mayUseCollection, RequireScope, type Principal } from '@lexigraph/auth';
import { IndexRegistry } from './index-registry';
import { QUERY_BODY_SCHEMA, ANSWER_SCHEMA, ERROR_SCHEMA } from './openapi';
import { QueryBytes } from './query-bytes';
import { callerOf, QueryService } from './query.service';

@ApiTags('query')
@ApiBearerAuth()
@Controller('v1/collections')
export class QueryController {
  constructor(
    @Inject(QueryService) private readonly queries: QueryService,
    @Inject(IndexRegistry) private readonly registry: IndexRegistry,
  ) {}

  @Post(':collection/query')
  @RequireScope('query', 'collection')
  @HttpCode(200)
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOperation({
    summary: 'Answer a prompt from the published index of a collection',
    description:
      'Parameters layer as collection defaults < profile < params. An unknown parameter, a bad value or a blank prompt is a 400 naming the field.',
  })
  @ApiParam({ name: 'collection', example: 'pg15-docs' })
  @ApiBody({ schema: QUERY_BODY_SCHEMA })
  @ApiOkResponse({ description: 'The answer, with the index version that produced it', schema: ANSWER_SCHEMA })
  @ApiResponse({ status: 400, description: 'Malformed body, unknown parameter or bad value', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 401, description: 'Missing, unknown, revoked or expired key or tenant token', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 403, description: 'The key lacks the query scope or may not use this collection', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 404, description: 'Unknown collection', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 409, description: 'The collection has no published index yet', schema: ERROR_SCHEMA })
  async query(
    @Param('collection') collection: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @QueryBytes() bytes: Buffer | undefined,
  ): Promise<Buffer> {
    // The answer arrives as UTF-8 JSON bytes (serialized once, then cached with them): the server sends them as is. A tenant
    // token's ACL groups go down with the query; any other caller (undefined groups) sees every document. The body's
    // bytes, when the short path read them (query-fast-path.ts), are remembered once the body validates.
    return (await this.queries.answer(collection, body, callerOf(principal), bytes)).body;
  }

  @Get()
  @RequireScope('query')
  @ApiOperation({ summary: 'Collections served that the key may use, with their index versions' })
  list(@CurrentPrincipal() principal: Principal) {
    return { collections: this.registry.list().filter((c) => mayUseCollection(principal, c.collection)) };
  }
}
