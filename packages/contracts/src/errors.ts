/**
 * Stable error codes shared by the CLI, the HTTP services and the workers. Each surface maps a code to its own
 * status (HTTP status, process exit code); the message always names the field, id or collection involved.
 */
export const ERROR_CODES = {
  VALIDATION: 'VALIDATION',
  UNKNOWN_PARAM: 'UNKNOWN_PARAM',
  BAD_PARAM_VALUE: 'BAD_PARAM_VALUE',
  UNKNOWN_COLLECTION: 'UNKNOWN_COLLECTION',
  EMPTY_COLLECTION: 'EMPTY_COLLECTION',
  NO_INDEX: 'NO_INDEX',
  NOT_FOUND: 'NOT_FOUND',
  UNKNOWN_JOB: 'UNKNOWN_JOB',
  BAD_INPUT: 'BAD_INPUT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  /** No key, or a key or token that is unknown, revoked, expired or badly signed. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A valid key or token without the scope or the collection the route needs. */
  FORBIDDEN: 'FORBIDDEN',
  /** Too many requests for one key in the current window (the answer says when to retry). */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Status an HTTP adapter should answer for each code (the CLI exits 2 for every user-facing code). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNKNOWN_PARAM: 400,
  BAD_PARAM_VALUE: 400,
  UNKNOWN_COLLECTION: 404,
  EMPTY_COLLECTION: 409,
  NO_INDEX: 409,
  NOT_FOUND: 404,
  UNKNOWN_JOB: 400,
  BAD_INPUT: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

/**
 * Codes raised by bad input rather than by a fault of the program (every code answered with a 4xx): the CLI exits 2
 * on them, and a queue job failing with one is not retried (retrying cannot fix its input).
 */
export const USER_ERROR_CODES: ReadonlySet<string> = new Set(
  (Object.keys(HTTP_STATUS) as ErrorCode[]).filter((code) => HTTP_STATUS[code] < 500),
);

/** An error with a stable `code`, safe to show to the user; `details` carries structured context. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Whether `err` is an AppError (also across duplicated module copies). */
  static is(err: unknown): err is AppError {
    return err instanceof AppError || (err instanceof Error && err.name === 'AppError' && 'code' in err);
  }
}

/** The JSON body of every error answer of the HTTP services (ingest and gateway alike). */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Maps anything thrown to the status and body of an HTTP error answer: an AppError through HTTP_STATUS; a framework
 * HTTP exception (anything with `getStatus()`, such as Nest's HttpException, recognised by shape so this package
 * needs no framework) and a server error carrying a 4xx `statusCode` (bad JSON, body too large) keep their status;
 * everything else is a 500 whose body says nothing of the cause (the service logs it).
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (AppError.is(err)) {
    const details = Object.keys(err.details).length ? { details: err.details } : {};
    return { statusCode: HTTP_STATUS[err.code] ?? 500, code: err.code, message: err.message, ...details };
  }
  const e = err as { getStatus?: unknown; getResponse?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (e && typeof e.getStatus === 'function') {
    const status = Number((e.getStatus as () => number)());
    const res = typeof e.getResponse === 'function' ? (e.getResponse as () => unknown)() : undefined;
    const message = typeof res === 'string' ? res : String((res as { message?: unknown } | undefined)?.message ?? e.message ?? '');
    return { statusCode: status, code: codeOfStatus(status), message: status >= 500 ? 'internal error; the service logged the details' : message };
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const message = String(e.message ?? '');
    return { statusCode: e.statusCode, code: codeOfStatus(e.statusCode), message: e.statusCode === 400 ? `request body: ${message}` : message };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error; the service logged the details' };
}

function codeOfStatus(status: number): string {
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  return status < 500 ? 'BAD_INPUT' : 'INTERNAL';
}
