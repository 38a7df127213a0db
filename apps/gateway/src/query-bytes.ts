import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bytes of a query body read by the short path (query-fast-path.ts), handed to the route when it goes on. */
    lexigraphQueryBytes: Buffer | null;
  }
}

/** The bytes of the query body as received, when the short path read them (else undefined): QueryService.answer remembers them. */
export const QueryBytes = createParamDecorator((_data: unknown, ctx: ExecutionContext): Buffer | undefined => {
  return ctx.switchToHttp().getRequest<FastifyRequest>().lexigraphQueryBytes ?? undefined;
});
