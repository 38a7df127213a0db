import type { IncomingMessage } from 'node:http';
import { AppError, parseEntity, type Entity } from '@lexigraph/contracts';
import { readLimited } from './body';

/** Bad records named in one error message (and in `details.errors`) at most. */
const SHOWN_ERRORS = 10;

/**
 * One bad record of an upload: where it is (`line`, 1-based, in JSON Lines; `index`, 0-based, in a JSON array), the
 * field (`path`, dotted; "" for the record itself) and what is wrong with it.
 */
export interface UploadError {
  line?: number;
  index?: number;
  path: string;
  message: string;
}

function fail(errors: UploadError[], total: number): never {
  const shown = errors.map((e) => `${e.line !== undefined ? `line ${e.line}` : `[${e.index}]`}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
  const more = total > errors.length ? `; ... ${total - errors.length} more` : '';
  throw new AppError('VALIDATION', `invalid documents: ${shown.join('; ')}${more}`, { errors, bad: total });
}

/**
 * Reads an upload of entities: a JSON array (`application/json`) or JSON Lines (`application/x-ndjson`,
 * `application/jsonl`), streamed and at most `limit` bytes (413 beyond). Every record is checked against the entity
 * schema of `@lexigraph/contracts` (no type coercion, unknown fields refused); any bad one rejects the upload with a
 * 400 naming the line (or array index) and the field: `line 3: title: expected string, received number`,
 * `[1]: id: expected string, received undefined`, `line 4: malformed JSON ...`. An upload is stored whole or not at
 * all.
 */
export async function readUpload(req: IncomingMessage, limit: number): Promise<Entity[]> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const lines = type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/jsonlines' || type === 'application/json-lines';
  if (!lines && type !== 'application/json') {
    req.resume();
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `content-type: expected application/json (an array) or application/x-ndjson (JSON Lines), got "${type || 'none'}"`);
  }
  const entities: Entity[] = [];
  const errors: UploadError[] = [];
  let bad = 0;
  const record = (where: { line: number } | { index: number }, value: unknown) => {
    const parsed = parseEntity(value);
    if (parsed.ok) {
      entities.push(parsed.entity);
      return;
    }
    bad++;
    for (const issue of parsed.issues) if (errors.length < SHOWN_ERRORS) errors.push({ ...where, ...issue });
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
    parsed.forEach((v, i) => record({ index: i }, v));
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
        if (errors.length < SHOWN_ERRORS) errors.push({ line: lineNo, path: '', message: `malformed JSON (${(err as Error).message})` });
        return;
      }
      record({ line: lineNo }, value);
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

