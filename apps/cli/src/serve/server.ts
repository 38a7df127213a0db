import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator, authorize, authSettingsFromEnv, mayUseCollection, recordAudit, type Principal } from '@lexigraph/auth';
import { AppError, CollectionName, parseOrThrow, toErrorBody } from '@lexigraph/contracts';
import { listProfiles, paramView, profileLoader, readAndAnswer, saveProfileRequest } from '@lexigraph/pipeline';
import { isWebRoute, WEB_HEADERS, webAsset } from '@lexigraph/web';
import type { CliContext } from '../context';
import { println } from '../io';
import { ServedCollections } from './collections';

/** Largest accepted request body, as the gateway's. */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface ServeOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
}

export interface RunningServer {
  url: string;
  /** Whether requests need a key (LEXIGRAPH_MASTER_KEY is set and LEXIGRAPH_AUTH is not off). */
  auth: boolean;
  close(): Promise<void>;
}

type Handler = (principal: Principal, match: string[], req: IncomingMessage) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `request body: larger than ${BODY_LIMIT_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'request body: send JSON with "content-type: application/json"');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError('BAD_INPUT', `request body: not valid JSON (${(err as Error).message})`);
  }
}

/** A path segment decoded; a malformed escape (`%`, `%zz`) is a 400 naming `what`, never a 500. */
function segment(raw: string | undefined, what: string): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw new AppError('BAD_INPUT', `${what}: not a valid URL path segment`);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * The HTTP server of `lexigraph serve`: the web page (public, like the gateway's) and the gateway's API shape on
 * the embedded store, answered through the pipeline's one read-and-answer service:
 * `GET /v1/collections`, `GET /v1/collections/:c/params`, `GET /v1/collections/:c/profiles`,
 * `PUT /v1/collections/:c/profiles/:name` and `POST /v1/collections/:c/query`, with the gateway's scopes and errors.
 * Authentication is the services' (an API key or tenant token checked against the keys of this data directory) when
 * LEXIGRAPH_MASTER_KEY is set; without one it is off, and the server should stay on the loopback address.
 */
export async function startServer(ctx: CliContext, options: ServeOptions): Promise<RunningServer> {
  const env = ctx.io.env;
  const settings = authSettingsFromEnv({ LEXIGRAPH_AUTH: env.LEXIGRAPH_MASTER_KEY ? 'on' : 'off', ...env }, 'lexigraph serve');
  const auth = new Authenticator({ ...settings, keys: async (id) => (await ctx.database()).keys.get(id) });
  const collections = new ServedCollections(ctx);
  const profiles = profileLoader(ctx.dataDir);
  const collection = (raw: string | undefined) => parseOrThrow(CollectionName, segment(raw, 'collection name in the path'), 'collection name in the path');

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/v1\/collections\/?$/,
      handler: async (principal) => {
        authorize(principal, 'query');
        const names = (await collections.names()).filter((name) => mayUseCollection(principal, name));
        const served = await Promise.all(names.map((name) => collections.get(name)));
        return { collections: served.map((s) => ({ collection: s.collection, version: s.version })) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/collections\/([^/]+)\/params$/,
      handler: async (principal, [c]) => {
        const name = collection(c);
        authorize(principal, 'query', name);
        return paramView(await collections.get(name));
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/collections\/([^/]+)\/profiles$/,
      handler: async (principal, [c]) => {
        const name = collection(c);
        authorize(principal, 'query', name);
        return { collection: name, profiles: await listProfiles(ctx.dataDir, name) };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/v1\/collections\/([^/]+)\/profiles\/([^/]+)$/,
      handler: async (principal, [c, p], req) => {
        const name = collection(c);
        authorize(principal, 'ingest', name);
        const saved = await saveProfileRequest(ctx.dataDir, name, segment(p, 'profile name'), await readBody(req));
        await recordAudit((await ctx.database()).audit, principal, { action: 'profile.save', collection: name, target: saved.name, details: saved.values });
        return saved;
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/collections\/([^/]+)\/query$/,
      handler: async (principal, [c], req) => {
        const name = collection(c);
        authorize(principal, 'query', name);
        const body = await readBody(req);
        const served = await collections.get(name);
        return readAndAnswer(served, body, profiles, principal.aclGroups === undefined ? {} : { aclGroups: principal.aclGroups });
      },
    },
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const pathname = url.split(/[?#]/, 1)[0] ?? '/';
    if ((req.method === 'GET' || req.method === 'HEAD') && isWebRoute(url)) {
      const asset = webAsset(url);
      if (!asset) throw new AppError('NOT_FOUND', `no file ${pathname} in the web page`);
      res.writeHead(200, { ...WEB_HEADERS, 'content-type': asset.contentType });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    if (req.method === 'GET' && pathname === '/health') {
      send(res, 200, { status: 'ok', service: 'lexigraph serve' });
      return;
    }
    const candidates = routes.filter((r) => r.pattern.test(pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      throw candidates.length
        ? new AppError('NOT_FOUND', `${req.method} ${pathname}: use ${candidates.map((r) => r.method).join(' or ')}`)
        : new AppError('NOT_FOUND', `no route ${req.method} ${pathname}`);
    }
    let principal: Principal;
    try {
      principal = await auth.authenticate(req.headers.authorization);
    } catch (err) {
      if (AppError.is(err) && err.code === 'UNAUTHORIZED') res.setHeader('WWW-Authenticate', 'Bearer realm="lexigraph"');
      throw err;
    }
    const match = route.pattern.exec(pathname)?.slice(1) ?? [];
    send(res, 200, await route.handler(principal, match, req));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const body = toErrorBody(err);
      if (body.statusCode >= 500) println(ctx.io.stderr, `serve: ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) res.destroy();
      else send(res, body.statusCode, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    auth: auth.mode === 'on',
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
