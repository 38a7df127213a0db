import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IndexRegistry } from './index-registry';
import { QUERY_BODY_SCHEMA, ANSWER_SCHEMA, ERROR_SCHEMA } from './openapi';
import { QueryService } from './query.service';

@ApiTags('query')
@Controller('v1/collections')
export class QueryController {
  constructor(
    @Inject(QueryService) private readonly queries: QueryService,
    @Inject(IndexRegistry) private readonly registry: IndexRegistry,
  ) {}

  @Post(':collection/query')
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
  @ApiResponse({ status: 404, description: 'Unknown collection', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 409, description: 'The collection has no published index yet', schema: ERROR_SCHEMA })
  async query(@Param('collection') collection: string, @Body() body: unknown): Promise<string> {
    // The answer arrives as JSON text (serialized once, then cached with it): the server sends it as is.
    return (await this.queries.answer(collection, body)).json;
  }

  @Get()
  @ApiOperation({ summary: 'Collections served, with their index versions' })
  list() {
    return { collections: this.registry.list() };
  }
}
