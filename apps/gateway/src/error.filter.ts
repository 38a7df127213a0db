import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import { AppError, toErrorBody, type ErrorBody } from '@lexigraph/contracts';
import { ParamError } from '@lexigraph/core';
import type { FastifyReply } from 'fastify';
import { isUnavailable } from './database';

export type { ErrorBody } from '@lexigraph/contracts';

/** The services' ErrorBody of anything thrown; a bad query parameter names its field (`params.<name>`). */
export function gatewayErrorBody(err: unknown): ErrorBody {
  if (err instanceof ParamError) {
    return toErrorBody(new AppError(err.code, `params.${err.param}: ${err.message}`, { field: `params.${err.param}` }));
  }
  // The database (or Redis) out of reach is a 503 saying so, never a 500 carrying the client's internals.
  if (isUnavailable(err)) return toErrorBody(new AppError('UNAVAILABLE', 'the database is unavailable; try again shortly'));
  return toErrorBody(err);
}

/** The one exception filter of the gateway: every error becomes a JSON ErrorBody; 5xx are logged with stacks. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('ErrorFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const body = gatewayErrorBody(err);
    if (body.statusCode >= 500 && body.code !== 'UNAVAILABLE') this.log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
