import { Logger } from '@nestjs/common';
import { AppError } from '@lexigraph/contracts';
import { DbError, type Store } from '@lexigraph/db';

/** True for an error that means "the database cannot be reached now" (as opposed to a bad query or bad data). */
export function isUnavailable(err: unknown): boolean {
  return (AppError.is(err) || err instanceof DbError) && err.code === 'UNAVAILABLE';
}

/**
 * The gateway's store, opened lazily: at start when the database answers, else on the next attempt (the periodic
 * version check, a health check or a query that needs it), so a gateway started while the database is down serves
 * its snapshot files and picks the database up when it comes back. Concurrent attempts share one opening.
 */
export class GatewayDatabase {
  private readonly log = new Logger('GatewayDatabase');
  private store: Store | null = null;
  private opening: Promise<Store> | null = null;
  private closed = false;
  /** Why the last attempt failed, while the database has not been reached; null once it has. */
  lastError: string | null = null;

  constructor(private readonly open: () => Promise<Store>) {}

  /** The open store, or null while the database has not been reached. */
  get current(): Store | null {
    return this.store;
  }

  /** The store, opening it first if needed. Throws AppError UNAVAILABLE when the database cannot be reached. */
  get(): Promise<Store> {
    if (this.store) return Promise.resolve(this.store);
    if (this.closed) return Promise.reject(new AppError('UNAVAILABLE', 'the gateway is shutting down'));
    this.opening ??= this.open().then(
      async (store) => {
        this.opening = null;
        if (this.closed) {
          await store.close();
          throw new AppError('UNAVAILABLE', 'the gateway is shutting down');
        }
        if (this.lastError !== null) this.log.log('database reachable again');
        this.lastError = null;
        this.store = store;
        return store;
      },
      (err: unknown) => {
        this.opening = null;
        const reason = err instanceof Error ? err.message : String(err);
        if (this.lastError === null) this.log.warn(`database unreachable; serving the snapshot files until it answers: ${reason}`);
        this.lastError = reason;
        throw isUnavailable(err) ? new AppError('UNAVAILABLE', `the database is unavailable: ${reason}`) : err;
      },
    );
    return this.opening;
  }

  /** Closes the store if it was opened; later `get` calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    // An attempt under way either opens the store (closed right away by get) or has failed and been logged.
    if (this.opening) await Promise.allSettled([this.opening]);
    await this.store?.close();
    this.store = null;
  }
}
