import { z } from 'zod';
import { QueryBody } from '@lexigraph/contracts';
import { PARAM_NAMES } from '@lexigraph/core';
import { ANSWER_JSON_SCHEMA } from './answer-serializer';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** The query body's schema for OpenAPI, generated from the zod schema the controller validates with. */
export const QUERY_BODY_SCHEMA: SchemaObject = {
  ...(z.toJSONSchema(QueryBody, { io: 'input', unrepresentable: 'any' }) as SchemaObject),
  example: { prompt: 'create a partial index', params: { k: 5, wTitle: 5 } },
  description: `params keys: ${PARAM_NAMES.join(', ')}`,
};

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', example: 'UNKNOWN_PARAM' },
    message: { type: 'string', example: 'params.kk: unknown parameter "kk"; known: k, k1, ...' },
    details: { type: 'object' },
  },
};

/** The answer's schema: the one the compiled serializer writes answers with (answer-serializer.ts). */
export const ANSWER_SCHEMA = ANSWER_JSON_SCHEMA as SchemaObject;
