import fastJson from 'fast-json-stringify';
import type { CollectionAnswer } from '@lexigraph/pipeline';

/** The gateway's answer: the engine's answer plus the collection and the index version that produced it. */
export type GatewayAnswer = CollectionAnswer;

type Schema = Record<string, unknown>;

/**
 * Every object is open (`additionalProperties: true`): a field the engine adds later is still sent (through
 * JSON.stringify, slower) instead of dropped, and the serializer test holds the compiled output to JSON.stringify.
 * Numbers are `number`, never `integer` (which would round).
 */
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});
const str: Schema = { type: 'string' };
const num: Schema = { type: 'number' };
const strings: Schema = { type: 'array', items: str };
const list = (items: Schema): Schema => ({ type: 'array', items });

/**
 * The JSON schema of a gateway answer (`Answer` of `@lexigraph/core` plus `collection` and `indexVersion`), in the
 * order the fields go on the wire: the prompt first, so a cached answer is its text after the prompt (see
 * AnswerText). Also the OpenAPI description of the query route's 200 body.
 */
export const ANSWER_JSON_SCHEMA: Schema = obj(
  {
    prompt: str,
    collection: str,
    indexVersion: num,
    matched: list(obj({ token: str, count: num, weight: num, df: num })),
    results: list(
      obj(
        {
          id: str,
          title: str,
          url: str,
          category: strings,
          tags: strings,
          score: { type: 'number', minimum: 0, maximum: 1 },
          snippets: list(obj({ text: str, start: num, end: num })),
          parent: str,
        },
        ['id', 'title', 'category', 'tags', 'score', 'snippets'],
      ),
    ),
    summary: list(obj({ sentence: str, sourceId: str, start: num, end: num })),
    categories: list(obj({ path: str, score: num })),
    related: list(obj({ token: str, pmi: num, count: num })),
    seeAlso: list(obj({ title: str, url: str })),
    suggestions: strings,
    noAnswer: obj({ reason: str }),
    params: { type: 'object', additionalProperties: true },
    timings: obj({ matchMs: num, rankMs: num, answerMs: num, totalMs: num }),
  },
  ['prompt', 'collection', 'indexVersion', 'matched', 'results', 'summary', 'categories', 'related', 'seeAlso', 'suggestions', 'params', 'timings'],
);

/** The schema without the prompt: what a cache keeps of an answer (the prompt as asked is put back per request). */
const TAIL_SCHEMA: Schema = (() => {
  const { prompt: _prompt, ...properties } = ANSWER_JSON_SCHEMA.properties as Record<string, Schema>;
  return { ...ANSWER_JSON_SCHEMA, properties, required: (ANSWER_JSON_SCHEMA.required as string[]).filter((f) => f !== 'prompt') };
})();

const stringifyTail = fastJson(TAIL_SCHEMA as unknown as Parameters<typeof fastJson>[0]) as (value: unknown) => string;

/** `{"prompt":` as bytes: every answer on the wire starts with it. */
const PROMPT_OPEN = Buffer.from('{"prompt":');

/**
 * An answer as UTF-8 JSON bytes, split at its prompt: `tail` is everything after `{"prompt":"…"`, so the bytes of
 * the same answer to another prompt (a paraphrase with the same standard form) are `withPrompt(prompt)`: the prompt
 * written in front of the kept bytes, with no serializing and no encoding of the answer again. Compiled once from
 * ANSWER_JSON_SCHEMA (fast-json-stringify).
 */
export class AnswerText {
  constructor(
    /** `,"collection":…}`: the UTF-8 JSON text of the answer's fields after the prompt, closing brace included. */
    readonly tail: Buffer,
    /** Whether the answer found anything (for the answered / no-answer metrics). */
    readonly answered: boolean,
  ) {}

  static of(answer: GatewayAnswer): AnswerText {
    const { prompt: _prompt, ...rest } = answer;
    const json = stringifyTail(rest);
    // json is `{…}`; after the prompt it continues with a comma, or closes when nothing follows
    return new AnswerText(Buffer.from(json.length > 2 ? `,${json.slice(1)}` : '}'), !answer.noAnswer && answer.results.length > 0);
  }

  /** The whole answer's UTF-8 JSON bytes for `prompt`. */
  withPrompt(prompt: string): Buffer {
    const quoted = JSON.stringify(prompt);
    const out = Buffer.allocUnsafe(PROMPT_OPEN.length + Buffer.byteLength(quoted) + this.tail.length);
    PROMPT_OPEN.copy(out, 0);
    const at = PROMPT_OPEN.length + out.write(quoted, PROMPT_OPEN.length);
    this.tail.copy(out, at);
    return out;
  }

  /** Bytes of the kept text. */
  get length(): number {
    return this.tail.length;
  }
}
