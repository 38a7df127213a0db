import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isWebRoute, loadWebAssets, webAsset } from './assets';

describe('the web page files', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'lexigraph-web-'));
    await mkdir(path.join(root, 'public'));
    await mkdir(path.join(root, 'dist', 'browser'), { recursive: true });
    await writeFile(path.join(root, 'public', 'index.html'), '<!doctype html><title>page</title>');
    await writeFile(path.join(root, 'public', 'style.css'), 'body{}');
    await writeFile(path.join(root, 'dist', 'browser', 'app.js'), 'export {};');
    await writeFile(path.join(root, 'dist', 'browser', 'app.js.map'), '{}');
    await writeFile(path.join(root, 'secret.txt'), 'no');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('serves the page at / and its files under /web/ with their types, nothing else', () => {
    const files = loadWebAssets(root);
    expect(webAsset('/', files)?.body.toString()).toContain('<title>page</title>');
    expect(webAsset('/index.html?x=1', files)?.contentType).toBe('text/html; charset=utf-8');
    expect(webAsset('/web/app.js', files)?.contentType).toBe('text/javascript; charset=utf-8');
    expect(webAsset('/web/style.css#top', files)?.contentType).toBe('text/css; charset=utf-8');
    for (const p of ['/web/app.js.map', '/web/index.html', '/web/../secret.txt', '/secret.txt', '/web/%2e%2e/secret.txt', '/v1/collections']) {
      expect(webAsset(p, files)).toBeUndefined();
    }
  });

  it('says when the page was not built', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'lexigraph-web-empty-'));
    expect(() => loadWebAssets(empty)).toThrow('the web page is not built');
    await rm(empty, { recursive: true, force: true });
  });

  it('the built package holds the page, its styles and its modules', () => {
    const files = loadWebAssets();
    const page = webAsset('/', files)?.body.toString() ?? '';
    for (const src of page.matchAll(/(?:href|src)="(web\/[^"]+)"/g)) expect(webAsset(`/${src[1]}`, files)).toBeDefined();
    const app = webAsset('/web/app.js', files)?.body.toString() ?? '';
    for (const mod of app.matchAll(/from '\.\/([^']+)'/g)) expect(webAsset(`/web/${mod[1]}`, files)).toBeDefined();
  });

  it('tells the page routes apart from the API', () => {
    expect(['/', '/index.html', '/web/app.js', '/?q=x'].every(isWebRoute)).toBe(true);
    expect(['/v1/collections', '/health', '/docs', '/webx'].some(isWebRoute)).toBe(false);
  });
});
