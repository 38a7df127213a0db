import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { crawl, type CrawledPage } from '../src/crawl';
import { htmlToEntity } from '../src/html';
import { readFolder } from '../src/readers';

const root = path.join(__dirname, 'fixtures', 'site');

describe('a folder served at the site root', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      const file = path.join(root, rel);
      if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gives the same ids, titles and categories crawled as read from disk', async () => {
    const pages: CrawledPage[] = [];
    await crawl({ seeds: [base + '/index.html'], allowPrivate: true }, { onPage: (p) => void pages.push(p) });
    const crawled = pages.map((p) => htmlToEntity(p.body, p.url)).sort((a, b) => a.id.localeCompare(b.id));
    const read = (await readFolder(root, 'html')).sort((a, b) => a.id.localeCompare(b.id));
    expect(crawled.map((e) => e.id)).toEqual(read.map((e) => e.id));
    expect(crawled.map((e) => [e.title, e.text])).toEqual(read.map((e) => [e.title, e.text]));
    const install = crawled.find((e) => e.id === '/guide/install.html');
    expect(install?.category).toEqual(['Handbook']);
    // Crawled links are absolute URLs whose ids match the folder reader's link ids.
    expect(install?.links.map((l) => decodeURIComponent(new URL(l.url).pathname))).toEqual(
      read.find((e) => e.id === '/guide/install.html')?.links.map((l) => l.url),
    );
  });
});
