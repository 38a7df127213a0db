import { z } from 'zod';
import { QueryBody } from '@lexigraph/contracts';
import { PARAM_NAMES } from '@lexigraph/core';
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

export const ANSWER_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    collection: { type: 'string' },
    indexVersion: { type: 'integer' },
    prompt: { type: 'string' },
    matched: { type: 'array', items: { type: 'object' } },
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          url: { type: 'string' },
          category: { type: 'array', items: { type: 'string' } },
          tags: { type: 'array', items: { type: 'string' } },
          score: { type: 'number', minimum: 0, maximum: 1 },
          snippets: { type: 'array', items: { type: 'object' } },
        },
      },
    },
    summary: { type: 'array', items: { type: 'object', properties: { sentence: { type: 'string' }, sourceId: { type: 'string' } } } },
    categories: { type: 'array', items: { type: 'object' } },
    related: { type: 'array', items: { type: 'object' } },
    seeAlso: { type: 'array', items: { type: 'object' } },
    suggestions: { type: 'array', items: { type: 'string' } },
    noAnswer: { type: 'object', properties: { reason: { type: 'string' } } },
    params: { type: 'object' },
    timings: { type: 'object' },
  },
};
