import { TextDecoder } from 'node:util';
import zlib from 'node:zlib';
import { Agent } from 'undici';
import { compileUserPattern, type UserPattern } from '@lexigraph/contracts';
import { AddressPolicy, guardedLookupFor, PRIVATE_ADDRESS_CODE } from './address-guard';
import { extractLinks } from './html';
import { ALLOW_ALL, DISALLOW_ALL, parseRobots, type RobotsRules } from './robots';
import { parseSitemap } from './sitemap';
import { canonicalizeUrl } from './url';

export interface CrawlOptions {
  /** Start URLs (depth 0). Invalid ones are reported as 'invalid-url'. */
  seeds: string[];
  /**
   * When non-empty, a canonical URL must match one of these (strings are regex sources) or is 'not-included'.
   * Patterns run on RE2 (linear time); one RE2 cannot run (backreferences, lookaround) throws a SyntaxError.
   */
  include?: (string | RegExp)[];
  /** A canonical URL matching any of these is 'excluded'. */
  exclude?: (string | RegExp)[];
  /** Link hops from a seed; deeper URLs are 'max-depth'. Default 20. Sitemap URLs count as depth 1. */
  maxDepth?: number;
  /** Pages to deliver; URLs left in the frontier when it is reached are 'max-pages'. Default 10000. */
  maxPages?: number;
  /** Body bytes read per response before it is cut and reported 'too-large'. Default 5 MiB. */
  maxBytesPerPage?: number;
  /**
   * Body bytes read over the whole crawl (pages, robots.txt, sitemaps); then 'max-total-bytes'. Default 1 GiB.
   * Pages kept stay within it; the bytes read may pass it by the chunk that crossed it, per request in flight.
   */
  maxTotalBytes?: number;
  /** Per request, from connect to the last body byte, in ms. Default 15000. */
  timeoutMs?: number;
  /** Redirect hops per URL. Default 5. */
  maxRedirects?: number;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  /** Minimum spacing between request starts to one host, in ms. Default 0. */
  perHostDelayMs?: number;
  /**
   * Let the seeds' hosts (for fetchPage: the origins' hosts) be private or loopback addresses. Default false.
   * Link-local and cloud-metadata addresses stay refused unless `allowHosts` names them.
   */
  allowPrivate?: boolean;
  /**
   * Private hosts and ranges the crawl may reach besides public addresses: host names, IP addresses or CIDR
   * ranges (see AddressPolicy). Default none. A link or a redirect to a private address outside them is
   * 'private-address'.
   */
  allowHosts?: string[];
  /** Obey robots.txt. Default true. */
  respectRobots?: boolean;
  /** Seed the frontier from the seeds' origins' sitemaps (robots.txt `Sitemap:` lines and /sitemap.xml). Default true. */
  useSitemaps?: boolean;
  /** Default 'LexigraphBot/0.1'; its product token ("lexigraphbot") selects the robots.txt group. */
  userAgent?: string;
  /** Follow links only on the seeds' origins (others are 'off-origin'). Default true. */
  sameOrigin?: boolean;
  /** Aborting stops the crawl: requests in flight and URLs still queued are reported 'aborted'. */
  signal?: AbortSignal;
  /**
   * robots.txt rules per origin, shared between crawls (e.g. the single-page fetches of one worker). Default: a
   * cache of this crawl only.
   */
  robotsCache?: Map<string, Promise<RobotsRules>>;
}

export interface CrawledPage {
  /** Canonical URL of the response (after redirects). */
  url: string;
  status: number;
  /** Media type without parameters, lowercase, e.g. "text/html". */
  contentType: string;
  /** Body decoded with the declared (or sniffed) charset, UTF-8 by default. */
  body: string;
  etag?: string;
  lastModified?: string;
  depth: number;
  /** Body size in bytes as received. */
  bytes: number;
  /** ISO-8601 time the response completed. */
  fetchedAt: string;
}

export interface SkippedUrl {
  url: string;
  /**
   * 'invalid-url', 'excluded', 'not-included', 'off-origin', 'max-depth', 'max-pages', 'max-total-bytes',
   * 'private-address', 'robots', 'too-large', 'timeout', 'aborted', 'redirect-loop', 'too-many-redirects',
   * 'bad-redirect', 'redirect-to-known-url', 'content-type:<type>' ('content-type:none' when absent),
   * 'http-<status>', 'network:<code>', 'sitemap:<reason>' (a sitemap named in robots.txt that failed).
   */
  reason: string;
}

export interface CrawlReport {
  /** Pages delivered to onPage. */
  fetched: number;
  skipped: SkippedUrl[];
  /** Body bytes read, including robots.txt, sitemaps and responses cut or refused mid-body. */
  bytes: number;
  durationMs: number;
}

export interface CrawlHooks {
  /** Called once per fetched page; the crawl awaits it (back-pressure). A throw stops the crawl and rejects it. */
  onPage?(p: CrawledPage): void | Promise<void>;
  /** Called once per URL not fetched. */
  onSkip?(s: SkippedUrl): void;
  onProgress?(p: { fetched: number; queued: number; skipped: number }): void;
}

const PAGE_TYPES = new Set(['text/html', 'application/xhtml+xml', 'text/plain', 'text/markdown']);
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const ROBOTS_MAX_BYTES = 512 * 1024;
const MAX_SITEMAP_FILES = 50;

interface Item {
  url: string;
  depth: number;
}

type FetchOutcome =
  | { kind: 'ok'; status: number; contentType: string; body: Buffer; etag?: string; lastModified?: string }
  | { kind: 'redirect'; location: string | null }
  | { kind: 'fail'; reason: string };

class Stop extends Error {}

/** Include / exclude patterns run on RE2 (linear time in the URL), so a crafted pattern cannot stall the crawl. */
function toMatchers(list: (string | RegExp)[] | undefined): UserPattern[] {
  return (list ?? []).map(compileUserPattern);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function charsetOf(header: string | undefined, body: Buffer, isHtml: boolean): string {
  const m = /charset\s*=\s*"?([\w.:-]+)/i.exec(header ?? '');
  if (m?.[1]) return m[1];
  if (isHtml) {
    // HTML prescan: a <meta charset> or http-equiv Content-Type in the first KiB.
    const head = body.subarray(0, 1024).toString('latin1');
    const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
    if (meta?.[1]) return meta[1];
  }
  return 'utf-8';
}

function decode(body: Buffer, charset: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(body);
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (code === PRIVATE_ADDRESS_CODE) return 'private-address';
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    e = (e as { cause?: unknown }).cause;
  }
  if (err instanceof Error) return err.name;
  return 'unknown';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Crawler {
  private readonly maxDepth: number;
  private readonly maxPages: number;
  private readonly maxBytesPerPage: number;
  private readonly maxTotalBytes: number;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly concurrency: number;
  private readonly perHostDelayMs: number;
  private readonly allowPrivate: boolean;
  /** Which private addresses this crawl may reach; set once the seeds' origins are known. */
  private policy: AddressPolicy;
  private readonly respectRobots: boolean;
  private readonly useSitemaps: boolean;
  private readonly userAgent: string;
  private readonly sameOrigin: boolean;
  private readonly include: UserPattern[];
  private readonly exclude: UserPattern[];
  private readonly agent: Agent;

  private readonly seen = new Set<string>();
  private readonly seedOrigins = new Set<string>();
  private readonly robots: Map<string, Promise<RobotsRules>>;
  /** Validators sent with the request for this URL (single-page fetch): a 304 answer is 'not-modified'. */
  private conditional: { url: string; etag?: string; lastModified?: string } | null = null;
  private readonly hostNext = new Map<string, number>();
  private readonly queue: Item[] = [];
  private head = 0;
  private active = 0;
  private fetched = 0;
  private totalBytes = 0;
  private readonly skipped: SkippedUrl[] = [];
  private stopped = false;
  private fatal: unknown = null;
  private finish: (() => void) | null = null;

  constructor(
    private readonly opts: CrawlOptions,
    private readonly hooks: CrawlHooks,
  ) {
    this.maxDepth = opts.maxDepth ?? 20;
    this.maxPages = opts.maxPages ?? 10000;
    this.maxBytesPerPage = opts.maxBytesPerPage ?? 5 * 1024 * 1024;
    this.maxTotalBytes = opts.maxTotalBytes ?? 1024 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 15000;
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.perHostDelayMs = Math.max(0, opts.perHostDelayMs ?? 0);
    this.allowPrivate = opts.allowPrivate ?? false;
    this.policy = new AddressPolicy(opts.allowHosts ?? []);
    this.respectRobots = opts.respectRobots ?? true;
    this.useSitemaps = opts.useSitemaps ?? true;
    this.userAgent = opts.userAgent ?? 'LexigraphBot/0.1';
    this.sameOrigin = opts.sameOrigin ?? true;
    this.include = toMatchers(opts.include);
    this.exclude = toMatchers(opts.exclude);
    this.robots = opts.robotsCache ?? new Map();
    this.agent = new Agent({
      connect: {
        timeout: this.timeoutMs,
        // read at connect time, so the policy set from the seeds applies to every connection
        lookup: (hostname: string, options: unknown, callback: unknown) =>
          guardedLookupFor(this.policy)(hostname, options as never, callback as never),
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4000,
    });
  }

  async run(): Promise<CrawlReport> {
    const started = Date.now();
    const onAbort = (): void => {
      this.stopped = true;
    };
    this.opts.signal?.addEventListener('abort', onAbort);
    try {
      if (this.opts.signal?.aborted) this.stopped = true;
      const seeds: string[] = [];
      for (const raw of this.opts.seeds) {
        const url = canonicalizeUrl(raw);
        if (!url) {
          this.skip(raw, 'invalid-url');
          continue;
        }
        seeds.push(url);
        this.seedOrigins.add(new URL(url).origin);
      }
      this.setPolicy();
      for (const url of seeds) this.enqueue(url, 0);
      if (this.useSitemaps && !this.stopped) {
        for (const origin of this.seedOrigins) await this.loadSitemaps(origin);
      }
      await new Promise<void>((resolve) => {
        this.finish = resolve;
        this.pump();
      });
    } catch (err) {
      if (!(err instanceof Stop)) this.fatal ??= err;
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
      await this.agent.destroy();
    }
    if (this.fatal) throw this.fatal;
    return { fetched: this.fetched, skipped: this.skipped, bytes: this.totalBytes, durationMs: Date.now() - started };
  }

  /**
   * Fetches one URL at `depth` (scope, robots, redirects and limits as in a crawl) and returns the links of the
   * page that are in scope at depth + 1; out-of-scope links and the URL itself when not fetched go to onSkip.
   */
  async single(raw: string, depth: number, origins: readonly string[], validators?: { etag?: string; lastModified?: string }): Promise<{ url: string; links: { url: string; depth: number }[] }> {
    try {
      const url = canonicalizeUrl(raw);
      if (!url) {
        this.skip(raw, 'invalid-url');
        return { url: raw, links: [] };
      }
      const scope = origins.length > 0 ? origins : [new URL(url).origin];
      for (const origin of scope) {
        try {
          this.seedOrigins.add(new URL(origin).origin);
        } catch {
          // an unparsable origin admits nothing
        }
      }
      this.setPolicy();
      if (validators) this.conditional = { url, ...validators };
      this.enqueue(url, depth);
      const item = this.queue[this.head];
      if (item) {
        this.head++;
        await this.process(item);
      }
      if (this.fatal) throw this.fatal;
      return { url, links: this.queue.slice(this.head).map((i) => ({ url: i.url, depth: i.depth })) };
    } finally {
      await this.agent.destroy();
    }
  }

  /**
   * Reads the sitemaps of `origins` (robots.txt `Sitemap:` lines and /sitemap.xml) and returns the URLs they list
   * that are in scope, at depth 1; out-of-scope ones go to onSkip.
   */
  async sitemapLinks(origins: readonly string[]): Promise<{ url: string; depth: number }[]> {
    try {
      const canonical = origins.map((o) => new URL(o).origin);
      for (const origin of canonical) this.seedOrigins.add(origin);
      this.setPolicy();
      for (const origin of canonical) await this.loadSitemaps(origin);
      if (this.fatal) throw this.fatal;
      return this.queue.slice(this.head).map((i) => ({ url: i.url, depth: i.depth }));
    } finally {
      await this.agent.destroy();
    }
  }

  /** The address policy: `allowHosts`, plus the seeds' (origins') hosts when `allowPrivate`. */
  private setPolicy(): void {
    const hosts = this.allowPrivate ? [...this.seedOrigins].map((o) => new URL(o).hostname) : [];
    this.policy = new AddressPolicy([...(this.opts.allowHosts ?? []), ...hosts]);
  }

  private skip(url: string, reason: string): void {
    const s = { url, reason };
    this.skipped.push(s);
    if (this.hooks.onSkip) {
      try {
        this.hooks.onSkip(s);
      } catch (err) {
        this.fatal ??= err;
        this.stopped = true;
      }
    }
  }

  private scopeReason(url: string, depth: number): string | null {
    if (this.exclude.some((re) => re.test(url))) return 'excluded';
    if (this.include.length > 0 && !this.include.some((re) => re.test(url))) return 'not-included';
    const u = new URL(url);
    // the address first, so a link or redirect out of the allowed hosts is reported as such
    if (!this.policy.allowsLiteral(u.hostname)) return 'private-address';
    if (this.sameOrigin && !this.seedOrigins.has(u.origin)) return 'off-origin';
    if (depth > this.maxDepth) return 'max-depth';
    return null;
  }

  /** Adds a canonical URL to the frontier once; out-of-scope URLs are reported right away. */
  private enqueue(url: string, depth: number): void {
    if (this.seen.has(url)) return;
    this.seen.add(url);
    const reason = this.scopeReason(url, depth);
    if (reason) this.skip(url, reason);
    else this.queue.push({ url, depth });
  }

  private budgetLeft(): boolean {
    return this.totalBytes < this.maxTotalBytes;
  }

  /**
   * Starts tasks while there is room. Invariant: fetched + active <= maxPages, so the page limit is exact;
   * URLs left over once nothing is in flight are drained with the reason that stopped the crawl.
   */
  private pump(): void {
    while (
      !this.stopped &&
      this.active < this.concurrency &&
      this.head < this.queue.length &&
      this.fetched + this.active < this.maxPages &&
      this.budgetLeft()
    ) {
      const item = this.queue[this.head++] as Item;
      this.active++;
      this.process(item)
        .catch((err: unknown) => {
          this.fatal ??= err;
          this.stopped = true;
        })
        .finally(() => {
          this.active--;
          this.progress();
          this.pump();
        });
    }
    if (this.active === 0 && this.finish) {
      const reason = this.stopped
        ? 'aborted'
        : !this.budgetLeft()
          ? 'max-total-bytes'
          : this.fetched >= this.maxPages
            ? 'max-pages'
            : null;
      if (reason === null && this.head < this.queue.length) return;
      while (this.head < this.queue.length) this.skip((this.queue[this.head++] as Item).url, reason ?? 'aborted');
      const done = this.finish;
      this.finish = null;
      done();
    }
  }

  private progress(): void {
    this.hooks.onProgress?.({
      fetched: this.fetched,
      queued: this.queue.length - this.head,
      skipped: this.skipped.length,
    });
  }

  private async hostSlot(host: string): Promise<void> {
    if (this.perHostDelayMs <= 0) return;
    const now = Date.now();
    const start = Math.max(now, this.hostNext.get(host) ?? 0);
    this.hostNext.set(host, start + this.perHostDelayMs);
    if (start > now) await sleep(start - now);
  }

  private robotsFor(origin: string): Promise<RobotsRules> {
    let p = this.robots.get(origin);
    if (!p) {
      p = this.loadRobots(origin);
      this.robots.set(origin, p);
    }
    return p;
  }

  private async loadRobots(origin: string): Promise<RobotsRules> {
    let url = origin + '/robots.txt';
    for (let hop = 0; hop <= this.maxRedirects; hop++) {
      const r = await this.fetchOnce(url, ROBOTS_MAX_BYTES, () => true);
      if (r.kind === 'ok') return parseRobots(decode(r.body, charsetOf(undefined, r.body, false)), this.userAgent);
      if (r.kind === 'redirect') {
        const next = r.location ? canonicalizeUrl(r.location, url) : null;
        if (!next) return ALLOW_ALL;
        url = next;
        continue;
      }
      // RFC 9309: an unavailable robots.txt (4xx) allows all, an unreachable one (5xx, network) disallows all.
      if (r.reason.startsWith('http-4') || r.reason === 'private-address' || r.reason === 'too-large') return ALLOW_ALL;
      if (r.reason === 'aborted') throw new Stop();
      return DISALLOW_ALL;
    }
    return ALLOW_ALL;
  }

  private async loadSitemaps(origin: string): Promise<void> {
    if (!this.policy.allowsLiteral(new URL(origin).hostname)) return;
    const robots = await this.robotsFor(origin);
    const listed = robots.sitemaps.map((s) => canonicalizeUrl(s, origin)).filter((s): s is string => s !== null);
    const pending: { url: string; report: boolean }[] = listed.map((url) => ({ url, report: true }));
    pending.push({ url: origin + '/sitemap.xml', report: false });
    const done = new Set<string>();
    let files = 0;
    while (pending.length > 0 && files < MAX_SITEMAP_FILES && !this.stopped) {
      const next = pending.shift() as { url: string; report: boolean };
      if (done.has(next.url)) continue;
      done.add(next.url);
      const host = new URL(next.url).hostname;
      if (!this.policy.allowsLiteral(host)) continue;
      files++;
      const r = await this.fetchWithRedirects(next.url, Math.min(this.maxBytesPerPage, 50 * 1024 * 1024));
      if (r.kind !== 'ok') {
        if (next.report) this.skip(next.url, 'sitemap:' + r.reason);
        continue;
      }
      let body = r.body;
      if (body[0] === 0x1f && body[1] === 0x8b) {
        try {
          body = zlib.gunzipSync(body, { maxOutputLength: this.maxBytesPerPage });
        } catch {
          if (next.report) this.skip(next.url, 'sitemap:bad-gzip');
          continue;
        }
      }
      const parsed = parseSitemap(body.toString('utf8'));
      for (const child of parsed.sitemaps) {
        const c = canonicalizeUrl(child, next.url);
        if (c) pending.push({ url: c, report: true });
      }
      for (const loc of parsed.urls) {
        const c = canonicalizeUrl(loc, next.url);
        if (c) this.enqueue(c, 1);
      }
    }
  }

  /** Follows redirects without scope checks (for sitemaps), bounded by maxRedirects and loop detection. */
  private async fetchWithRedirects(start: string, maxBytes: number): Promise<Exclude<FetchOutcome, { kind: 'redirect' }>> {
    let url = start;
    const chain = new Set([url]);
    for (let hop = 0; ; hop++) {
      const r = await this.fetchOnce(url, maxBytes, () => true);
      if (r.kind !== 'redirect') return r;
      const next = r.location ? canonicalizeUrl(r.location, url) : null;
      if (!next) return { kind: 'fail', reason: 'bad-redirect' };
      if (chain.has(next)) return { kind: 'fail', reason: 'redirect-loop' };
      if (hop + 1 > this.maxRedirects) return { kind: 'fail', reason: 'too-many-redirects' };
      chain.add(next);
      url = next;
    }
  }

  private async robotsReason(url: string): Promise<string | null> {
    if (!this.respectRobots) return null;
    const u = new URL(url);
    const rules = await this.robotsFor(u.origin);
    return rules.isAllowed(u.pathname + u.search) ? null : 'robots';
  }

  private async process(item: Item): Promise<void> {
    let url = item.url;
    const chain = new Set([url]);
    for (let hop = 0; ; hop++) {
      if (this.stopped) return this.skip(item.url, 'aborted');
      const blocked = await this.robotsReason(url);
      if (blocked) return this.skip(item.url, blocked);
      const remaining = this.maxTotalBytes - this.totalBytes;
      if (remaining <= 0) return this.skip(item.url, 'max-total-bytes');
      const limit = Math.min(this.maxBytesPerPage, remaining);
      const r = await this.fetchOnce(url, limit, (type) => PAGE_TYPES.has(type));
      if (r.kind === 'fail') {
        const reason = r.reason === 'too-large' && limit < this.maxBytesPerPage ? 'max-total-bytes' : r.reason;
        return this.skip(item.url, reason);
      }
      if (r.kind === 'redirect') {
        const next = r.location ? canonicalizeUrl(r.location, url) : null;
        if (!next) return this.skip(item.url, 'bad-redirect');
        if (chain.has(next)) return this.skip(item.url, 'redirect-loop');
        if (hop + 1 > this.maxRedirects) return this.skip(item.url, 'too-many-redirects');
        if (this.seen.has(next)) return this.skip(item.url, 'redirect-to-known-url');
        const reason = this.scopeReason(next, item.depth);
        if (reason) return this.skip(item.url, reason);
        this.seen.add(next);
        chain.add(next);
        url = next;
        continue;
      }
      if (this.stopped) return this.skip(item.url, 'aborted');
      const isHtml = HTML_TYPES.has(r.contentType);
      const page: CrawledPage = {
        url,
        status: r.status,
        contentType: r.contentType,
        body: decode(r.body, charsetOf(undefined, r.body, isHtml)),
        depth: item.depth,
        bytes: r.body.length,
        fetchedAt: new Date().toISOString(),
      };
      if (r.etag) page.etag = r.etag;
      if (r.lastModified) page.lastModified = r.lastModified;
      this.fetched++;
      if (isHtml) for (const link of extractLinks(page.body, url)) this.enqueue(link, item.depth + 1);
      await this.hooks.onPage?.(page);
      return;
    }
  }

  /**
   * One GET without following redirects. The timer covers connect, headers and the whole body; the body is
   * read chunk by chunk and the connection dropped as soon as it passes `maxBytes`.
   */
  private async fetchOnce(url: string, maxBytes: number, acceptType: (type: string) => boolean): Promise<FetchOutcome> {
    const u = new URL(url);
    if (!this.policy.allowsLiteral(u.hostname)) {
      return { kind: 'fail', reason: 'private-address' };
    }
    await this.hostSlot(u.host);
    const validators: Record<string, string> = {};
    if (this.conditional && this.conditional.url === url) {
      if (this.conditional.etag) validators['if-none-match'] = this.conditional.etag;
      if (this.conditional.lastModified) validators['if-modified-since'] = this.conditional.lastModified;
    }
    const timer = new AbortController();
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      timer.abort();
    }, this.timeoutMs);
    const signal = this.opts.signal ? AbortSignal.any([timer.signal, this.opts.signal]) : timer.signal;
    let body: (NodeJS.ReadableStream & { destroy(): void }) | null = null;
    let bodyError: Error | null = null;
    try {
      const res = await this.agent.request({
        origin: u.origin,
        path: u.pathname + u.search,
        method: 'GET',
        headers: {
          'user-agent': this.userAgent,
          accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1',
          'accept-encoding': 'identity',
          ...validators,
        },
        signal,
      });
      body = res.body;
      // Destroying an unfinished undici body emits RequestAbortedError; the outcome is decided here, so the
      // event is only recorded (an 'error' without a listener would crash the process).
      res.body.on('error', (err: Error) => {
        bodyError = err;
      });
      const status = res.statusCode;
      if (status >= 300 && status < 400 && status !== 304) {
        res.body.destroy();
        return { kind: 'redirect', location: headerValue(res.headers.location) ?? null };
      }
      if (status === 304 && Object.keys(validators).length > 0) {
        res.body.destroy();
        return { kind: 'fail', reason: 'not-modified' };
      }
      if (status < 200 || status >= 300) {
        res.body.destroy();
        return { kind: 'fail', reason: `http-${status}` };
      }
      const type = mediaType(headerValue(res.headers['content-type']));
      if (!acceptType(type)) {
        res.body.destroy();
        return { kind: 'fail', reason: `content-type:${type || 'none'}` };
      }
      const declared = Number(headerValue(res.headers['content-length']));
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        return { kind: 'fail', reason: 'too-large' };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        this.totalBytes += buf.length;
        if (size > maxBytes) {
          res.body.destroy();
          return { kind: 'fail', reason: 'too-large' };
        }
        chunks.push(buf);
      }
      const out: FetchOutcome = { kind: 'ok', status, contentType: type, body: Buffer.concat(chunks, size) };
      const etag = headerValue(res.headers.etag);
      const lastModified = headerValue(res.headers['last-modified']);
      if (etag) out.etag = etag;
      if (lastModified) out.lastModified = lastModified;
      return out;
    } catch (err) {
      body?.destroy();
      if (timedOut) return { kind: 'fail', reason: 'timeout' };
      if (this.opts.signal?.aborted) return { kind: 'fail', reason: 'aborted' };
      const code = errorCode(bodyError ?? err);
      if (code === 'private-address') return { kind: 'fail', reason: 'private-address' };
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
        return { kind: 'fail', reason: 'timeout' };
      }
      return { kind: 'fail', reason: `network:${code}` };
    } finally {
      clearTimeout(t);
    }
  }
}

/**
 * Crawls from `opts.seeds` breadth-first and hands each page to `hooks.onPage`. Resolves with a report once the
 * frontier is empty or a limit is reached; every URL discovered but not fetched is reported once (hooks.onSkip
 * and report.skipped) with its reason, and no URL is fetched twice. Rejects only when a hook throws.
 */
export function crawl(opts: CrawlOptions, hooks: CrawlHooks = {}): Promise<CrawlReport> {
  return new Crawler(opts, hooks).run();
}

export interface PageFetchOptions extends Omit<CrawlOptions, 'seeds' | 'maxPages' | 'useSitemaps' | 'concurrency' | 'maxTotalBytes'> {
  /** Link hops from the seed of this page (default 0); links found are at depth + 1. */
  depth?: number;
  /** Origins in scope (with sameOrigin); default the page's own origin. */
  origins?: string[];
  /** Validators of a stored copy: sent as If-None-Match / If-Modified-Since; a 304 answer is `notModified`. */
  validators?: { etag?: string; lastModified?: string };
}

export interface PageFetchResult {
  /** Canonical form of the requested URL. */
  url: string;
  /** The page, when fetched (its url is the canonical URL after redirects). */
  page: CrawledPage | null;
  /** Why the page itself was not fetched ('not-modified' for a 304 to a conditional request). */
  skipReason: string | null;
  /** Links of the page in scope, at depth + 1 (navigation included, nofollow excluded), each once. */
  links: { url: string; depth: number }[];
  /** Links left out, with the reason (excluded, not-included, off-origin, max-depth...). */
  skippedLinks: SkippedUrl[];
}

/**
 * Fetches one page the way `crawl` fetches each page of a crawl (address guard, robots.txt, redirects, content
 * types, size and time limits, canonical URLs) and classifies its links: the unit of work of a distributed crawl,
 * where the frontier lives in a job queue. Never throws for a page it cannot fetch: `skipReason` says why.
 */
export async function fetchPage(url: string, opts: PageFetchOptions = {}): Promise<PageFetchResult> {
  let page: CrawledPage | null = null;
  const skips: SkippedUrl[] = [];
  const crawler = new Crawler(
    { ...opts, seeds: [], useSitemaps: false, maxPages: 1, concurrency: 1 },
    {
      onPage: (p) => {
        page = p;
      },
      onSkip: (s) => {
        skips.push(s);
      },
    },
  );
  const { url: canonical, links } = await crawler.single(url, opts.depth ?? 0, opts.origins ?? [], opts.validators);
  const own = skips.find((s) => s.url === canonical || s.url === url);
  return {
    url: canonical,
    page,
    skipReason: page ? null : (own?.reason ?? 'aborted'),
    links,
    skippedLinks: skips.filter((s) => s !== own),
  };
}

/**
 * The in-scope URLs listed by the sitemaps of `origins` (robots.txt `Sitemap:` lines, then /sitemap.xml), at
 * depth 1, as a crawl seeds its frontier with them; those out of scope are returned with the reason.
 */
export async function fetchSitemapLinks(
  origins: string[],
  opts: Omit<PageFetchOptions, 'depth' | 'origins' | 'validators'> = {},
): Promise<{ links: { url: string; depth: number }[]; skippedLinks: SkippedUrl[] }> {
  const skips: SkippedUrl[] = [];
  const crawler = new Crawler({ ...opts, seeds: [], useSitemaps: true, concurrency: 1 }, { onSkip: (s) => void skips.push(s) });
  const links = await crawler.sitemapLinks(origins);
  return { links, skippedLinks: skips };
}
