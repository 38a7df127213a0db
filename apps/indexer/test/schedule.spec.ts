import type { RunningIndexer } from '../src/main';
import { REDIS_URL, serveSite, snapshotOf, waitFor, type Site, startStack, type TestStack } from './helpers';

jest.setTimeout(120_000);

const QUEUE = { redisUrl: REDIS_URL, buildDebounceMs: 200, backoffMs: 100, stalledIntervalMs: 2000, lockDurationMs: 5000 };

describe('background re-indexing of a scheduled source', () => {
  let stack: TestStack;
  let site: Site;
  let indexer: RunningIndexer;
  // The site: pages with an ETag each; the test edits one page and removes another between runs.
  const pages = new Map<string, string>([
    ['/', '<html><head><title>Orchard</title></head><body><p>Apple and pear trees.</p><a href="/apple.html">apple</a> <a href="/pear.html">pear</a> <a href="/plum.html">plum</a></body></html>'],
    ['/apple.html', '<html><head><title>Apple</title></head><body><p>Apple trees need pruning in winter.</p></body></html>'],
    ['/pear.html', '<html><head><title>Pear</title></head><body><p>Pear trees flower early in spring.</p></body></html>'],
    ['/plum.html', '<html><head><title>Plum</title></head><body><p>Plum trees fruit in late summer.</p></body></html>'],
  ]);
  const etag = (body: string) => `"${body.length}-${[...body].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}"`;
  let notModified = 0;

  beforeAll(async () => {
    site = await serveSite((p, req) => {
      const body = pages.get(p);
      if (body === undefined) return { status: 404 };
      const tag = etag(body);
      if (req.headers['if-none-match'] === tag) {
        notModified++;
        return { status: 304, headers: { etag: tag } };
      }
      return { status: 200, body, headers: { etag: tag } };
    });
    stack = await startStack('schedule', QUEUE);
    indexer = await stack.startIndexer(2);
  });

  afterAll(async () => {
    await indexer?.close();
    await site?.close();
    await stack?.close();
  });

  it('re-crawls on schedule with conditional requests, applies edits and removes pages that are gone, linked or not', async () => {
    const json = { 'content-type': 'application/json' };
    await fetch(`${stack.base}/v1/collections`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'orchard' }) });
    const r = await fetch(`${stack.base}/v1/collections/orchard/sources`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ seeds: [site.url], allowPrivate: true, schedule: { everyMs: 1500 } }),
    });
    expect(r.status).toBe(202);
    // the plum page is the only one about summer: a version with it indexes all 4 pages
    const first = await waitFor('a version with all 4 pages', async () => {
      const s = await snapshotOf(stack.db.url, 'orchard');
      return s.documents.length === 4 && s.lexicon.some((l) => l.token === 'summer') ? s : undefined;
    });

    // Unchanged pages are answered 304 on the next scheduled run.
    await waitFor('a conditional re-crawl', async () => (notModified >= 3 ? true : undefined));

    pages.set('/apple.html', '<html><head><title>Apple</title></head><body><p>Apple trees need pruning in late winter and thinning in June.</p></body></html>');
    pages.delete('/plum.html');
    // no page links the plum page any more: the re-crawl still revisits it, as a stored page, and finds it gone
    pages.set('/', '<html><head><title>Orchard</title></head><body><p>Apple and pear trees.</p><a href="/apple.html">apple</a> <a href="/pear.html">pear</a></body></html>');
    const changed = await waitFor('a version without the plum page and with the new apple page', async () => {
      const s = await snapshotOf(stack.db.url, 'orchard');
      const apple = s.documents.find((d) => d.id === '/apple.html');
      const before = first.documents.find((d) => d.id === '/apple.html');
      return s.version > first.version && !s.documents.some((d) => d.id === '/plum.html') && apple && apple.hash !== before?.hash ? s : undefined;
    }, 60_000, 250);
    expect(changed.documents.map((d) => d.id)).toEqual(['/', '/apple.html', '/pear.html']);
    expect(changed.lexicon.some((l) => l.token === 'summer')).toBe(false);
  });
});
