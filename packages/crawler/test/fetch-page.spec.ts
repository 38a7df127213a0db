import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchPage, fetchSitemapLinks } from '../src';

const PAGES: Record<string, string> = {
  '/': `<html><head><title>Home</title></head><body><a href="/a.html">a</a> <a href="/private/x.html">x</a>
    <a href="/a.html#top">again</a> <a href="http://elsewhere.test/">out</a></body></html>`,
  '/a.html': `<html><head><title>A</title></head><body><p>page a</p></body></html>`,
};

describe('fetchPage', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits.push(path);
      if (path === '/robots.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /blocked\n');
      const body = PAGES[path];
      if (!body) return void res.writeHead(404).end();
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'text/html', etag: '"v1"' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches one page and splits its links into in-scope (depth + 1, once) and skipped with the reason', async () => {
    const r = await fetchPage(`${base}/`, { allowPrivate: true, exclude: ['/private/'], depth: 2 });
    expect(r.page?.etag).toBe('"v1"');
    expect(r.skipReason).toBeNull();
    expect(r.links).toEqual([{ url: `${base}/a.html`, depth: 3 }]);
    expect(r.skippedLinks).toEqual(
      expect.arrayContaining([
        { url: `${base}/private/x.html`, reason: 'excluded' },
        { url: 'http://elsewhere.test/', reason: 'off-origin' },
      ]),
    );
  });

  it('honours robots.txt (shared cache), loopback refusal, max depth and 404s', async () => {
    const robotsCache = new Map();
    expect((await fetchPage(`${base}/blocked`, { allowPrivate: true, robotsCache })).skipReason).toBe('robots');
    const before = hits.filter((h) => h === '/robots.txt').length;
    expect((await fetchPage(`${base}/missing`, { allowPrivate: true, robotsCache })).skipReason).toBe('http-404');
    expect(hits.filter((h) => h === '/robots.txt').length).toBe(before);
    expect((await fetchPage(`${base}/`, {})).skipReason).toBe('private-address');
    const deep = await fetchPage(`${base}/`, { allowPrivate: true, depth: 1, maxDepth: 1 });
    expect(deep.links).toEqual([]);
    expect(deep.skippedLinks).toContainEqual({ url: `${base}/a.html`, reason: 'max-depth' });
  });

  it('sends the stored validators and reports a 304 as not-modified', async () => {
    const r = await fetchPage(`${base}/a.html`, { allowPrivate: true, validators: { etag: '"v1"' } });
    expect(r.page).toBeNull();
    expect(r.skipReason).toBe('not-modified');
  });
});

describe('fetchSitemapLinks', () => {
  it('lists the in-scope URLs of an origin\'s sitemaps at depth 1, and the others with the reason', async () => {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/robots.txt') return void res.writeHead(404).end();
      if (path === '/sitemap.xml') {
        const locs = ['/a.html', '/b.html', '/private/c.html'].map((p) => `<url><loc>http://${req.headers.host}${p}</loc></url>`).join('');
        return void res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0"?><urlset>${locs}</urlset>`);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await fetchSitemapLinks([origin], { allowPrivate: true, exclude: ['/private/'] });
      expect(r.links).toEqual([
        { url: `${origin}/a.html`, depth: 1 },
        { url: `${origin}/b.html`, depth: 1 },
      ]);
      expect(r.skippedLinks).toEqual([{ url: `${origin}/private/c.html`, reason: 'excluded' }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
