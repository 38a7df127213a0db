import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IndexRegistry } from './index-registry';
import { QUERY_BODY_SCHEMA, ANSWER_SCHEMA, ERROR_SCHEMA } from './openapi';
import { QueryService, type GatewayAnswer } from './query.service';

@ApiTags('query')
@Controller('v1/collections')
export class QueryController {
  constructor(
    @Inject(QueryService) private readonly queries: QueryService,
    @Inject(IndexRegistry) private readonly registry: IndexRegistry,
  ) {}

  @Post(':collection/query')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a prompt from the published index of a collection',
    description:
      'Parameters layer as collection defaults < profile < params. An unknown parameter, a bad value or a blank prompt is a 400 naming the field.',
  })
  @ApiParam({ name: 'collection', example: 'pg15-docs' })
  @ApiBody({ schema: QUERY_BODY_SCHEMA })
  @ApiOkResponse({ description: 'The answer, with the index version that produced it', schema: ANSWER_SCHEMA })
  @ApiResponse({ status: 400, description: 'Malformed body, unknown parameter or bad value', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 404, description: 'Unknown collection', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 409, description: 'The collection has no published index yet', schema: ERROR_SCHEMA })
  query(@Param('collection') collection: string, @Body() body: unknown): Promise<GatewayAnswer> {
    return this.queries.answer(collection, body);
  }

  @Get()
  @ApiOperation({ summary: 'Collections served, with their index versions' })
  list() {
    return { collections: this.registry.list() };
  }
}
