import { AppError, CrawlScope, privateHostsOf, type CollectionConfig, type Entity, type JobData, type JobItem } from '@lexigraph/contracts';
import { buildIndex, type BuildReport } from './build';
import { documentHash } from './distill';
import type { PipelineStore, UpsertCounts } from './ports';
import type { HandlerMap, JobOutcome } from './runner';
import { writeSnapshotChain } from './snapshot';

/** Progress callbacks of the long steps: (done, total); total 0 means "not known yet". */
export interface PipelineProgress {
  build?: (done: number, total: number) => void;
}

export interface PipelineContext {
  store: PipelineStore;
  /** Directory of the cold-start snapshots (`<dataDir>/indexes`). */
  dataDir: string;
  progress?: PipelineProgress;
  /** Whether a stored page is followed by an (debounced) index build (default true). */
  buildAfterIngest?: boolean;
  /** Called after a new index version is published (the indexer announces it to the gateways). */
  onPublished?: (event: { collection: string; version: number; publishedAt: Date }) => void | Promise<void>;
  /** Per-request timeout of page fetches in ms (default 15000). */
  fetchTimeoutMs?: number;
  /** How long robots.txt rules are reused by this handler map, in ms (default 5 minutes). */
  robotsTtlMs?: number;
  /** Index versions (and snapshot files) kept per collection after a publish, counting it (default 3). */
  retainVersions?: number;
  /** Whether full builds also store the SQL-readable tables (default false; see BuildIndexOptions.sqlTables). */
  sqlTables?: boolean;
}

/** What `crawl.fetch` did with its URL. */
export interface CrawlPageResult {
  url: string;
  depth: number;
  /** stored: fetched and upserted; not-modified: a 304 to a conditional request; skipped: not fetched; removed: gone (404/410), its document deleted. */
  status: 'stored' | 'not-modified' | 'skipped' | 'removed';
  /** Why it was skipped or removed (e.g. excluded, robots, http-404, content-type:image/png). */
  reason?: string;
  /** Entities read from the page (0 or 1). */
  entities: number;
  counts: UpsertCounts;
  /** Links handed on as follow-up fetches. */
  links: number;
  /** Links of the page left out, with the reason. */
  skipped: { url: string; reason: string }[];
}

export type IndexBuildResult = Omit<BuildReport, 'index'>;

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const GONE = new Set(['http-404', 'http-410']);
const NO_COUNTS: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };

async function requireCollection(store: PipelineStore, collection: string): Promise<CollectionConfig> {
  const config = await store.getCollection(collection);
  if (!config) throw new AppError('UNKNOWN_COLLECTION', `unknown collection "${collection}"`, { collection });
  return config;
}

/** The scope of a crawl.fetch: its own, else the collection's crawl options around the seeds' origins (or the URL's). */
export function scopeOf(data: JobData<'crawl.fetch'>, config: CollectionConfig): CrawlScope {
  if (data.scope) return data.scope;
  const seeds = config.crawl.seeds.length > 0 ? config.crawl.seeds : [data.url];
  return CrawlScope.parse({
    origins: [...new Set(seeds.map((s) => new URL(s).origin))],
    include: config.crawl.include,
    exclude: config.crawl.exclude,
    maxDepth: config.crawl.maxDepth,
    maxPages: config.crawl.maxPages,
    allowPrivate: config.crawl.allowPrivate,
    allowHosts: privateHostsOf({ ...config.crawl, seeds }),
  });
}

function stringOf(meta: Record<string, unknown>, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The job handlers, keyed by job name, shared by the queue workers and the in-process runner:
 * - `crawl.fetch`: fetches ONE URL of a crawl (scope, robots, redirects and guards of the crawler), sending the
 *   stored copy's ETag / Last-Modified; stores the page's entity keyed by its content hash (an unchanged page
 *   writes nothing), deletes the stored document of a URL that is gone (404 / 410), and returns the follow-up
 *   jobs: a `crawl.fetch` per in-scope link at depth + 1 (a 304 reuses the stored page's links), a
 *   `distill.entity` for the stored document and a (debounced) `index.build`. The seed of a re-crawl run (one with
 *   a runId: a scheduled source) also revisits every stored page of its origins, so pages gone are deleted.
 * - `distill.entity`: re-hashes one stored document and rewrites it when its stored hash is stale.
 * - `index.build`: builds and publishes a new index version atomically (and its snapshot file).
 * - `index.publish`: (re)writes the snapshot file of the latest published version (e.g. after a remote build).
 */
export function createHandlers(ctx: PipelineContext): HandlerMap {
  const { store } = ctx;
  const robotsTtl = ctx.robotsTtlMs ?? 5 * 60_000;
  let robotsCache = new Map<string, Promise<import('@lexigraph/crawler').RobotsRules>>();
  let robotsSince = Date.now();

  // Page jobs come by the hundred per second: their collection's config is read at most once a second.
  const configs = new Map<string, { config: CollectionConfig; at: number }>();
  async function configOf(collection: string): Promise<CollectionConfig> {
    const hit = configs.get(collection);
    if (hit && Date.now() - hit.at < 1000) return hit.config;
    const config = await requireCollection(store, collection);
    configs.set(collection, { config, at: Date.now() });
    return config;
  }

  function buildJobs(collection: string): JobItem[] {
    return ctx.buildAfterIngest === false ? [] : [{ name: 'index.build', data: { collection } }];
  }

  return {
    'crawl.fetch': async (data: JobData<'crawl.fetch'>): Promise<JobOutcome> => {
      const config = await configOf(data.collection);
      const scope = scopeOf(data, config);
      // Loaded on use: readers of a published index never pay for the crawler's HTTP stack.
      const crawler = await import('@lexigraph/crawler');
      if (Date.now() - robotsSince > robotsTtl) {
        robotsCache = new Map();
        robotsSince = Date.now();
      }
      const canonical = crawler.canonicalizeUrl(data.url) ?? data.url;
      const known = await store.getDocument(data.collection, crawler.urlToId(canonical));
      const validators = known
        ? { etag: stringOf(known.fetchMeta, 'etag'), lastModified: stringOf(known.fetchMeta, 'lastModified') }
        : undefined;
      // scope and limits shared by the page fetch and a seed's sitemap reading
      const limits = {
        include: scope.include,
        exclude: scope.exclude,
        maxDepth: scope.maxDepth,
        allowPrivate: scope.allowPrivate,
        allowHosts: scope.allowHosts,
        robotsCache,
        ...(ctx.fetchTimeoutMs ? { timeoutMs: ctx.fetchTimeoutMs } : {}),
      };
      const fetched = await crawler.fetchPage(canonical, {
        ...limits,
        depth: data.depth,
        origins: scope.origins,
        ...(validators && (validators.etag || validators.lastModified) ? { validators } : {}),
      });
      let links = fetched.links;
      const skippedLinks = [...fetched.skippedLinks];
      if (data.depth === 0) {
        // A seed also brings the URLs its origin's sitemaps list (depth 1), as a whole-site crawl does.
        const origin = new URL(fetched.url).origin;
        const sitemaps = await crawler.fetchSitemapLinks([origin], limits);
        const seen = new Set([fetched.url, ...links.map((l) => l.url)]);
        links = [...links, ...sitemaps.links.filter((l) => !seen.has(l.url))];
        skippedLinks.push(...sitemaps.skippedLinks.filter((l) => !seen.has(l.url)));
      }
      const result: CrawlPageResult = {
        url: fetched.url,
        depth: data.depth,
        status: 'skipped',
        entities: 0,
        counts: NO_COUNTS,
        links: 0,
        skipped: skippedLinks.map((s) => ({ url: s.url, reason: s.reason })),
      };
      const next: JobItem[] = [];
      const page = fetched.page;
      if (fetched.skipReason === 'not-modified' && known) {
        result.status = 'not-modified';
        const stored = known.fetchMeta.links;
        links = Array.isArray(stored) && data.depth + 1 <= scope.maxDepth ? stored.filter((u): u is string => typeof u === 'string').map((u) => ({ url: u, depth: data.depth + 1 })) : [];
      } else if (!page) {
        result.reason = fetched.skipReason ?? 'aborted';
        if (known && GONE.has(result.reason) && (await store.removeDocument(data.collection, known.entity.id))) {
          result.status = 'removed';
          next.push(...buildJobs(data.collection));
        }
      } else if (!HTML_TYPES.has(page.contentType)) {
        result.reason = `content-type:${page.contentType}`;
      } else {
        const entity: Entity = crawler.htmlToEntity(page.body, page.url);
        const fetchMeta: Record<string, unknown> = {
          status: page.status,
          contentType: page.contentType,
          bytes: page.bytes,
          fetchedAt: page.fetchedAt,
          depth: data.depth,
          links: links.map((l) => l.url),
          ...(page.etag ? { etag: page.etag } : {}),
          ...(page.lastModified ? { lastModified: page.lastModified } : {}),
        };
        result.counts = await store.upsertDocuments(data.collection, [{ entity, hash: documentHash(entity), fetchMeta }]);
        if (result.counts.tombstoned) {
          // Deleted through the API: a crawl does not bring it back (an upload of its id does).
          result.reason = 'deleted-by-user';
        } else {
          result.status = 'stored';
          result.entities = 1;
          next.push({ name: 'distill.entity', data: { collection: data.collection, documentId: entity.id } });
          next.push(...buildJobs(data.collection));
        }
      }
      result.links = links.length;
      const follow: JobItem[] = links.map((l) => ({
        name: 'crawl.fetch',
        data: {
          collection: data.collection,
          url: l.url,
          depth: l.depth,
          sourceId: data.sourceId,
          ...(data.runId ? { runId: data.runId } : {}),
          scope,
        },
      }));
      // A re-crawl run (a scheduled source) from its seed also revisits every stored page of its origins, at the
      // depth it was found: unchanged ones answer 304, and those gone (404 / 410) are deleted, even when no page
      // links them any more.
      if (data.runId && data.depth === 0) {
        const origins = new Set(scope.origins.map((o) => new URL(o).origin));
        for (const known of await store.listFetched(data.collection)) {
          let origin: string;
          try {
            origin = new URL(known.url).origin;
          } catch {
            continue;
          }
          if (!origins.has(origin) || known.url === fetched.url) continue;
          const d = known.fetchMeta.depth;
          const depth = typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= scope.maxDepth ? d : 1;
          follow.push({ name: 'crawl.fetch', data: { collection: data.collection, url: known.url, depth, sourceId: data.sourceId, runId: data.runId, scope } });
        }
      }
      return { result, next: [...follow, ...next] };
    },
    'distill.entity': async (data: JobData<'distill.entity'>): Promise<JobOutcome> => {
      await configOf(data.collection);
      const doc = await store.getDocument(data.collection, data.documentId);
      // Deleted since its page was stored (through the API, or its page is gone): nothing left to distill.
      if (!doc) return { result: { changed: false, deleted: true } };
      const hash = documentHash(doc.entity);
      if (doc.hash === hash) return { result: { changed: false } };
      await store.upsertDocuments(data.collection, [{ entity: doc.entity, hash, fetchMeta: doc.fetchMeta }]);
      return { result: { changed: true } };
    },
    'index.build': async (data: JobData<'index.build'>): Promise<JobOutcome> => {
      await requireCollection(store, data.collection);
      const { index: _index, ...report } = await buildIndex(store, ctx.dataDir, data.collection, {
        onProgress: ctx.progress?.build,
        ...(ctx.retainVersions === undefined ? {} : { retainVersions: ctx.retainVersions }),
        ...(ctx.sqlTables ? { sqlTables: true } : {}),
      });
      await ctx.onPublished?.({ collection: data.collection, version: report.version, publishedAt: new Date(report.manifest.publishedAt) });
      const result: IndexBuildResult = report;
      return { result };
    },
    'index.publish': async (data: JobData<'index.publish'>): Promise<JobOutcome> => {
      const published = await store.latestPublished(data.collection);
      if (!published) {
        throw new AppError('NO_INDEX', `collection "${data.collection}" has no published index (version ${data.versionId})`, data);
      }
      const defaults = (await store.getCollection(data.collection))?.defaults;
      const manifest = await writeSnapshotChain(ctx.dataDir, data.collection, published, ctx.retainVersions, defaults);
      return { result: manifest };
    },
  };
}
