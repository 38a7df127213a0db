import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { CollectionName, CrawlConfig, CrawlScope, SourceFormat, parseOrThrow, privateHostsOf, type CollectionConfig } from '@lexigraph/contracts';
import { canonicalizeUrl } from '@lexigraph/crawler';
import {
  InProcessRunner,
  batchingStore,
  createHandlers,
  distill,
  ingestSource,
  streamSource,
  type CrawlPageResult,
  type DistillReport,
  type IndexBuildResult,
  type IngestReport,
  type JobRecord,
} from '@lexigraph/pipeline';
import type { CliContext } from '../context';
import { println, type Writable } from '../io';
import { createProgress } from '../progress';

export interface IngestOptions {
  collection: string;
  format?: string;
  include: string[];
  exclude: string[];
  allowPrivate?: boolean;
  allowHost?: string[];
  maxPages?: string;
  maxDepth?: string;
  verbose?: boolean;
  /** Show progress (default true). */
  progress?: boolean;
}

/** Skipped URLs listed without --verbose. */
const SKIPPED_SHOWN = 5;

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN; // NaN is rejected by the schema, which names the option
}

/** Prints what an ingest did: counts, bad lines by number, skipped URLs (grouped), distill and build results. */
export function printIngest(
  out: Writable,
  report: Omit<IngestReport, 'entities'> & { entities: number },
  distilled: DistillReport,
  verbose: boolean,
): void {
  const n = report.pages;
  const unit = report.kind === 'url' ? (n === 1 ? 'page fetched' : 'pages fetched') : n === 1 ? 'file read' : 'files read';
  println(out, `${n} ${unit} (${report.format}) -> ${report.entities} entities`);
  if (report.badLines.length) {
    println(out, `${report.badLines.length} bad input line(s) skipped:`);
    for (const bad of report.badLines) println(out, `  line ${bad.line}: ${bad.message}`);
  }
  if (report.duplicates) println(out, `${report.duplicates} repeated record(s) merged by the reader`);
  if (report.skipped.length) {
    const byReason = new Map<string, number>();
    for (const s of report.skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
    const summary = [...byReason.entries()].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
    println(out, `${report.skipped.length} URL(s) skipped: ${summary.join('; ')}`);
    const shown = verbose ? report.skipped : report.skipped.slice(0, SKIPPED_SHOWN);
    for (const s of shown) println(out, `  ${s.url}: ${s.reason}`);
    if (shown.length < report.skipped.length) println(out, `  ... ${report.skipped.length - shown.length} more (--verbose lists all)`);
  }
  const exact = distilled.dropped.filter((d) => d.kind === 'exact').length;
  const near = distilled.dropped.length - exact;
  println(
    out,
    `kept ${distilled.kept} of ${distilled.received} entities (${exact} exact and ${near} near duplicates dropped); ` +
      `stored ${distilled.inserted} new, ${distilled.updated} updated, ${distilled.unchanged} unchanged`,
  );
  if (verbose) for (const d of distilled.dropped) println(out, `  dropped ${d.id}: ${d.kind} duplicate of ${d.duplicateOf}`);
}

/** Prints the published index version and its main figures. */
export function printBuild(out: Writable, built: IndexBuildResult): void {
  const s = built.stats;
  const d = built.delta;
  if (d) {
    println(
      out,
      `index v${built.version} of "${built.collection}" published as a delta on v${d.parentVersion}: ${d.upserts} added or changed, ` +
        `${d.deletes} deleted, ${built.bytes} bytes (publish ${Math.round(built.timings.publishMs)} ms)`,
    );
  } else if (s) {
    println(
      out,
      `index v${built.version} of "${built.collection}" published: ${s.entities} entities, ${s.multiTokens} multi-tokens, ` +
        `${s.pairs} pairs, ${built.bytes} bytes (build ${Math.round(built.timings.buildMs)} ms, publish ${Math.round(built.timings.publishMs)} ms)`,
    );
  }
  if (built.duplicates > 0) println(out, `${built.duplicates} stored document(s) left out as duplicates of another`);
}

/** Page fetches in flight during a CLI crawl. */
const CRAWL_CONCURRENCY = 4;

/** Sums the per-page results of a crawl into the report of a whole ingest (each skipped URL once). */
function crawlReport(pages: CrawlPageResult[], refused: string[]): { ingest: Omit<IngestReport, 'entities'> & { entities: number }; distilled: DistillReport } {
  const skipped = new Map<string, string>();
  const fetched = new Set(pages.filter((p) => p.status !== 'skipped').map((p) => p.url));
  for (const p of pages) {
    if (p.status === 'skipped' && p.reason) skipped.set(p.url, p.reason);
    for (const s of p.skipped) if (!fetched.has(s.url) && !skipped.has(s.url)) skipped.set(s.url, s.reason);
  }
  for (const url of refused) if (!skipped.has(url)) skipped.set(url, 'max-pages');
  const entities = pages.reduce((n, p) => n + p.entities, 0);
  const sum = (k: 'inserted' | 'updated' | 'unchanged') => pages.reduce((n, p) => n + p.counts[k], 0);
  return {
    ingest: {
      kind: 'url',
      format: 'html',
      entities,
      badLines: [],
      skipped: [...skipped.entries()].map(([url, reason]) => ({ url, reason })),
      pages: pages.filter((p) => p.status === 'stored' || p.status === 'not-modified' || p.reason?.startsWith('content-type:')).length,
      duplicates: 0,
    },
    distilled: { received: entities, kept: entities, dropped: [], inserted: sum('inserted'), updated: sum('updated'), unchanged: sum('unchanged') },
  };
}

function resultOf<T>(records: JobRecord[], name: string): T | undefined {
  return records.find((r) => r.job.name === name)?.result as T | undefined;
}

/**
 * `ingest <source>`: crawls a URL (as a `crawl.fetch` job) or reads a file / folder, stores the deduplicated
 * entities, then builds and publishes the index, all through the same job handlers the workers run.
 */
export async function ingestCommand(ctx: CliContext, source: string, opts: IngestOptions): Promise<number> {
  const collection = parseOrThrow(CollectionName, opts.collection, '--collection');
  const format = opts.format === undefined ? undefined : parseOrThrow(SourceFormat, opts.format, '--format');
  const isUrl = /^https?:\/\//i.test(source);
  const crawlInput = {
    seeds: isUrl ? [source] : [],
    include: opts.include,
    exclude: opts.exclude,
    allowPrivate: opts.allowPrivate ?? false,
    allowHosts: opts.allowHost ?? [],
    ...(opts.maxPages !== undefined ? { maxPages: intOption('--max-pages', opts.maxPages) } : {}),
    ...(opts.maxDepth !== undefined ? { maxDepth: intOption('--max-depth', opts.maxDepth) } : {}),
    ...(format ? { format } : {}),
  };
  const crawl = parseOrThrow(CrawlConfig, crawlInput, 'crawl options');
  const store = await ctx.store();
  const previous = await store.getCollection(collection);
  const config: CollectionConfig = { name: collection, crawl, defaults: previous?.defaults ?? {} };
  await store.ensureCollection(collection, config);
  return runIngest(ctx, collection, source, { crawl, verbose: opts.verbose ?? false, progress: opts.progress ?? true });
}

/**
 * Shared by `ingest` and `demo`: reads or crawls (a URL as a `crawl.fetch` job), prints what was read and stored,
 * then builds and publishes through the `index.build` job and prints the new version.
 */
export async function runIngest(
  ctx: CliContext,
  collection: string,
  source: string,
  opts: { crawl: CrawlConfig; verbose: boolean; progress: boolean },
): Promise<number> {
  const out = ctx.io.stdout;
  const store = await ctx.store();
  const crawlBar = createProgress(out, 'crawl', opts.progress);
  const storeBar = createProgress(out, 'store', opts.progress);
  const buildBar = createProgress(out, 'build', opts.progress);
  const refused: string[] = [];
  // One process owns the collection here: page writes are batched instead of one transaction per page.
  const buffered = batchingStore(store);
  const runner = new InProcessRunner(
    createHandlers({
      store: buffered,
      dataDir: ctx.dataDir,
      retainVersions: ctx.retainVersions,
      sqlTables: ctx.sqlTables,
      // The CLI runs the build itself, after printing what the crawl found.
      buildAfterIngest: false,
      progress: { build: (d, t) => buildBar.update(d, t) },
    }),
    {
      concurrency: CRAWL_CONCURRENCY,
      onProgress: (d, t) => crawlBar.update(d, t),
      onRefused: (job) => {
        if (job.name === 'crawl.fetch') refused.push(job.data.url);
      },
    },
  );
  try {
    let ingest: Omit<IngestReport, 'entities'> & { entities: number };
    let distilled: DistillReport;
    if (/^https?:\/\//i.test(source)) {
      const sourceId = createHash('sha256').update(`${collection}\n${source}`).digest('hex').slice(0, 16);
      const seed = canonicalizeUrl(source) ?? source;
      const scope = CrawlScope.parse({
        origins: [new URL(seed).origin],
        include: opts.crawl.include,
        exclude: opts.crawl.exclude,
        maxDepth: opts.crawl.maxDepth,
        maxPages: opts.crawl.maxPages,
        allowPrivate: opts.crawl.allowPrivate,
        allowHosts: privateHostsOf(opts.crawl),
      });
      const records = await runner.run({ name: 'crawl.fetch', data: { collection, url: seed, depth: 0, sourceId, scope } });
      await buffered.flush();
      const pages = records.filter((r) => r.job.name === 'crawl.fetch').map((r) => r.result as CrawlPageResult);
      ({ ingest, distilled } = crawlReport(pages, refused));
    } else {
      const sourceOptions = { source: path.resolve(ctx.io.cwd, source), format: opts.crawl.format };
      const hooks = { onProgress: (d: number, t: number) => crawlBar.update(d, t) };
      // a large JSON Lines file is read and stored batch by batch; anything else is read whole
      const stream = await streamSource(sourceOptions, hooks);
      const report = stream ? null : await ingestSource(sourceOptions, hooks);
      const format = stream ? stream.report.format : (report as IngestReport).format;
      if (!stream) crawlBar.stop();
      if (!opts.crawl.format) {
        // Remember the detected format (stats compares xllm collections with the reference).
        const config = await store.getCollection(collection);
        if (config) await store.ensureCollection(collection, { ...config, crawl: { ...config.crawl, format } });
      }
      const onStored = (d: number, t: number) => storeBar.update(d, t);
      if (stream) {
        distilled = await distill(store, collection, stream.batches, onStored);
        ingest = stream.report;
      } else {
        const read = report as IngestReport;
        distilled = await distill(store, collection, read.entities, onStored);
        ingest = { ...read, entities: read.entities.length };
      }
    }
    crawlBar.stop();
    storeBar.stop();
    printIngest(out, ingest, distilled, opts.verbose);
    const records = await runner.run({ name: 'index.build', data: { collection } });
    buildBar.stop();
    const built = resultOf<IndexBuildResult>(records, 'index.build');
    if (built) printBuild(out, built);
  } finally {
    crawlBar.stop();
    storeBar.stop();
    buildBar.stop();
  }
  return 0;
}
