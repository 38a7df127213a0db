/** Calls to the server's API, with the key the user gave (kept for this tab only, in sessionStorage). */

const KEY_ITEM = 'lexigraph.key';

/** An answer of the API other than 2xx: its status, stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function storedKey(): string {
  return sessionStorage.getItem(KEY_ITEM) ?? '';
}

/** Keeps `key` for this tab (a blank one forgets it). */
export function storeKey(key: string): void {
  if (key.trim() === '') sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key.trim());
}

/**
 * Sends a request to the API (a path relative to the page, so the page works under any prefix) with
 * `Authorization: Bearer <key>` when a key is stored; resolves to the parsed JSON, or rejects with an ApiError.
 */
export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `the server answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string };
    throw new ApiError(res.status, e.code ?? 'HTTP', e.message ?? `the server answered ${res.status}`);
  }
  return json as T;
}

/** `v1/collections/<name>` with the name encoded. */
export function collectionPath(collection: string, rest = ''): string {
  return `v1/collections/${encodeURIComponent(collection)}${rest}`;
}
