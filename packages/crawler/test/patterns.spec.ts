import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileUserPattern } from '@lexigraph/contracts';
import { crawl, type SkippedUrl } from '../src/crawl';

// A pattern with nested quantifiers: a backtracking engine tries 2^n splits of n a's before it gives up on the '!'.
const A_RUN = 'a'.repeat(40);

describe('user patterns run in linear time (RE2)', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><head><title>Home</title></head><body><p>Home page of the host.</p><a href="/${A_RUN}!">trap</a><a href="/${A_RUN}">kept</a></body></html>`);
      } else if (req.url === `/${A_RUN}`) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><title>Kept</title></head><body><p>A page the include admits.</p></body></html>');
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('matches the catastrophic pattern against a long URL at once', () => {
    const re = compileUserPattern(`^http://host/(a+)+$`);
    const started = performance.now();
    expect(re.test(`http://host/${'a'.repeat(100_000)}!`)).toBe(false);
    expect(re.test(`http://host/${'a'.repeat(100)}`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('refuses what RE2 cannot run (backreferences, lookaround) with a SyntaxError', () => {
    // (the error comes from the addon's realm, so it is recognized by name)
    const failure = (source: string): string | null => {
      try {
        compileUserPattern(source);
        return null;
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    };
    expect(failure('(a)\\1')).toMatch(/^SyntaxError: .*\\1/);
    expect(failure('^http://x/(?=a)')).toMatch(/^SyntaxError: /);
    expect(failure('(?<!b)a')).toMatch(/^SyntaxError: /);
    expect(failure('(unclosed')).toMatch(/^SyntaxError: /);
    expect(failure('^https?://docs\\.example\\.org/(en|de)/')).toBeNull();
    // a RegExp's flags are kept, but g and y, so test() keeps no state between URLs
    const re = compileUserPattern(/A+/gi);
    expect([re.test('aaa'), re.test('aaa')]).toEqual([true, true]);
  });

  it('crawls a site whose page links to /aaa…a! under the catastrophic include, and finishes', async () => {
    const escaped = base.replace(/[.]/g, '\\.');
    const skips: SkippedUrl[] = [];
    const pages: string[] = [];
    const started = performance.now();
    const report = await crawl(
      { seeds: [`${base}/`], include: [`^${escaped}/(a+)+$`, `^${escaped}/$`], allowPrivate: true, useSitemaps: false },
      { onPage: (p) => void pages.push(p.url), onSkip: (s) => void skips.push(s) },
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(pages.sort()).toEqual([`${base}/`, `${base}/${A_RUN}`]);
    expect(skips).toContainEqual({ url: `${base}/${A_RUN}!`, reason: 'not-included' });
    expect(report.fetched).toBe(2);
  });
});
