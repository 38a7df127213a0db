/**
 * Benchmark on the PostgreSQL 15 docs (1,173 pages): crawl them over loopback HTTP and extract every page.
 * Needs the shared data folder (../shared/data next to the repository, or LEXIGRAPH_SHARED_DATA) and `tar`
 * with xz support; skips when either is missing. Run: npm run bench -w @lexigraph/crawler
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { crawl, type CrawledPage } from '../src/crawl';
import { htmlToEntity } from '../src/html';
import { splitSections } from '../src/sections';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const dataDir = process.env.LEXIGRAPH_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
const tarball = path.join(dataDir, 'pg15-docs.tar.xz');
const available = fs.existsSync(tarball);

(available ? describe : describe.skip)('PostgreSQL docs', () => {
  let dir: string;
  let html: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lexigraph-pgdocs-'));
    execFileSync('tar', ['-xJf', tarball, '-C', dir]);
    html = path.join(dir, 'html');
    server = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      const file = path.join(html, rel);
      if (!file.startsWith(html) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type });
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('extracts every page', () => {
    const files = fs.readdirSync(html).filter((f) => f.endsWith('.html'));
    const bodies = files.map((f) => fs.readFileSync(path.join(html, f), 'utf8'));
    const t0 = process.hrtime.bigint();
    const entities = files.map((f, i) => htmlToEntity(bodies[i] as string, `${base}/${f}`));
    const t1 = process.hrtime.bigint();
    const sections = entities.reduce((n, e) => n + splitSections(e).length, 0);
    const t2 = process.hrtime.bigint();
    const ms = (a: bigint, b: bigint): number => Number(b - a) / 1e6;
    const chars = entities.reduce((n, e) => n + e.text.length, 0);
    console.log(
      `extract: ${files.length} pages, ${chars} chars of text in ${ms(t0, t1).toFixed(0)} ms (${(ms(t0, t1) / files.length).toFixed(2)} ms/page); ` +
        `split into ${sections} sections in ${ms(t1, t2).toFixed(0)} ms`,
    );
  });

  it('crawls the whole manual over HTTP', async () => {
    const pages: CrawledPage[] = [];
    const report = await crawl({ seeds: [base + '/index.html'], allowPrivate: true, concurrency: 8 }, { onPage: (p) => void pages.push(p) });
    const reasons = new Map<string, number>();
    for (const s of report.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    console.log(
      `crawl: ${report.fetched} pages, ${(report.bytes / 1e6).toFixed(1)} MB in ${report.durationMs} ms; skipped ${JSON.stringify(Object.fromEntries(reasons))}; ` +
        `rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
    );
  }, 120000);
});
