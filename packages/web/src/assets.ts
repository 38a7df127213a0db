import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/** A file of the page as a server sends it. */
export interface WebAsset {
  body: Buffer;
  /** `content-type` with charset. */
  contentType: string;
}

/** Where the page's modules are reached: `/` is the page, `/web/<file>` its styles and scripts. */
export const WEB_PREFIX = '/web/';

/**
 * The headers every file of the page goes out with: revalidated on each load (a new version shows at once), no
 * MIME sniffing, and a content security policy that allows only this origin's own scripts, styles and API (the page
 * never runs inline code, so text from a corpus can never become script).
 */
export const WEB_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The package's root: `dist/` (compiled) and `src/` (tests) both sit one level below it. */
const ROOT = path.resolve(__dirname, '..');

function readDir(dir: string, into: Map<string, WebAsset>, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (type) into.set(`${prefix}${name}`, { body: readFileSync(path.join(dir, name)), contentType: type });
  }
}

/**
 * Reads the page's files once: `public/index.html` as `/`, the other files of `public/` and the compiled browser
 * modules (`dist/browser/*.js`) under `/web/`. Throws when the page is missing (the package was not built).
 */
export function loadWebAssets(root: string = ROOT): ReadonlyMap<string, WebAsset> {
  const files = new Map<string, WebAsset>();
  readDir(path.join(root, 'public'), files, WEB_PREFIX);
  readDir(path.join(root, 'dist', 'browser'), files, WEB_PREFIX);
  const page = files.get(`${WEB_PREFIX}index.html`);
  if (!page || !files.has(`${WEB_PREFIX}app.js`)) {
    throw new Error(`the web page is not built: build @lexigraph/web (expected ${path.join(root, 'public', 'index.html')} and ${path.join(root, 'dist', 'browser', 'app.js')})`);
  }
  files.delete(`${WEB_PREFIX}index.html`);
  files.set('/', page);
  return files;
}

let cached: ReadonlyMap<string, WebAsset> | undefined;

/**
 * The file of the page at `urlPath` (`/`, `/index.html` or `/web/<file>`; a query string is ignored), or undefined.
 * Only the files read at start are served: a path is a key, never joined to a directory, so `..` reaches nothing.
 */
export function webAsset(urlPath: string, assets?: ReadonlyMap<string, WebAsset>): WebAsset | undefined {
  const files = assets ?? (cached ??= loadWebAssets());
  const pathname = urlPath.split(/[?#]/, 1)[0] ?? '';
  return files.get(pathname === '/index.html' ? '/' : pathname);
}

/** Whether `urlPath` is one of the page's routes (`/`, `/index.html`, `/web/...`): public, without a key. */
export function isWebRoute(urlPath: string): boolean {
  const pathname = urlPath.split(/[?#]/, 1)[0] ?? '';
  return pathname === '/' || pathname === '/index.html' || pathname.startsWith(WEB_PREFIX);
}
