import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { AppError, HTTP_STATUS } from '@lexigraph/contracts';
import { ParamError } from '@lexigraph/core';
import type { FastifyReply } from 'fastify';

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Maps any thrown value to a status and body: AppError codes through HTTP_STATUS, the rest conservatively. */
export function toErrorBody(err: unknown): ErrorBody {
  if (AppError.is(err)) {
    const details = Object.keys(err.details).length ? { details: err.details } : {};
    return { statusCode: HTTP_STATUS[err.code] ?? 500, code: err.code, message: err.message, ...details };
  }
  if (err instanceof ParamError) {
    return { statusCode: 400, code: err.code, message: `params.${err.param}: ${err.message}`, details: { field: `params.${err.param}` } };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message = typeof res === 'string' ? res : String((res as { message?: unknown }).message ?? err.message);
    return { statusCode: status, code: status === 404 ? 'NOT_FOUND' : status < 500 ? 'BAD_INPUT' : 'INTERNAL', message };
  }
  // Errors raised by the HTTP server itself (bad JSON, wrong content type, body too large) carry a 4xx statusCode.
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = (err as Error).message;
    return { statusCode: status, code: 'BAD_INPUT', message: status === 400 ? `request body: ${message}` : message };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error; the gateway logged the details' };
}

/** The one exception filter of the gateway: every error becomes a JSON ErrorBody; 5xx are logged with stacks. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('ErrorFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const body = toErrorBody(err);
    if (body.statusCode >= 500) this.log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
