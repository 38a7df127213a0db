import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import { AppError, HTTP_STATUS } from '@lexigraph/contracts';

/** The part of an Express response the filter uses. */
interface JsonResponse {
  headersSent: boolean;
  status(code: number): { json(body: unknown): void };
}

/** An HTTP error with the API's error body; `code` is one of the contracts' codes or PAYLOAD_TOO_LARGE. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Maps an error to a status and the `{ error: { code, message } }` body every route answers with. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof ApiError) return { status: err.status, body: { error: { code: err.code, message: err.message, details: err.details } } };
  if (AppError.is(err)) {
    return { status: HTTP_STATUS[err.code] ?? 400, body: { error: { code: err.code, message: err.message, details: err.details } } };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return { status, body: { error: { code: status === 404 ? 'NOT_FOUND' : `HTTP_${status}`, message: err.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<JsonResponse>();
    const { status, body } = toErrorResponse(err);
    if (status >= 500) process.stderr.write(`${JSON.stringify({ service: 'ingest', event: 'error', error: err instanceof Error ? err.stack : String(err) })}\n`);
    if (!res.headersSent) res.status(status).json(body);
  }
}
