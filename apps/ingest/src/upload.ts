import type { IncomingMessage } from 'node:http';
import { AppError } from '@lexigraph/contracts';
import type { Entity } from '@lexigraph/core';
import { readLimited } from './body';

/** Bad records named in one error message at most. */
const SHOWN_ERRORS = 10;

type ReadRecord = (value: unknown) => Entity;

function fail(errors: string[], total: number): never {
  const more = total > errors.length ? `; ... ${total - errors.length} more` : '';
  throw new AppError('VALIDATION', `invalid documents: ${errors.join('; ')}${more}`, { errors });
}

/**
 * Reads an upload of entities: a JSON array (`application/json`) or JSON Lines (`application/x-ndjson`,
 * `application/jsonl`), streamed and at most `limit` bytes (413 beyond). Every record is validated; any bad one
 * rejects the upload with a 400 naming it (`[3]: missing "id"` or `line 4: malformed JSON ...`), so an upload is
 * stored whole or not at all.
 */
export async function readUpload(req: IncomingMessage, limit: number, readRecord: ReadRecord): Promise<Entity[]> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const lines = type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/jsonlines' || type === 'application/json-lines';
  if (!lines && type !== 'application/json') {
    req.resume();
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `content-type: expected application/json (an array) or application/x-ndjson (JSON Lines), got "${type || 'none'}"`);
  }
  const entities: Entity[] = [];
  const errors: string[] = [];
  let bad = 0;
  const record = (label: string, value: unknown) => {
    try {
      entities.push(readRecord(value));
    } catch (err) {
      bad++;
      if (errors.length < SHOWN_ERRORS) errors.push(`${label}: ${(err as Error).message}`);
    }
  };
  if (!lines) {
    const chunks: Buffer[] = [];
    for await (const c of readLimited(req, limit)) chunks.push(c);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw new AppError('VALIDATION', `body: malformed JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new AppError('VALIDATION', 'body: expected a JSON array of documents');
    parsed.forEach((v, i) => record(`[${i}]`, v));
  } else {
    let rest = '';
    let lineNo = 0;
    const decoder = new TextDecoder('utf-8');
    const take = (line: string) => {
      lineNo++;
      const t = line.trim();
      if (!t) return;
      let value: unknown;
      try {
        value = JSON.parse(t);
      } catch (err) {
        bad++;
        if (errors.length < SHOWN_ERRORS) errors.push(`line ${lineNo}: malformed JSON (${(err as Error).message})`);
        return;
      }
      record(`line ${lineNo}`, value);
    };
    for await (const chunk of readLimited(req, limit)) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        take(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
    rest += decoder.decode();
    if (rest) take(rest);
  }
  if (bad > 0) fail(errors, bad);
  if (entities.length === 0) throw new AppError('VALIDATION', 'body: no documents in the upload');
  return entities;
}

