import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { AppError, toErrorBody, type Logger } from '@lexigraph/contracts';
import { DbError } from '@lexigraph/db';

/** The part of an Express response the filter uses. */
interface JsonResponse {
  headersSent: boolean;
  status(code: number): { json(body: unknown): void };
}

/** The one exception filter of the ingest API: every error answers the services' ErrorBody; 5xx are logged. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<JsonResponse>();
    // The database out of reach is a 503 saying so, never a 500 carrying the client's internals.
    const unavailable = err instanceof DbError && err.code === 'UNAVAILABLE';
    const body = toErrorBody(unavailable ? new AppError('UNAVAILABLE', 'the database is unavailable; try again shortly') : err);
    if (unavailable) this.log.warn({ reason: (err as Error).message }, 'request refused: database unavailable');
    else if (body.statusCode >= 500) this.log.error({ err }, 'request failed');
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }
}
