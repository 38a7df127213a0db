import { Readable } from 'node:stream';
import { ForbiddenException, type CanActivate, type ExceptionFilter } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply, FastifyRequest, preParsingHookHandler, RouteOptions } from 'fastify';
import { OPEN_PRINCIPAL, type Principal } from '@lexigraph/auth';
import type { GatewayMetrics } from './metrics';
import { QueryController } from './query.controller';
import { callerOf, KNOWN_BODY_MAX_BYTES, type QueryService } from './query.service';

/** The route of QueryController.query, as fastify registers it. */
const QUERY_ROUTE = '/v1/collections/:collection/query';
const JSON_UTF8 = 'application/json; charset=utf-8';

/** What the short path reuses of the app: the query service, the global guards in their order, the exception filter. */
export interface QueryFastPathDeps {
  queries: QueryService;
  guards: readonly CanActivate[];
  filter: ExceptionFilter;
  metrics: GatewayMetrics;
}

/**
 * The bytes of a request body. By hand rather than `node:stream/consumers` `buffer()`, which goes
 * through a Blob and cost 32 µs a request in the profile (more than the whole answer cache): a body this small
 * arrives in one chunk. Node's HTTP parser never delivers more than the content-length; fewer, and the request ends
 * with an error.
 */
function readBody(payload: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    payload.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    payload.once('error', reject);
  });
}

/** Whether a content-type header names JSON (what fastify's JSON parser takes: the media type, parameters aside). */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/**
 * The short path of `POST /v1/collections/:collection/query`: a JSON body whose exact bytes were answered before on
 * the version served now (QueryService.known) is answered before the body is parsed, past the same guards (the app's
 * AuthGuard, then the rate limit when one is set) and through the same answer cache, metrics and exception filter;
 * every other request goes on to the Nest route unchanged, which validates its body and remembers it.
 *
 * Why below Nest, reading the body by hand: on a cached answer, Nest's route pipeline (guards consumer, pipes, param
 * factories, interceptors, response mapping) and fastify's body parser (an AsyncResource per body, then JSON
 * parsing) cost more than the answer cache itself (by a CPU profile of the gateway under Zipf traffic). A `preParsing`
 * hook of the one route runs before that parser: it reads bodies of a known length up to KNOWN_BODY_MAX_BYTES, and
 * hands them on to fastify's parser as a stream of the same bytes when it does not answer. The route's own marks are
 * mirrored here: status 200 and the JSON content type (QueryController.query has no pipes or interceptors; one given
 * to it later must be applied here too). Installed before the app's routes are registered (at init).
 */
export function installQueryFastPath(fastify: FastifyInstance, deps: QueryFastPathDeps): void {
  fastify.decorateRequest('lexigraphQueryBytes', null);
  const handler = QueryController.prototype.query as (...args: unknown[]) => unknown;

  async function preParsing(request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable | undefined> {
    const length = Number(request.headers['content-length']);
    if (!(length > 0 && length <= KNOWN_BODY_MAX_BYTES) || !isJson(request.headers['content-type'])) return undefined;
    const bytes = await readBody(payload);
    const collection = (request.params as { collection?: unknown }).collection;
    const known = bytes.length === length && typeof collection === 'string' ? deps.queries.known(collection, bytes) : undefined;
    if (!known) {
      request.lexigraphQueryBytes = bytes;
      return Readable.from([bytes], { objectMode: false });
    }
    // the context the guards read: this request and the route's handler (its scope and collection parameter)
    const context = new ExecutionContextHost([request, reply], QueryController, handler);
    try {
      for (const guard of deps.guards) {
        // as Nest does with a guard that returns false
        if (!(await guard.canActivate(context))) throw new ForbiddenException('Forbidden resource');
      }
      const principal = (request as { lexigraphPrincipal?: Principal }).lexigraphPrincipal ?? OPEN_PRINCIPAL;
      const answer = await deps.queries.answerKnown(known, callerOf(principal));
      deps.metrics.knownBodies.inc();
      void reply.code(200).header('content-type', JSON_UTF8).send(answer.body);
    } catch (err) {
      deps.filter.catch(err, context);
    }
    // the reply is sent (the app has no onSend hooks, so it ends at once): fastify goes no further with the request
    return undefined;
  }

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url !== QUERY_ROUTE || route.method !== 'POST') return;
    const own = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
    route.preParsing = [...own, preParsing as unknown as preParsingHookHandler];
  });
}
