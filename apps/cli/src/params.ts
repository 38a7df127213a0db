import { AppError } from '@lexigraph/contracts';
import { parseParams, type QueryParams } from '@lexigraph/core';
import { loadProfile } from '@lexigraph/pipeline';

// Profiles are shared with the gateway: they live in the pipeline package.
export { BUILTIN_PROFILES, loadProfile, profilesPath, readProfileFile, saveProfile } from '@lexigraph/pipeline';
export type { ProfileFile, ProfileValues } from '@lexigraph/pipeline';

/** Splits repeated `key=value` options; a pair without `=` is an error naming it. */
export function pairsToRecord(pairs: readonly string[]): Record<string, string> {
  // No prototype: `--param __proto__=1` is an own key the parser reports as unknown, not a prototype write.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AppError('BAD_PARAM_VALUE', `--param "${pair}" must look like key=value`, { param: pair });
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Query parameters from an optional profile (of `collection` when given, see {@link loadProfile}) and `--param`
 * pairs, validated by the engine (names a bad key).
 */
export async function resolveParams(
  dataDir: string,
  pairs: readonly string[],
  profile?: string,
  collection?: string,
): Promise<Partial<QueryParams>> {
  const base = profile ? await loadProfile(dataDir, profile, collection) : {};
  return parseParams({ ...base, ...pairsToRecord(pairs) });
}
