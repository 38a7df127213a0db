import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Lowest level written (LogEnv's `LOG_LEVEL`); default `info`. `silent` writes nothing. */
  level?: string;
  /** Where the lines go; default standard output. */
  destination?: DestinationStream;
}

/**
 * The one logger of every service: pino, one JSON object per line with `service`, `pid`, `level` (as a name) and
 * `time` (ISO 8601), whether or not the output is a terminal.
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

type NestLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/**
 * Nest's own messages (routes mapped, exceptions, `Logger` of the apps) written through a pino logger, so a Nest
 * app logs the same JSON lines as the rest (it matches Nest's LoggerService by shape: `app.useLogger(...)`). The
 * last string argument is Nest's context, kept as `context`.
 */
export class NestLogger {
  constructor(private readonly logger: Logger) {}

  private write(level: NestLevel, message: unknown, rest: unknown[]): void {
    const args = [...rest];
    const context = args.length > 0 && typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const stack = level === 'error' && typeof args[0] === 'string' ? (args.shift() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    if (message instanceof Error && !stack) fields.stack = message.stack;
    const to = { log: 'info', error: 'error', warn: 'warn', debug: 'debug', verbose: 'trace', fatal: 'fatal' } as const;
    this.logger[to[level]](fields, text);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
}
