import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crawl, type CrawledPage, type SkippedUrl } from '../src/crawl';

interface Site {
  base: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(routes: Record<string, Handler>): Promise<Site> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const h = routes[path] ?? routes[path.split('?')[0] ?? ''];
    if (h) h(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function html(body: string, title = 'Page'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: '"v1"' });
    res.end(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
  };
}

function text(body: string, type: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
}

async function run(opts: Parameters<typeof crawl>[0]) {
  const pages: CrawledPage[] = [];
  const skips: SkippedUrl[] = [];
  const report = await crawl(opts, { onPage: (p) => void pages.push(p), onSkip: (s) => void skips.push(s) });
  return { pages, skips, report };
}

function reasonOf(skips: SkippedUrl[], url: string): string | undefined {
  return skips.find((s) => s.url === url)?.reason;
}

describe('crawl: a well-behaved site', () => {
  let site: Site;
  beforeAll(async () => {
    site = await serve({
      '/robots.txt': text(
        ['User-agent: *', 'Disallow: /private/', 'Allow: /private/open.html', '', 'User-agent: OtherBot', 'Disallow: /', 'Sitemap: /maps/index.xml'].join('\n'),
        'text/plain',
      ),
      '/maps/index.xml': text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/maps/pages.xml</loc></sitemap></sitemapindex>',
        'application/xml',
      ),
      '/maps/pages.xml': text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/orphan.html</loc></url><url><loc>/a.html?utm_source=x#frag</loc></url></urlset>',
        'application/xml',
      ),
      '/': html('<a href="/a.html">A</a> <a href="b.html#top">B</a> <a href="/private/secret.html">S</a> <a href="/private/open.html">O</a> <a href="/skip/me.html">X</a> <a href="https://example.com/out">out</a> <a href="/notes.md">md</a>', 'Home'),
      '/a.html': html('<p>Alpha</p><a href="/deep/1.html">deeper</a><a href="./b.html">B again</a>', 'A'),
      '/b.html': html('<p>Beta</p>', 'B'),
      '/deep/1.html': html('<a href="/deep/2.html">next</a>', 'Deep 1'),
      '/deep/2.html': html('<p>too deep</p>', 'Deep 2'),
      '/private/secret.html': html('<p>secret</p>'),
      '/private/open.html': html('<p>open</p>', 'Open'),
      '/skip/me.html': html('<p>skip</p>'),
      '/orphan.html': html('<p>only in the sitemap</p>', 'Orphan'),
      '/notes.md': text('# Notes\n\nplain markdown', 'text/markdown; charset=utf-8'),
    });
  });
  afterAll(() => site.close());

  it('follows links and sitemaps, obeys robots, include/exclude and depth, and reports every skip', async () => {
    const { pages, skips, report } = await run({
      seeds: [site.base + '/'],
      allowPrivate: true,
      exclude: [/\/skip\//],
      maxDepth: 2,
    });
    const urls = pages.map((p) => p.url).sort();
    const b = site.base;
    expect(urls).toEqual(
      [`${b}/`, `${b}/a.html`, `${b}/b.html`, `${b}/deep/1.html`, `${b}/notes.md`, `${b}/orphan.html`, `${b}/private/open.html`].sort(),
    );
    expect(reasonOf(skips, `${b}/private/secret.html`)).toBe('robots');
    expect(reasonOf(skips, `${b}/skip/me.html`)).toBe('excluded');
    expect(reasonOf(skips, 'https://example.com/out')).toBe('off-origin');
    expect(reasonOf(skips, `${b}/deep/2.html`)).toBe('max-depth');
    expect(site.hits.get('/private/secret.html')).toBeUndefined();
    // Fetched at most once, even though /a.html and /b.html are linked several times and listed in the sitemap.
    for (const [path, n] of site.hits) expect([path, n]).toEqual([path, 1]);
    expect(report.fetched).toBe(pages.length);
    expect(report.skipped).toEqual(skips);
    expect(new Set(skips.map((s) => s.url)).size).toBe(skips.length);
    const home = pages.find((p) => p.url === `${b}/`);
    expect(home).toMatchObject({ status: 200, contentType: 'text/html', depth: 0, etag: '"v1"' });
    expect(home?.body).toContain('<title>Home</title>');
    expect(pages.find((p) => p.url === `${b}/orphan.html`)?.depth).toBe(1);
    expect(pages.find((p) => p.url === `${b}/notes.md`)).toMatchObject({ contentType: 'text/markdown', body: '# Notes\n\nplain markdown' });
    expect(report.bytes).toBeGreaterThanOrEqual(pages.reduce((n, p) => n + p.bytes, 0));
  });

  it('applies include patterns to canonical URLs (strings are regex sources)', async () => {
    const { pages, skips } = await run({ seeds: [site.base + '/'], allowPrivate: true, include: ['/$', 'b\\.html$'], useSitemaps: false });
    expect(pages.map((p) => new URL(p.url).pathname).sort()).toEqual(['/', '/b.html']);
    expect(reasonOf(skips, `${site.base}/a.html`)).toBe('not-included');
  });

  it('uses the group of its own user agent in robots.txt', async () => {
    const { pages, skips } = await run({ seeds: [site.base + '/'], allowPrivate: true, userAgent: 'OtherBot/2.0' });
    expect(pages).toEqual([]);
    expect(reasonOf(skips, `${site.base}/`)).toBe('robots');
  });

  it('ignores robots.txt when respectRobots is false', async () => {
    const { pages } = await run({ seeds: [site.base + '/private/secret.html'], allowPrivate: true, respectRobots: false, useSitemaps: false });
    expect(pages.map((p) => new URL(p.url).pathname)).toEqual(['/private/secret.html']);
  });
});

describe('crawl: a hostile site', () => {
  let site: Site;
  const hanging: http.ServerResponse[] = [];
  beforeAll(async () => {
    const fanout = Array.from({ length: 10000 }, (_, i) => `<a href="/gen/${i}.html">p${i}</a>`).join('');
    const routes: Record<string, Handler> = {
      '/': html(
        '<a href="/loop1">loop</a><a href="/r/0">chain</a><a href="/huge">huge</a><a href="/huge-declared">declared</a><a href="/bin">bin</a><a href="/hang">hang</a><a href="/slow-body">slow</a><a href="/fanout">fan</a><a href="/missing">404</a>',
      ),
      '/loop1': (_req, res) => {
        res.writeHead(302, { location: '/loop2' });
        res.end();
      },
      '/loop2': (_req, res) => {
        res.writeHead(301, { location: '/loop1' });
        res.end();
      },
      '/huge': (_req, res) => {
        // 50 MB streamed in 64 KiB chunks with back-pressure; stops when the client hangs up.
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        const pump = (): void => {
          while (sent < 50 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      },
      '/huge-declared': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(50 * 1024 * 1024) });
        res.write('<p>start</p>');
      },
      '/bin': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(1024, 7));
      },
      '/hang': (_req, res) => {
        hanging.push(res); // accepted, never answered
      },
      '/slow-body': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<p>first bytes, then silence</p>');
        hanging.push(res);
      },
      '/fanout': html(fanout),
    };
    // Every generated page answers, so only the page limit can stop the crawl.
    const genHandler = html('<p>generated</p>');
    for (let i = 0; i < 10000; i++) routes[`/gen/${i}.html`] = genHandler;
    site = await serve(routes);
  });
  afterAll(() => site.close());

  it('stays within every limit and reports each skipped URL with its reason', async () => {
    const started = Date.now();
    const { pages, skips, report } = await run({
      seeds: [site.base + '/'],
      allowPrivate: true,
      maxPages: 50,
      maxBytesPerPage: 1024 * 1024,
      timeoutMs: 1000,
      maxRedirects: 3,
      concurrency: 8,
    });
    const elapsed = Date.now() - started;
    const b = site.base;
    expect(elapsed).toBeLessThan(10000);
    expect(report.fetched).toBeLessThanOrEqual(50);
    expect(pages.length).toBe(report.fetched);
    expect(reasonOf(skips, `${b}/loop1`)).toBe('redirect-loop');
    expect(reasonOf(skips, `${b}/huge`)).toBe('too-large');
    expect(reasonOf(skips, `${b}/huge-declared`)).toBe('too-large');
    expect(reasonOf(skips, `${b}/bin`)).toBe('content-type:application/octet-stream');
    expect(reasonOf(skips, `${b}/hang`)).toBe('timeout');
    expect(reasonOf(skips, `${b}/slow-body`)).toBe('timeout');
    expect(reasonOf(skips, `${b}/missing`)).toBe('http-404');
    // The 50 MB body was cut near the 1 MiB limit: far less than 50 MB was read in total.
    expect(report.bytes).toBeLessThan(4 * 1024 * 1024);
    // Every generated URL was either fetched or reported exactly once.
    const gen = Array.from({ length: 10000 }, (_, i) => `${b}/gen/${i}.html`);
    const fetchedUrls = new Set(pages.map((p) => p.url));
    const skipped = new Map(skips.map((s) => [s.url, s.reason]));
    expect(skipped.size).toBe(skips.length);
    for (const u of gen) expect(fetchedUrls.has(u) !== skipped.has(u)).toBe(true);
    const maxPagesSkips = skips.filter((s) => s.reason === 'max-pages').length;
    expect(maxPagesSkips).toBeGreaterThanOrEqual(10000 - 50);
    for (const [, n] of site.hits) expect(n).toBe(1);
  });

  it('stops a redirect chain at maxRedirects', async () => {
    const chainSite = await serve(
      Object.fromEntries(
        Array.from({ length: 10 }, (_, i): [string, Handler] => [
          `/r/${i}`,
          (_req, res) => {
            res.writeHead(302, { location: `/r/${i + 1}` });
            res.end();
          },
        ]),
      ),
    );
    try {
      const { pages, skips } = await run({ seeds: [chainSite.base + '/r/0'], allowPrivate: true, maxRedirects: 3, useSitemaps: false });
      expect(pages).toEqual([]);
      expect(skips).toEqual([{ url: `${chainSite.base}/r/0`, reason: 'too-many-redirects' }]);
      expect(chainSite.hits.get('/r/4')).toBeUndefined();
    } finally {
      await chainSite.close();
    }
  });
});

describe('crawl: address guard', () => {
  let site: Site;
  beforeAll(async () => {
    site = await serve({ '/': html('<p>internal</p>') });
  });
  afterAll(() => site.close());

  it('refuses a loopback seed without allowPrivate, before any request', async () => {
    const { pages, skips } = await run({ seeds: [site.base + '/'] });
    expect(pages).toEqual([]);
    expect(skips).toEqual([{ url: site.base + '/', reason: 'private-address' }]);
    expect(site.hits.size).toBe(0);
  });

  it('refuses a host name that resolves to loopback at connect time', async () => {
    const port = new URL(site.base).port;
    const { pages, skips } = await run({ seeds: [`http://localhost:${port}/`] });
    expect(pages).toEqual([]);
    expect(skips).toEqual([{ url: `http://localhost:${port}/`, reason: 'private-address' }]);
    expect(site.hits.size).toBe(0);
  });
});

describe('crawl: budgets, politeness, abort and hooks', () => {
  let site: Site;
  const starts: number[] = [];
  beforeAll(async () => {
    const routes: Record<string, Handler> = {
      '/': html(Array.from({ length: 6 }, (_, i) => `<a href="/p${i}">p${i}</a>`).join('')),
    };
    for (let i = 0; i < 6; i++) {
      routes[`/p${i}`] = (req, res) => {
        starts.push(Date.now());
        html(`<p>${'x'.repeat(20000)}</p>`)(req, res);
      };
    }
    site = await serve(routes);
  });
  afterAll(() => site.close());

  it('spaces requests to one host by perHostDelayMs', async () => {
    starts.length = 0;
    const { pages } = await run({ seeds: [site.base + '/'], allowPrivate: true, perHostDelayMs: 60, concurrency: 4, useSitemaps: false, respectRobots: false });
    expect(pages).toHaveLength(7);
    // The server sees arrivals, and on a starved machine two requests sent a delay apart can reach it together (the
    // server and the crawler share one event loop). What no scheduling can do is send them sooner: the six requests
    // span five delays, and most gaps are clearly apart (4 workers without the delay arrive within a few ms).
    const sorted = [...starts].sort((a, b) => a - b);
    expect((sorted[sorted.length - 1] as number) - (sorted[0] as number)).toBeGreaterThanOrEqual(5 * 60 - 30);
    const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] as number)).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThanOrEqual(30);
  });

  it('stops at maxTotalBytes and reports the rest', async () => {
    const { pages, skips, report } = await run({ seeds: [site.base + '/'], allowPrivate: true, maxTotalBytes: 45000, useSitemaps: false, respectRobots: false, concurrency: 1 });
    // Pages kept stay within the budget; bytes read may pass it by the one chunk that crossed it.
    expect(pages.reduce((n, p) => n + p.bytes, 0)).toBeLessThanOrEqual(45000);
    expect(report.bytes).toBeLessThan(45000 + 64 * 1024);
    expect(pages.length).toBeLessThan(7);
    expect(skips.length + pages.length).toBe(7);
    expect(skips.every((s) => s.reason === 'max-total-bytes')).toBe(true);
  });

  it('reports queued URLs as aborted when the signal fires', async () => {
    const ac = new AbortController();
    const pages: CrawledPage[] = [];
    const skips: SkippedUrl[] = [];
    const report = await crawl(
      { seeds: [site.base + '/'], allowPrivate: true, useSitemaps: false, respectRobots: false, concurrency: 1, signal: ac.signal },
      {
        onPage: (p) => {
          pages.push(p);
          if (pages.length === 2) ac.abort();
        },
        onSkip: (s) => void skips.push(s),
      },
    );
    expect(pages).toHaveLength(2);
    expect(report.fetched).toBe(2);
    expect(skips).toHaveLength(5);
    expect(skips.every((s) => s.reason === 'aborted')).toBe(true);
  });

  it('rejects with the error of a failing onPage hook', async () => {
    await expect(
      crawl({ seeds: [site.base + '/'], allowPrivate: true, useSitemaps: false }, {
        onPage: () => {
          throw new Error('store is down');
        },
      }),
    ).rejects.toThrow('store is down');
  });
});
