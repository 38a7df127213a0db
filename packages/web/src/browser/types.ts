import type { Answer, ParamSpec, QueryParams } from '@lexigraph/core';

/**
 * The HTTP API the page calls, as both servers answer it (the gateway and `lexigraph serve`):
 * - `GET v1/collections` → {@link CollectionList}
 * - `GET v1/collections/:c/params` → {@link ParamView}
 * - `GET v1/collections/:c/profiles` → {@link ProfileList}
 * - `PUT v1/collections/:c/profiles/:name` with `{ params }` → the saved profile
 * - `POST v1/collections/:c/query` with `{ prompt, params, profile? }` → {@link CollectionAnswer}
 * Errors are `{ statusCode, code, message }`.
 */
export interface CollectionList {
  collections: Array<{ collection: string; version: number }>;
}

export interface ParamView {
  collection: string;
  params: ParamSpec[];
  defaults: Partial<QueryParams>;
}

export interface ProfileList {
  collection: string;
  profiles: Record<string, Record<string, string>>;
}

export type CollectionAnswer = Answer & { collection: string; indexVersion: number };

export type { Answer, AnswerResult, ParamSpec, QueryParams, ResultExplanation } from '@lexigraph/core';
