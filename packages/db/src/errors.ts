/**
 * Stable error codes of the storage layer. Callers branch on `code`, never on the message.
 * - NOT_FOUND: the collection / version / document named does not exist.
 * - CONFLICT: a unique key is already taken (Prisma P2002 or Postgres 23505).
 * - INVALID_ARGUMENT: a value cannot be stored (bad id, empty key, non-finite number, bad schema name).
 * - INVALID_STATE: the row is not in a state that allows the operation (e.g. publishing a failed version).
 * - MIGRATION_FAILED / MIGRATION_MODIFIED: a migration could not be applied / an applied one changed on disk.
 * - UNAVAILABLE: the database cannot be reached or opened.
 * - INTERNAL: anything else; `cause` holds the original error.
 */
export type DbErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_ARGUMENT'
  | 'INVALID_STATE'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_MODIFIED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class DbError extends Error {
  override readonly name = 'DbError';

  constructor(
    readonly code: DbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Loose = { code?: unknown; meta?: unknown; cause?: unknown; message?: unknown; originalCode?: unknown };

/** Every error code found on an error and its nested causes / Prisma meta (adapters nest the SQLSTATE). */
function collectCodes(err: unknown, out: Set<string>, depth = 0): void {
  if (depth > 6 || err === null || typeof err !== 'object') return;
  const e = err as Loose;
  if (typeof e.code === 'string') out.add(e.code);
  if (typeof e.originalCode === 'string') out.add(e.originalCode);
  if (e.meta && typeof e.meta === 'object') {
    const meta = e.meta as Record<string, unknown>;
    if (typeof meta.code === 'string') out.add(meta.code);
    collectCodes(meta.driverAdapterError, out, depth + 1);
  }
  collectCodes(e.cause, out, depth + 1);
  if ('kind' in e && typeof (e as { kind: unknown }).kind === 'string') out.add((e as { kind: string }).kind);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True for a unique violation, whichever layer reported it (Prisma P2002, Postgres 23505, adapter kind). */
export function isUniqueViolation(err: unknown): boolean {
  const codes = new Set<string>();
  collectCodes(err, codes);
  return codes.has('P2002') || codes.has('23505') || codes.has('UniqueConstraintViolation');
}

function isForeignKeyViolation(codes: Set<string>): boolean {
  return codes.has('P2003') || codes.has('23503') || codes.has('ForeignKeyConstraintViolation');
}

function isInvalidText(codes: Set<string>): boolean {
  // 22P02: invalid input syntax (e.g. a malformed uuid); 22023 / 22003 / 22021: bad parameter value / range / encoding.
  return ['22P02', '22023', '22003', '22021', '22P05', 'InvalidInputValue'].some((c) => codes.has(c));
}

/**
 * Codes of "the server cannot be reached now": refused, reset or timed-out connections; Prisma's P1001 (cannot
 * reach), P1002 (timed out), P1017 (server closed the connection); Postgres 57P01..57P03 (shutting down, starting
 * up) and class 08 (connection exceptions); a missing database or a refused login (3D000, 28P01).
 */
const UNAVAILABLE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'P1001', 'P1002', 'P1017', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '3D000', '28P01'];
/** The same, for errors that carry no code (pg's "Connection terminated unexpectedly", the adapter's "Can't reach"). */
const UNAVAILABLE_MESSAGE = /Can't reach database server|Connection terminated|Connection ended|connect ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * Maps any error thrown by Prisma, pg or PGlite to a DbError. `context` names the operation and the id involved,
 * so the message says what failed; DbErrors pass through unchanged.
 */
export function toDbError(err: unknown, context: string): DbError {
  if (err instanceof DbError) return err;
  const codes = new Set<string>();
  collectCodes(err, codes);
  const detail = messageOf(err);
  if (codes.has('P2002') || codes.has('23505') || codes.has('UniqueConstraintViolation')) {
    return new DbError('CONFLICT', `${context}: a row with the same key already exists (${detail})`, { cause: err });
  }
  if (isForeignKeyViolation(codes)) {
    return new DbError('NOT_FOUND', `${context}: the referenced row does not exist (${detail})`, { cause: err });
  }
  if (codes.has('P2025')) return new DbError('NOT_FOUND', `${context}: ${detail}`, { cause: err });
  if (isInvalidText(codes)) {
    return new DbError('INVALID_ARGUMENT', `${context}: a value was rejected by the database (${detail})`, {
      cause: err,
    });
  }
  if (UNAVAILABLE_CODES.some((c) => codes.has(c)) || UNAVAILABLE_MESSAGE.test(detail)) {
    // The first line only: a client's message can carry pages of its own internals.
    const reason = (detail.split('\n').find((l) => UNAVAILABLE_MESSAGE.test(l)) ?? detail.split('\n')[0] ?? '').trim().slice(0, 200);
    return new DbError('UNAVAILABLE', `${context}: the database is unavailable (${reason})`, { cause: err });
  }
  return new DbError('INTERNAL', `${context}: ${detail}`, { cause: err });
}
