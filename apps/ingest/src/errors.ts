import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { toErrorBody, type Logger } from '@lexigraph/contracts';

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
    const body = toErrorBody(err);
    if (body.statusCode >= 500) this.log.error({ err }, 'request failed');
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }
}
