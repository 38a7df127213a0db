import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy } from '../src/address-guard';
import { crawl, fetchPage, type SkippedUrl } from '../src/crawl';

interface Host {
  server: http.Server;
  base: string;
  hits: string[];
}

function listen(address: string, port: number, routes: (base: string) => Record<string, (res: http.ServerResponse) => void>): Promise<Host> {
  const hits: string[] = [];
  const host = { server: http.createServer(), base: '', hits };
  host.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    hits.push(req.url ?? '/');
    const route = routes(host.base)[req.url ?? '/'];
    if (route) route(res);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    host.server.listen(port, address, () => {
      host.base = `http://${address}:${(host.server.address() as AddressInfo).port}`;
      resolve(host);
    }),
  );
}

const page = (body: string) => (res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<html><head><title>Page</title></head><body><p>Intranet page.</p>${body}</body></html>`);
};
const redirect = (to: string) => (res: http.ServerResponse) => {
  res.writeHead(302, { location: to }).end();
};
const METADATA = 'http://169.254.169.254/latest/meta-data/';

describe('a crawl allowed one loopback address reaches no other private address', () => {
  let allowed: Host;
  let other: Host;

  beforeAll(async () => {
    // the other loopback address serves the same port, so only the address guard can keep the crawl out
    allowed = await listen('127.0.0.1', 0, () => ({}));
    const port = (allowed.server.address() as AddressInfo).port;
    other = await listen('127.0.0.2', port, () => ({ '/secret': page('secret'), '/via-redirect': page('redirected') }));
    const otherBase = other.base;
    allowed.server.removeAllListeners('request');
    allowed.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      allowed.hits.push(req.url ?? '/');
      const routes: Record<string, (r: http.ServerResponse) => void> = {
        '/': page(`<a href="${otherBase}/secret">link out</a><a href="${METADATA}">metadata</a><a href="/to-other">r1</a><a href="/to-metadata">r2</a>`),
        '/to-other': redirect(`${otherBase}/via-redirect`),
        '/to-metadata': redirect(`${METADATA}iam/`),
      };
      const route = routes[req.url ?? '/'];
      if (route) route(res);
      else res.writeHead(404).end();
    });
  });

  afterAll(async () => {
    for (const h of [allowed, other]) {
      h.server.closeAllConnections();
      await new Promise((resolve) => h.server.close(resolve));
    }
  });

  beforeEach(() => {
    allowed.hits.length = 0;
    other.hits.length = 0;
  });

  async function run(opts: Partial<Parameters<typeof crawl>[0]>): Promise<{ pages: string[]; skips: SkippedUrl[] }> {
    const pages: string[] = [];
    const skips: SkippedUrl[] = [];
    await crawl({ seeds: [`${allowed.base}/`], useSitemaps: false, respectRobots: false, timeoutMs: 3000, ...opts }, { onPage: (p) => void pages.push(p.url), onSkip: (s) => void skips.push(s) });
    return { pages, skips };
  }

  it.each([
    ['allowPrivate (the seed host)', { allowPrivate: true }],
    ['allowHosts 127.0.0.1', { allowHosts: ['127.0.0.1'] }],
    ['allowHosts 127.0.0.1, links to other origins followed', { allowHosts: ['127.0.0.1/32'], sameOrigin: false }],
  ])('%s: links and redirects to 127.0.0.2 and 169.254.169.254 are refused', async (_what, opts) => {
    const { pages, skips } = await run(opts);
    expect(pages).toEqual([`${allowed.base}/`]);
    expect(skips).toEqual(
      expect.arrayContaining([
        { url: `${other.base}/secret`, reason: 'private-address' },
        { url: METADATA, reason: 'private-address' },
        { url: `${allowed.base}/to-other`, reason: 'private-address' },
        { url: `${allowed.base}/to-metadata`, reason: 'private-address' },
      ]),
    );
    expect(other.hits).toEqual([]);
  });

  it('reaches the other address once it is named, but never the metadata address through a range', async () => {
    const { pages, skips } = await run({ allowHosts: ['127.0.0.0/8'], sameOrigin: false });
    expect(pages.sort()).toEqual([`${allowed.base}/`, `${other.base}/secret`, `${other.base}/via-redirect`].sort());
    expect(other.hits.sort()).toEqual(['/secret', '/via-redirect']);
    expect(skips).toEqual(expect.arrayContaining([{ url: METADATA, reason: 'private-address' }, { url: `${allowed.base}/to-metadata`, reason: 'private-address' }]));
  });

  it('refuses everything private by default, and a single page fetch keeps to the origins\' hosts', async () => {
    const { pages, skips } = await run({});
    expect(pages).toEqual([]);
    expect(skips).toEqual([{ url: `${allowed.base}/`, reason: 'private-address' }]);
    const r = await fetchPage(`${allowed.base}/to-other`, { allowPrivate: true, origins: [allowed.base], respectRobots: false });
    expect(r.skipReason).toBe('private-address');
    expect(other.hits).toEqual([]);
  });

  it('resolves host names at connect time: a name entry opens its own private addresses, not others', async () => {
    const port = (allowed.server.address() as AddressInfo).port;
    const { pages, skips } = await run({ seeds: [`http://localhost:${port}/`], allowPrivate: true, sameOrigin: false });
    expect(pages).toEqual([`http://localhost:${port}/`]);
    expect(skips).toEqual(expect.arrayContaining([{ url: `${other.base}/secret`, reason: 'private-address' }, { url: METADATA, reason: 'private-address' }]));
    expect(other.hits).toEqual([]);
  });
});

describe('AddressPolicy', () => {
  it('opens public addresses, named private ones, and link-local or metadata ones only when an address or range names them', () => {
    const p = new AddressPolicy(['10.0.0.0/8', 'wiki.corp', '::1']);
    expect(p.allows('example.org', '93.184.216.34')).toBe(true);
    expect(p.allows('x', '10.1.2.3')).toBe(true);
    expect(p.allows('x', '192.168.0.1')).toBe(false);
    expect(p.allows('wiki.corp', '192.168.0.1')).toBe(true);
    expect(p.allows('wiki.corp', '169.254.169.254')).toBe(false);
    expect(p.allows('x', '::1')).toBe(true);
    expect(p.allows('x', '::ffff:10.0.0.1')).toBe(true);
    expect(p.allows('x', 'fd00:ec2::254')).toBe(false);
    expect(p.allows('wiki.corp', 'fe80::1')).toBe(false);
    expect(new AddressPolicy(['169.254.169.254']).allows('x', '169.254.169.254')).toBe(true);
    expect(new AddressPolicy(['fd00:ec2::/32']).allows('x', 'fd00:ec2::254')).toBe(true);
    expect(() => new AddressPolicy(['10.0.0.0/99'])).toThrow(/CIDR/);
    expect(() => new AddressPolicy(['not a host'])).toThrow(/host name/);
  });
});
