import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import type { Answer } from '@lexigraph/core';
import { loadIndex } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { formatAnswer } from '../format';
import { println } from '../io';
import { resolveParams } from '../params';

export interface AskOptions {
  collection: string;
  json?: boolean;
  param: string[];
  profile?: string;
  batch?: string;
}

/** The JSON shape of one answer on stdout: the engine's answer plus the index version that produced it. */
function toJson(answer: Answer, version: number): string {
  return JSON.stringify({ ...answer, indexVersion: version });
}

/**
 * `ask`: answers one prompt, or every line of `--batch FILE` in order (one JSON answer per line with --json).
 * Parameters are validated before the index is loaded; the index comes from the snapshot file when present, so a
 * cold process never boots the database.
 */
export async function askCommand(ctx: CliContext, prompt: string | undefined, opts: AskOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  if (opts.batch && prompt) throw usage('give either a prompt or --batch FILE, not both');
  if (!opts.batch && (!prompt || prompt.trim() === '')) throw usage('missing prompt: lexigraph ask --collection NAME "your question"');
  const params = await resolveParams(ctx.dataDir, opts.param, opts.profile, collection);
  let prompts: string[];
  if (opts.batch) {
    const file = path.resolve(ctx.io.cwd, opts.batch);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw usage(`cannot read --batch file ${opts.batch}: ${(err as Error).message}`);
    }
    prompts = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  } else {
    prompts = [prompt as string];
  }
  const { index, version } = await loadIndex({ dataDir: ctx.dataDir, collection, openStore: () => ctx.storeFor(collection) });
  const { stdout } = ctx.io;
  for (const p of prompts) {
    const answer = index.ask(p, params);
    if (opts.json) println(stdout, toJson(answer, version));
    else {
      println(stdout, formatAnswer(answer));
      if (prompts.length > 1) println(stdout, '');
    }
  }
  return 0;
}
