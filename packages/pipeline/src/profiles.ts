import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AppError, ProfileName, SaveProfileBody, parseOrThrow } from '@lexigraph/contracts';
import { parseParamLayer } from './param-layer';

/**
 * Built-in parameter profiles (`--profile NAME` of the CLI, `profile` of a gateway query), valid for every
 * collection. The profile file `<data>/profiles.json` may add or override them (see {@link ProfileFile}). Values
 * given with the query (`--param`, `params`) win over the profile.
 */
export const BUILTIN_PROFILES: Record<string, Record<string, string>> = {
  default: {},
  /** Follow associations: expand the prompt with x-embeddings. */
  broad: { expand: 'true' },
  /** Only what the prompt says, more results. */
  precise: { expand: 'false', k: '20' },
};

/** One profile: parameter name → value (strings as on the command line; numbers and booleans are accepted). */
export type ProfileValues = Record<string, string | number | boolean>;

/**
 * The shape of `<data>/profiles.json`:
 * ```json
 * { "short": { "k": "2" },
 *   "collections": { "scifact": { "tuned": { "k1": "0.9", "bBody": "0.7" } } } }
 * ```
 * Top-level entries other than `collections` are profiles of every collection (the original format, still read).
 * `collections.<collection>.<name>` is a profile of one collection (what `lexigraph tune --save-profile` writes);
 * for that collection it wins over a global profile or a built-in one of the same name.
 */
export interface ProfileFile {
  collections?: Record<string, Record<string, ProfileValues>>;
  [name: string]: ProfileValues | Record<string, Record<string, ProfileValues>> | undefined;
}

const COLLECTIONS_KEY = 'collections';

export function profilesPath(dataDir: string): string {
  return path.join(dataDir, 'profiles.json');
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads `<data>/profiles.json`; an absent file (or no data directory) is an empty one, a malformed one is an error
 * naming the file.
 */
export async function readProfileFile(dataDir: string | undefined): Promise<ProfileFile> {
  if (dataDir === undefined) return {};
  const file = profilesPath(dataDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION', `${file} is not valid JSON (${(err as Error).message})`, { file });
  }
  if (!isObject(parsed)) throw new AppError('VALIDATION', `${file} must hold a JSON object of profiles`, { file });
  const collections = parsed[COLLECTIONS_KEY];
  if (collections !== undefined && !(isObject(collections) && Object.values(collections).every(isObject))) {
    throw new AppError('VALIDATION', `${file}: "collections" must map collection names to { profile: { key: value } }`, { file });
  }
  return parsed as ProfileFile;
}

/** `record[key]` when it is an own entry: a user's name never reaches Object.prototype ("constructor", "__proto__"). */
function ownEntry<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function globalProfiles(file: ProfileFile): Record<string, ProfileValues> {
  const out: Record<string, ProfileValues> = {};
  for (const [name, value] of Object.entries(file)) {
    if (name !== COLLECTIONS_KEY && isObject(value)) out[name] = value as ProfileValues;
  }
  return out;
}

/**
 * The values of profile `name` for `collection`: the collection's own profile, else a global profile of the file,
 * else a built-in one. Throws AppError VALIDATION listing the known names when there is none.
 */
export async function loadProfile(dataDir: string | undefined, name: string, collection?: string): Promise<Record<string, string>> {
  const file = await readProfileFile(dataDir);
  const own = collection ? ownEntry(file.collections, collection) : undefined;
  const global = globalProfiles(file);
  const profile = ownEntry(own, name) ?? ownEntry(global, name) ?? ownEntry(BUILTIN_PROFILES, name);
  if (!profile) {
    const known = [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(global), ...Object.keys(own ?? {})])].join(', ');
    const where = collection ? ` for collection "${collection}"` : '';
    throw new AppError('VALIDATION', `unknown profile "${name}"${where} (known: ${known})`, { profile: name });
  }
  return Object.fromEntries(Object.entries(profile).map(([k, v]) => [k, String(v)]));
}

/**
 * Every profile `collection` may use, by name, with its values as strings: the built-in ones, then the file's global
 * ones, then the collection's own (each wins over the one before, as {@link loadProfile} chooses).
 */
export async function listProfiles(dataDir: string | undefined, collection: string): Promise<Record<string, Record<string, string>>> {
  const file = await readProfileFile(dataDir);
  // A Map, then fromEntries: a name read from the file ("__proto__") becomes an own entry, never a prototype.
  const out = new Map<string, Record<string, string>>();
  for (const layer of [BUILTIN_PROFILES, globalProfiles(file), ownEntry(file.collections, collection) ?? {}]) {
    for (const [name, values] of Object.entries(layer)) {
      if (isObject(values)) out.set(name, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])));
    }
  }
  return Object.fromEntries(out);
}

/**
 * Saves `values` as profile `name` of `collection` in `<data>/profiles.json`, keeping every other entry; the values
 * are validated first (an unknown key or a bad value throws). The file is replaced atomically.
 */
export async function saveProfile(dataDir: string, collection: string, name: string, values: Record<string, string>): Promise<string> {
  parseParamLayer(values, `profile ${name}`);
  const file = await readProfileFile(dataDir);
  const collections = { ...(file.collections ?? {}) };
  collections[collection] = { ...(ownEntry(collections, collection) ?? {}), [name]: { ...values } };
  const next: ProfileFile = { ...file, [COLLECTIONS_KEY]: collections };
  const target = profilesPath(dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
  await fs.rename(tmp, target);
  return target;
}

/** A profile as the HTTP API saved it. */
export interface SavedProfile {
  collection: string;
  name: string;
  values: Record<string, string>;
}

/**
 * Saves a profile from an HTTP request (`PUT /v1/collections/:c/profiles/:name` of the gateway and of
 * `lexigraph serve`): the name and the body (`{ params }`) are validated, then {@link saveProfile}. A reader without a
 * data directory has nowhere to keep profiles: that is an AppError VALIDATION saying so.
 */
export async function saveProfileRequest(dataDir: string | undefined, collection: string, name: unknown, body: unknown): Promise<SavedProfile> {
  const profile = parseOrThrow(ProfileName, name, 'profile name');
  const { params } = parseOrThrow(SaveProfileBody, body ?? {}, 'profile body');
  if (dataDir === undefined) {
    throw new AppError('VALIDATION', 'profile: this server has no data directory to save profiles in (set LEXIGRAPH_DATA)', { field: 'profile' });
  }
  try {
    await saveProfile(dataDir, collection, profile, params);
  } catch (err) {
    if (AppError.is(err)) throw new AppError(err.code, `profile: ${err.message}`, { ...err.details, field: 'profile' });
    throw err;
  }
  return { collection, name: profile, values: params };
}

/**
 * The profile loader of readers (the CLI's `ask`, the gateway): built-in profiles, then `<dataDir>/profiles.json`
 * (global and per collection). An unknown or unreadable profile is an AppError naming the field `profile`.
 */
export function profileLoader(dataDir: string | undefined): (collection: string, name: string) => Promise<Record<string, string>> {
  return async (collection, name) => {
    try {
      return await loadProfile(dataDir, name, collection);
    } catch (err) {
      if (AppError.is(err)) throw new AppError(err.code, `profile: ${err.message}`, { ...err.details, field: 'profile' });
      throw err;
    }
  };
}
