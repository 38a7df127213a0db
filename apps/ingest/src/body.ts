import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, toErrorBody } from '@lexigraph/contracts';

/** Reads a request body up to `limit` bytes; more is a 413 naming the body and the limit. */
export async function* readLimited(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    yield buf;
  }
}

export function tooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `body: larger than the limit of ${limit} bytes`, { limit });
}

function send(res: ServerResponse, err: unknown): void {
  const body = toErrorBody(err);
  res.statusCode = body.statusCode;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/**
 * JSON body parser of every route but the streamed upload (`skip`): at most `limit` bytes, content type
 * application/json when there is a body; malformed JSON is a 400 naming the body.
 */
export function jsonBody(limit: number, skip: (req: IncomingMessage) => boolean) {
  return (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (skip(req) || req.method === 'GET' || req.method === 'DELETE' || req.method === 'HEAD') return next();
    (async () => {
      const chunks: Buffer[] = [];
      for await (const c of readLimited(req, limit)) chunks.push(c);
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        req.body = undefined;
        return;
      }
      const type = String(req.headers['content-type'] ?? '');
      if (!/^application\/(.+\+)?json\b/i.test(type)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `body: expected content-type application/json, got "${type || 'none'}"`);
      }
      try {
        req.body = JSON.parse(text);
      } catch (err) {
        throw new AppError('VALIDATION', `body: malformed JSON (${(err as Error).message})`);
      }
    })().then(
      () => next(),
      (err: unknown) => send(res, err),
    );
  };
}
