import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AppError } from '@lexigraph/contracts';
import { parseParams, type QueryParams } from '@lexigraph/core';

/**
 * Built-in parameter profiles (`--profile NAME`); a profile file `<data>/profiles.json` ({ name: { key: value } })
 * may add or override them. `--param` values given on the command line win over the profile.
 */
export const BUILTIN_PROFILES: Record<string, Record<string, string>> = {
  default: {},
  /** Follow associations: expand the prompt with x-embeddings. */
  broad: { expand: 'true' },
  /** Only what the prompt says, more results. */
  precise: { expand: 'false', k: '20' },
};

/** Splits repeated `key=value` options; a pair without `=` is an error naming it. */
export function pairsToRecord(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AppError('BAD_PARAM_VALUE', `--param "${pair}" must look like key=value`, { param: pair });
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

async function loadProfile(dataDir: string, name: string): Promise<Record<string, string>> {
  let fileProfiles: Record<string, Record<string, string>> = {};
  try {
    fileProfiles = JSON.parse(await fs.readFile(path.join(dataDir, 'profiles.json'), 'utf8')) as typeof fileProfiles;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const profile = fileProfiles[name] ?? BUILTIN_PROFILES[name];
  if (!profile) {
    const known = [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(fileProfiles)])].join(', ');
    throw new AppError('VALIDATION', `unknown profile "${name}" (known: ${known})`, { profile: name });
  }
  return Object.fromEntries(Object.entries(profile).map(([k, v]) => [k, String(v)]));
}

/** Query parameters from an optional profile and `--param` pairs, validated by the engine (names a bad key). */
export async function resolveParams(dataDir: string, pairs: readonly string[], profile?: string): Promise<Partial<QueryParams>> {
  const base = profile ? await loadProfile(dataDir, profile) : {};
  return parseParams({ ...base, ...pairsToRecord(pairs) });
}
