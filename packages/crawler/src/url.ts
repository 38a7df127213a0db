/**
 * URL canonicalization shared by the crawler frontier, link extraction and entity ids.
 *
 * Canonical form: lowercase scheme and host (WHATWG parsing), default port dropped, `.`/`..` segments resolved,
 * fragment dropped, credentials dropped, query parameters sorted by name (stable, so repeated names keep their
 * order) with every `utm_*` parameter removed. The query keeps its original percent-encoding: only the order of
 * `&`-separated pairs changes, so a server that distinguishes `%20` from `+` still gets what the page linked.
 */

const FETCHABLE = new Set(['http:', 'https:']);

/**
 * Canonicalizes `raw` (resolved against `base` when relative). Returns `null` for anything that is not an
 * http(s) URL (mailto:, javascript:, data:, unparsable input), unless `allowFile` admits `file:` URLs too
 * (used by the folder reader to resolve links between local files).
 */
export function canonicalizeUrl(raw: string, base?: string, allowFile = false): string | null {
  let u: URL;
  try {
    u = base === undefined ? new URL(raw.trim()) : new URL(raw.trim(), base);
  } catch {
    return null;
  }
  if (!FETCHABLE.has(u.protocol) && !(allowFile && u.protocol === 'file:')) return null;
  u.hash = '';
  u.username = '';
  u.password = '';
  if (u.hostname.endsWith('.') && u.hostname.length > 1) u.hostname = u.hostname.slice(0, -1);
  u.search = canonicalQuery(u.search);
  return u.toString();
}

function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  const pairs = search
    .slice(1)
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      return { key: safeDecode(eq < 0 ? p : p.slice(0, eq)), raw: p };
    })
    .filter((p) => !p.key.toLowerCase().startsWith('utm_'));
  if (pairs.length === 0) return '';
  // Array.prototype.sort is stable: equal keys keep their relative order.
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return '?' + pairs.map((p) => p.raw).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * The entity id of a canonical URL: its decoded pathname plus its query (usually empty), e.g.
 * `https://x.org/docs/sql-select.html` → `/docs/sql-select.html`. Equal to the folder reader's
 * `'/' + relative path` when the folder is served at the site root.
 */
export function urlToId(canonical: string): string {
  const u = new URL(canonical);
  let path = u.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the encoded form when it is not valid UTF-8 percent-encoding
  }
  return path + u.search;
}
