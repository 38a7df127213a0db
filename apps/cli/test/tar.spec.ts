import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readTar, readTarBrotli } from '../src/demo/tar';
import { serveFiles } from '../src/demo/static-server';
import { FIXTURES } from './helpers';

const LONG =
  'html/a-very-long-directory-name-that-keeps-going-and-going/another-long-segment-to-pass-one-hundred-chars/deep-page-with-a-long-name.html';

describe('tar reader', () => {
  it('reads the regular files of a Brotli-compressed GNU tar, including a long name', async () => {
    const files = readTarBrotli(await fs.readFile(path.join(FIXTURES, 'mini-site.tar.br')));
    const names = files.map((f) => f.path).sort();
    expect(names).toEqual(['html/autovacuum.html', 'html/bookindex.html', 'html/checkpoints.html', 'html/index.html', LONG].sort());
    const index = files.find((f) => f.path === 'html/index.html');
    expect(index?.data.toString('utf8')).toContain('<title>Mini manual</title>');
  });

  it('reads a pax tar the same way', async () => {
    const files = readTar(await fs.readFile(path.join(FIXTURES, 'mini-site.pax.tar')));
    expect(files.map((f) => f.path)).toContain(LONG);
    expect(files.find((f) => f.path === LONG)?.data.toString('utf8')).toContain('deep page');
  });

  it('rejects a corrupt header', async () => {
    const tar = Buffer.from(await fs.readFile(path.join(FIXTURES, 'mini-site.pax.tar')));
    tar[0] = (tar[0] ?? 0) ^ 0xff;
    expect(() => readTar(tar)).toThrow(/checksum/);
  });
});

describe('static file server', () => {
  it('serves files on 127.0.0.1 with content types, 404 for unknown paths and index.html for /', async () => {
    const site = await serveFiles(
      new Map([
        ['index.html', Buffer.from('<p>home</p>')],
        ['docs/a.css', Buffer.from('p{}')],
      ]),
    );
    try {
      expect(site.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const home = await fetch(site.url);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toContain('text/html');
      expect(await home.text()).toBe('<p>home</p>');
      const css = await fetch(new URL('docs/a.css', site.url));
      expect(css.headers.get('content-type')).toBe('text/css');
      expect((await fetch(new URL('missing.html', site.url))).status).toBe(404);
      expect((await fetch(site.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await site.close();
    }
  });
});
