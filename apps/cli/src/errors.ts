import { AppError, USER_ERROR_CODES } from '@lexigraph/contracts';
import { println, type Writable } from './io';

/** Exit codes: 0 success, 1 internal failure, 2 bad usage or input (unknown parameter, collection, file...). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** Codes of errors raised by bad input rather than by a fault of the program (and Node's INVALID_ARGUMENT). */
const USER_CODES = new Set([...USER_ERROR_CODES, 'INVALID_ARGUMENT']);

/** A usage error raised by a command itself (e.g. a missing option combination). */
export function usage(message: string): AppError {
  return new AppError('VALIDATION', message);
}

/** Prints `err` as one line on stderr and returns the exit code it maps to. */
export function report(err: unknown, stderr: Writable, verbose = false): number {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code && (AppError.is(err) || USER_CODES.has(code))) {
    println(stderr, `error: ${message.split('\n')[0]}`);
    if (verbose && err instanceof Error && err.stack) println(stderr, err.stack);
    return USER_CODES.has(code) ? EXIT.USAGE : EXIT.FAILURE;
  }
  println(stderr, `error: ${message.split('\n')[0]}`);
  if (verbose && err instanceof Error && err.stack) println(stderr, err.stack);
  return EXIT.FAILURE;
}
