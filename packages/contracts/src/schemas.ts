import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { AppError } from './errors';
import { compileUserPattern } from './patterns';

/** A collection name: lowercase letters, digits, `-`, `_`, `.`; 1..64 characters, starting with a letter or digit. */
export const CollectionName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'collection names use a-z, 0-9, ".", "_" and "-" (max 64), e.g. "pg15-docs"');
export type CollectionName = z.infer<typeof CollectionName>;

/**
 * A regular expression source that RE2 can run ({@link compileUserPattern}): linear-time matching, so no
 * backreferences or lookaround.
 */
export const RegexSource = z.string().superRefine((source, ctx) => {
  try {
    compileUserPattern(source);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression for RE2, the linear-time engine user patterns run on (no backreferences or lookaround): ${(err as Error).message}`,
    });
  }
});

/**
 * A private host or range a crawl may reach: a host name (`wiki.corp`), an IP address (`10.0.0.5`, `::1`) or a
 * CIDR range (`10.0.0.0/8`, `fd00::/8`).
 */
export const AllowedHost = z
  .string()
  .trim()
  .toLowerCase()
  .refine(
    (h) => (h.includes('/') ? ipaddr.isValidCIDR(h) : ipaddr.isValid(h) || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(h)),
    'must be a host name, an IP address or a CIDR range (e.g. "wiki.corp", "10.0.0.5", "10.0.0.0/8")',
  );

/** Private hosts a crawl may reach: `allowHosts`, plus the seeds' hosts when `allowPrivate` is set. */
export function privateHostsOf(crawl: { seeds: readonly string[]; allowPrivate?: boolean; allowHosts?: readonly string[] }): string[] {
  const hosts = new Set(crawl.allowHosts ?? []);
  if (crawl.allowPrivate) for (const seed of crawl.seeds) hosts.add(new URL(seed).hostname);
  return [...hosts];
}

/** Input formats the readers understand. */
export const SourceFormat = z.enum(['html', 'markdown', 'jsonl', 'beir', 'xllm']);
export type SourceFormat = z.infer<typeof SourceFormat>;

/**
 * Crawl options of a collection. Defaults: no include filter (everything in scope of the seeds), no exclude,
 * maxDepth 8 links from a seed, maxPages 5000, allowPrivate false (private and loopback addresses refused; true
 * lets the seeds' hosts be private), allowHosts none (private hosts, addresses or CIDR ranges also reachable).
 */
export const CrawlConfig = z.object({
  seeds: z.array(z.string().url()).default([]),
  include: z.array(RegexSource).default([]),
  exclude: z.array(RegexSource).default([]),
  maxDepth: z.number().int().min(0).max(100).default(8),
  maxPages: z.number().int().min(1).max(10_000_000).default(5000),
  allowPrivate: z.boolean().default(false),
  allowHosts: z.array(AllowedHost).max(100).default([]),
  format: SourceFormat.optional(),
});
export type CrawlConfig = z.infer<typeof CrawlConfig>;

/**
 * Query parameters as the frontend gives them: name -> value, numbers and booleans taken as their strings. The
 * engine's parameter parser checks names and values (`parseParamLayer` of the pipeline), for a query's `params`
 * as for a collection's `defaults`.
 */
export const ParamValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** The configuration stored with a collection. */
export const CollectionConfig = z.object({
  name: CollectionName,
  crawl: CrawlConfig.default(() => CrawlConfig.parse({})),
  /** Query parameter defaults of the collection, checked like a query's `params` when written. */
  defaults: ParamValues.default({}),
});
export type CollectionConfig = z.infer<typeof CollectionConfig>;

// ---- jobs -------------------------------------------------------------------------------------------------

/**
 * The scope of one crawl, carried by each of its `crawl.fetch` jobs: the seeds' origins (links to other origins
 * are refused), include / exclude regexes, link depth and page limits, private addresses.
 */
export const CrawlScope = z.object({
  origins: z.array(z.string().url()).default([]),
  include: z.array(RegexSource).default([]),
  exclude: z.array(RegexSource).default([]),
  maxDepth: z.number().int().min(0).max(100).default(8),
  maxPages: z.number().int().min(1).max(10_000_000).default(5000),
  allowPrivate: z.boolean().default(false),
  /** Private hosts and ranges the crawl may reach (the seeds' hosts when `allowPrivate` was asked for). */
  allowHosts: z.array(AllowedHost).max(200).default([]),
});
export type CrawlScope = z.infer<typeof CrawlScope>;

/**
 * One URL of a crawl. `runId` names the crawl run (a URL is fetched once per run; defaults to `sourceId`);
 * `scope` defaults to the collection's crawl options.
 */
export const CrawlFetchData = z.object({
  collection: CollectionName,
  url: z.string().url(),
  depth: z.number().int().min(0),
  sourceId: z.string().min(1),
  runId: z.string().min(1).max(200).optional(),
  scope: CrawlScope.optional(),
});
export const DistillEntityData = z.object({ collection: CollectionName, documentId: z.string().min(1) });
export const IndexBuildData = z.object({ collection: CollectionName });
export const IndexPublishData = z.object({ collection: CollectionName, versionId: z.union([z.string().min(1), z.number().int()]) });

/** Every job as a `{ name, data }` pair; the name is a stable dotted string. */
export const JobItem = z.discriminatedUnion('name', [
  z.object({ name: z.literal('crawl.fetch'), data: CrawlFetchData }),
  z.object({ name: z.literal('distill.entity'), data: DistillEntityData }),
  z.object({ name: z.literal('index.build'), data: IndexBuildData }),
  z.object({ name: z.literal('index.publish'), data: IndexPublishData }),
]);
export type JobItem = z.infer<typeof JobItem>;
export type JobName = JobItem['name'];
export type JobData<N extends JobName> = Extract<JobItem, { name: N }>['data'];
export const JOB_NAMES: readonly JobName[] = ['crawl.fetch', 'distill.entity', 'index.build', 'index.publish'];

// ---- ingest API bodies -------------------------------------------------------------------------------------

/** `POST /v1/collections`: a name, optional crawl defaults and query parameter defaults. */
export const CreateCollectionBody = CollectionConfig;
export type CreateCollectionBody = z.infer<typeof CreateCollectionBody>;

/** A refresh schedule: a positive interval in ms (at least a second) or a 5-field cron expression. */
export const SourceSchedule = z.union([
  z.object({ everyMs: z.number().int().min(1000).max(366 * 24 * 3600 * 1000) }).strict(),
  z
    .object({
      cron: z
        .string()
        .regex(/^\s*(\S+\s+){4}\S+\s*$/, 'cron must have 5 fields (minute hour day-of-month month day-of-week)'),
    })
    .strict(),
]);
export type SourceSchedule = z.infer<typeof SourceSchedule>;

/** `POST /v1/collections/:c/sources`: a crawl from seeds (http or https URLs), scope, limits and a schedule. */
export const SourceBody = z
  .object({
    seeds: z
      .array(
        z
          .string()
          .url()
          .refine((u) => /^https?:\/\//i.test(u), 'seeds must be http or https URLs'),
      )
      .min(1, 'at least one seed URL'),
    include: z.array(RegexSource).default([]),
    exclude: z.array(RegexSource).default([]),
    maxDepth: z.number().int().min(0).max(100).default(8),
    maxPages: z.number().int().min(1).max(10_000_000).default(5000),
    /** Let the seeds' hosts be private or loopback addresses. */
    allowPrivate: z.boolean().default(false),
    /** Private hosts, addresses or CIDR ranges the crawl may reach besides the seeds' hosts. */
    allowHosts: z.array(AllowedHost).max(100).default([]),
    schedule: SourceSchedule.optional(),
  })
  .strict();
export type SourceBody = z.infer<typeof SourceBody>;

// ---- queries ----------------------------------------------------------------------------------------------

/**
 * The query body of the CLI and the gateway: the prompt (1..2000 characters, not blank) and frontend parameters
 * as strings (validated by the engine's parseParams, which names an unknown key), plus an optional saved profile.
 */
export const QueryBody = z.object({
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(2000),
  params: ParamValues.default({}),
  profile: z.string().min(1).optional(),
});
export type QueryBody = z.infer<typeof QueryBody>;

/** A saved parameter profile's name: letters, digits, ".", "_" and "-" (max 64), e.g. "tuned". */
export const ProfileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'profile names use letters, digits, ".", "_" and "-" (max 64), e.g. "tuned"');
export type ProfileName = z.infer<typeof ProfileName>;

/** The body that saves a profile of a collection: its parameters as strings (validated by the engine's contract). */
export const SaveProfileBody = z.object({ params: ParamValues }).strict();
export type SaveProfileBody = z.infer<typeof SaveProfileBody>;

/** One bad field of a zod error: its dotted path (`links.0.url`, "" for the value itself) and what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * The bad fields of a zod error. A wrong type reads `expected string, received number`; each unknown key of a strict
 * object is its own issue, at its own path (`links.0.colour`: `unknown field`).
 */
export function listIssues(error: z.ZodError): FieldIssue[] {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.');
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: at([...issue.path, key]), message: 'unknown field' }));
    const message = issue.code === 'invalid_type' ? issue.message.replace(/^Invalid input: /, '') : issue.message;
    return [{ path: at(issue.path), message }];
  });
}

/** Formats a zod error as one line naming each bad field: `crawl.maxDepth: Too small ...; name: ...`. */
export function describeIssues(error: z.ZodError): string {
  return listIssues(error)
    .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Parses `value` with `schema`, or throws AppError('VALIDATION') naming `what` and every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError('VALIDATION', `invalid ${what}: ${describeIssues(result.error)}`, { issues: listIssues(result.error) });
  }
  return result.data;
}

/** Validates a job item read from a queue (a trust boundary). Unknown names fail with code UNKNOWN_JOB. */
export function parseJob(value: unknown): JobItem {
  const name = (value as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || !(JOB_NAMES as readonly string[]).includes(name)) {
    throw new AppError('UNKNOWN_JOB', `unknown job name ${JSON.stringify(name)}; expected one of ${JOB_NAMES.join(', ')}`);
  }
  return parseOrThrow(JobItem, value, `payload of job ${name}`);
}
