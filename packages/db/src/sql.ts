// Small helpers shared by the repositories' raw SQL paths.

/** Anything with Prisma's raw query methods: the client itself or an interactive transaction. */
export interface RawRunner {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** Runs one statement of a DirectTransaction and gives its rows. */
export type DirectQuery = (sql: string, params: readonly unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * One transaction on the driver's own connection, outside Prisma, for bulk writes: Prisma's client hands every
 * parameter of a raw statement through its query compiler and keeps the arguments of its last calls, which for a
 * 1 MiB chunk of an index is most of the time its write takes. An index of 200,000 generated entities (424 MB): its
 * publish took 31 s through Prisma with pglz, 11 s through this with LZ4 (see the IndexChunk migration); its chunks
 * alone, stored through node-postgres, 13 s with pglz and 5 s with LZ4.
 * Commits when `work` resolves, rolls back when it throws.
 */
export type DirectTransaction = <T>(work: (query: DirectQuery) => Promise<T>) => Promise<T>;

/**
 * JSON text for a jsonb parameter. Postgres rejects the NUL character in text and jsonb, so NULs inside strings
 * are dropped (the fast path serializes once; the slow path only runs when a NUL is present).
 */
export function toJsonParam(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'null';
  if (!text.includes('\\u0000')) return text;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replace(/\u0000/g, '') : v));
}

/** Strips NULs from a text value bound as a parameter. */
export function cleanText(value: string): string {
  return value.includes('\u0000') ? value.replace(/\u0000/g, '') : value;
}

/**
 * Splits items into batches whose serialized size stays under `maxChars` (and count under `maxItems`).
 * Returns the JSON text of each batch so every item is serialized exactly once.
 */
export function jsonBatches<T>(items: readonly T[], maxChars: number, maxItems: number): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const item of items) {
    const json = toJsonParam(item);
    if (parts.length > 0 && (size + json.length > maxChars || parts.length >= maxItems)) {
      out.push(`[${parts.join(',')}]`);
      parts = [];
      size = 0;
    }
    parts.push(json);
    size += json.length + 1;
  }
  if (parts.length > 0) out.push(`[${parts.join(',')}]`);
  return out;
}

/** A jsonb column value as returned by a driver: already parsed, or JSON text. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Integer from a count(*) style column (bigint, number or string). */
export function toInt(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number.parseInt(value, 10);
  return 0;
}
