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
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
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
  UNAVAILABLE: 503,
  INTERNAL: 500,
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
