import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CollectionName, parseOrThrow } from '@lexigraph/contracts';
import type { Caller } from '@lexigraph/core';
import { answerResolved, loadIndex, profileLoader, resolveQuery, type CollectionAnswer, type ServedCollection } from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { formatAnswer } from '../format';
import { println } from '../io';
import { pairsToRecord, resolveParams } from '../params';

export interface AskOptions {
  collection: string;
  json?: boolean;
  param: string[];
  profile?: string;
  batch?: string;
  /** Comma-separated ACL groups of the caller (`--acl-groups`); absent: the caller sees every document. */
  aclGroups?: string;
}

/** The caller of `--acl-groups a,b`: those groups (blank items dropped); without the option, one who sees everything. */
export function callerOf(aclGroups: string | undefined): Caller {
  if (aclGroups === undefined) return {};
  return { aclGroups: aclGroups.split(',').map((g) => g.trim()).filter(Boolean) };
}

/** The JSON shape of one answer on stdout: the gateway's (the engine's answer, the collection, the index version). */
function toJson(answer: CollectionAnswer): string {
  return JSON.stringify(answer);
}

/**
 * `ask`: answers one prompt, or every line of `--batch FILE` in order (one JSON answer per line with --json).
 * Parameters are validated before the index is loaded; the index comes from the snapshot file when present, so a
 * cold process never boots the database. Each prompt is answered through the read-and-answer service the gateway
 * uses (the query contract, then the collection's stored defaults < `--profile` < `--param`), so both give the same
 * answer to the same prompt on the same index version. With `--acl-groups a,b` the answer is the one a caller in
 * those groups gets: nothing from a document whose acl names none of them.
 */
export async function askCommand(ctx: CliContext, prompt: string | undefined, opts: AskOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  if (opts.batch && prompt) throw usage('give either a prompt or --batch FILE, not both');
  if (!opts.batch && (!prompt || prompt.trim() === '')) throw usage('missing prompt: lexigraph ask --collection NAME "your question"');
  // fail fast on a bad parameter or profile, before the index is loaded
  await resolveParams(ctx.dataDir, opts.param, opts.profile, collection);
  const given = pairsToRecord(opts.param);
  const caller = callerOf(opts.aclGroups);
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
  // one prompt: the process exits after it, so the load leaves what the answer reads little of in the file
  const { index, version, defaults } = await loadIndex({ dataDir: ctx.dataDir, collection, openStore: () => ctx.storeFor(collection), oneShot: prompts.length === 1 });
  const served: ServedCollection = { collection, index, version, defaults };
  const profiles = profileLoader(ctx.dataDir);
  const { stdout } = ctx.io;
  for (const p of prompts) {
    const query = await resolveQuery(served, { prompt: p, params: given, ...(opts.profile ? { profile: opts.profile } : {}) }, profiles);
    const answer = answerResolved(served, query, caller);
    if (opts.json) println(stdout, toJson(answer));
    else {
      println(stdout, formatAnswer(answer));
      if (prompts.length > 1) println(stdout, '');
    }
  }
  return 0;
}
