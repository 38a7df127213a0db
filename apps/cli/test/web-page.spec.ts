import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadProfile } from '@lexigraph/pipeline';
import { CHROMIUM_ARGS, chromiumForTests } from '@lexigraph/web';
import { CliContext } from '../src/context';
import { startServer, type RunningServer } from '../src/serve/server';
import { cli, FIXTURES, tempDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary answer JSON
type Json = any;

/**
 * `lexigraph serve` on a small fixture collection, ingested here into an embedded store: its HTTP API (the page is
 * public, the API behind the key; the same answer as `lexigraph ask`), then the web page driven in Debian's
 * Chromium through playwright-core.
 */

const MASTER_KEY = 'web-page-test-master-key-0123456789abcdef';
const SOURCE_HOST = 'https://docs.example.org/';
const executable = chromiumForTests(process.env, (m) => process.stderr.write(m));

let work: string;
let data: string;
let ctx: CliContext;
let server: RunningServer;

beforeAll(async () => {
  work = await tempDir('lexigraph-web-');
  data = path.join(work, 'data');
  const ingest = await cli(['--data', data, 'ingest', path.join(FIXTURES, 'docs.jsonl'), '--collection', 'docs', '--no-progress'], work);
  expect(ingest.stdout).toContain('index v1 of "docs" published');
  const silent = { write: () => true };
  ctx = new CliContext({ stdout: silent, stderr: silent, env: { LEXIGRAPH_MASTER_KEY: MASTER_KEY }, cwd: work }, { data });
  server = await startServer(ctx, { host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await ctx?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${MASTER_KEY}` };

describe('lexigraph serve: the HTTP API', () => {
  it('serves the page and its files without a key, with a strict content security policy', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<label for="prompt">Prompt</label>');
    expect((await fetch(`${server.url}/web/app.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/web/nothing.js`)).status).toBe(404);
  });

  it('keeps every API route behind the key', async () => {
    for (const [method, route] of [
      ['GET', '/v1/collections'],
      ['GET', '/v1/collections/docs/params'],
      ['GET', '/v1/collections/docs/profiles'],
      ['PUT', '/v1/collections/docs/profiles/mine'],
      ['POST', '/v1/collections/docs/query'],
    ] as const) {
      const res = await fetch(`${server.url}${route}`, { method });
      expect([route, res.status]).toEqual([route, 401]);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="lexigraph"');
    }
    const bad = await fetch(`${server.url}/v1/collections`, { headers: { authorization: 'Bearer lxk_nope.nope' } });
    expect(bad.status).toBe(401);
  });

  it('lists the collection, its parameters and profiles', async () => {
    expect(await (await fetch(`${server.url}/v1/collections`, { headers: auth })).json()).toEqual({ collections: [{ collection: 'docs', version: 1 }] });
    const params: Json = await (await fetch(`${server.url}/v1/collections/docs/params`, { headers: auth })).json();
    expect(params.params.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['k', 'wTitle', 'explain', 'minCoverage']));
    expect(params.defaults).toEqual({});
    const profiles: Json = await (await fetch(`${server.url}/v1/collections/docs/profiles`, { headers: auth })).json();
    expect(profiles.profiles.precise).toEqual({ expand: 'false', k: '20' });
    const unknown = await fetch(`${server.url}/v1/collections/nope/params`, { headers: auth });
    expect(unknown.status).toBe(404);
  });

  it('answers as `lexigraph ask` does, with a profile and parameters', async () => {
    const res = await fetch(`${server.url}/v1/collections/docs/query`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'write-ahead log', profile: 'precise', params: { summarySentences: '2' } }),
    });
    expect(res.status).toBe(200);
    const answer: Json = await res.json();
    const asked = await cli(['--data', data, 'ask', '--collection', 'docs', '--json', '--profile', 'precise', '-p', 'summarySentences=2', 'write-ahead log'], work);
    const strip = (a: Record<string, unknown>) => ({ ...a, timings: null });
    expect(strip(answer)).toEqual(strip(JSON.parse(asked.stdout)));
    expect(answer.params.k).toBe(20);
    expect(answer.summary).toHaveLength(2);
    const bad = await fetch(`${server.url}/v1/collections/docs/query`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', params: { nope: '1' } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).message).toContain('params.nope');
  });
});

describe('lexigraph serve: malformed requests', () => {
  it('answers 4xx, never 5xx: a bad path escape, a body that is not JSON, an unknown route or method', async () => {
    const post = (route: string, body: string, type = 'application/json') =>
      fetch(`${server.url}${route}`, { method: 'POST', headers: { ...auth, 'content-type': type }, body });
    const cases: Array<[string, Promise<Response>, number]> = [
      ['bad escape', fetch(`${server.url}/v1/collections/%zz/params`, { headers: auth }), 400],
      ['bad profile escape', fetch(`${server.url}/v1/collections/docs/profiles/%`, { method: 'PUT', headers: auth }), 400],
      ['not JSON', post('/v1/collections/docs/query', '{"prompt":'), 400],
      ['not a JSON type', post('/v1/collections/docs/query', 'prompt=x', 'text/plain'), 415],
      ['too large', post('/v1/collections/docs/query', JSON.stringify({ prompt: 'x'.repeat(70_000) })), 413],
      ['unknown route', fetch(`${server.url}/v1/nothing`, { headers: auth }), 404],
      ['wrong method', fetch(`${server.url}/v1/collections/docs/query`, { headers: auth }), 404],
    ];
    for (const [what, reply, status] of cases) {
      const res = await reply;
      expect({ what, status: res.status }).toEqual({ what, status });
      expect(((await res.json()) as Json).message).toEqual(expect.any(String));
    }
  });
});

(executable ? describe : describe.skip)('the web page in Chromium', () => {
  let browser: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launchPersistentContext(path.join(work, 'chromium-profile'), {
      executablePath: executable,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1280, height: 900 },
    });
    // The fixture's sources live on a host the test never reaches: the browser gets a stand-in page for them.
    await browser.route(`${SOURCE_HOST}**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>source page</title><p>source</p>' }),
    );
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const results = () => page.locator('.results > li');
  /** Waits until the page shows exactly `n` results. */
  const resultCount = async (n: number) => {
    await results().nth(n - 1).waitFor({ state: 'attached' });
    await results().nth(n).waitFor({ state: 'detached' });
  };

  it('asks for a key when the API answers 401, then loads the collections with it', async () => {
    await page.goto(`${server.url}/`);
    const keyField = page.getByLabel('API key or tenant token');
    await keyField.waitFor({ state: 'visible' });
    await expect(page.locator('#status').textContent()).resolves.toContain('needs an API key or a tenant token');
    // The refused request is the only console error so far: Chromium logs a 401 response as one.
    expect(consoleErrors.length).toBeGreaterThan(0);
    expect(consoleErrors.every((e) => e.includes('401'))).toBe(true);
    consoleErrors.length = 0;
    await keyField.fill(MASTER_KEY);
    await keyField.press('Enter');
    await page.locator('#collection option[value="docs"]').waitFor({ state: 'attached' });
    await page.getByText('Ready.').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("lexigraph.key")')).toBe(MASTER_KEY);
    expect(await page.getByLabel('API key or tenant token').isVisible()).toBe(false);
  });

  it('answers a prompt: the cited summary, highlighted results and suggestions', async () => {
    const prompt = page.getByLabel('Prompt');
    await prompt.fill('write-ahead log');
    await prompt.press('Enter');
    await page.locator('.summary li').first().waitFor();
    const first = page.locator('.summary a.sentence').first();
    expect(await first.textContent()).toBe('The write-ahead log records every change before it reaches the data files.');
    expect(await first.getAttribute('href')).toBe(`${SOURCE_HOST}wal.html`);
    expect(await results().count()).toBe(3);
    expect(await results().first().locator('h3').textContent()).toBe('Write-ahead log');
    expect(await results().first().locator('.category').textContent()).toBe('Internals › WAL');
    expect(await results().first().locator('mark').allTextContents()).toEqual(['write-ahead log', 'log']);
    expect(await page.locator('#announce').textContent()).toContain('Answer: The write-ahead log records every change');
    expect(await page.locator('#param-k').inputValue()).toBe('10');
  });

  it('follows a suggestion', async () => {
    const suggestion = page.locator('button.suggestion').first();
    const text = (await suggestion.textContent()) ?? '';
    expect(text).not.toBe('');
    const before = await page.locator('#announce').textContent();
    await suggestion.focus();
    await page.keyboard.press('Enter');
    await page.locator('#announce', { hasNotText: before ?? '' }).waitFor({ state: 'attached' });
    expect(await page.getByLabel('Prompt').inputValue()).toBe(text);
    expect(await page.locator('.no-answer').count()).toBe(0);
    expect(await results().count()).toBeGreaterThan(0);
  });

  it('asks again at once when a parameter changes, and shows the effective value', async () => {
    const prompt = page.getByLabel('Prompt');
    await prompt.fill('write-ahead log');
    await prompt.press('Enter');
    await resultCount(3);
    const k = page.getByLabel('k', { exact: true });
    await k.fill('1');
    await k.press('Tab');
    await resultCount(1);
    expect(await page.locator('#param-k').inputValue()).toBe('1');
    expect(await page.locator('.param-yours label').allTextContents()).toEqual(['k']);
  });

  it('explains why a result scored what it did', async () => {
    await results().first().getByRole('button', { name: 'Why this result' }).click();
    const why = page.locator('#why-1 .explain');
    await why.waitFor();
    expect(await why.locator('caption').allTextContents()).toEqual(['Matched terms: share of the score', 'Fields: share of the score']);
    expect(await why.locator('tbody').first().locator('th').allTextContents()).toEqual(expect.arrayContaining(['write ahead log (multi-token)', 'log']));
    expect(await page.locator('#param-explain').isChecked()).toBe(true);
    await page.locator('#why-1:focus').waitFor(); // the keyboard lands on the explanation
    const toggle = results().first().getByRole('button', { name: 'Why this result' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await why.isVisible()).toBe(false);
    await toggle.click();
    expect(await why.isVisible()).toBe(true);
  });

  it('opens the source of a summary sentence', async () => {
    const [source] = await Promise.all([browser.waitForEvent('page'), page.locator('.summary a.sentence').first().click()]);
    await source.waitForLoadState();
    expect(source.url()).toBe(`${SOURCE_HOST}wal.html`);
    expect(await source.title()).toBe('source page');
    await source.close();
  });

  it('saves the values as a profile and chooses it', async () => {
    await page.getByLabel('Save as profile').fill('one-result');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved profile “one-result”').waitFor();
    expect(await page.getByLabel('Profile', { exact: true }).inputValue()).toBe('one-result');
    expect(await loadProfile(data, 'one-result', 'docs')).toEqual({ k: '1', explain: 'true' });
    expect(await page.locator('.param-profile label').allTextContents()).toEqual(expect.arrayContaining(['k', 'explain']));
    expect(await results().count()).toBe(1);
  });

  it('says plainly when there is no answer', async () => {
    const prompt = page.getByLabel('Prompt');
    await prompt.fill('how do I bake sourdough bread');
    await prompt.press('Enter');
    const none = page.locator('.no-answer');
    await none.waitFor();
    expect(await none.locator('h2').textContent()).toBe('No answer');
    expect(await none.textContent()).toContain('sourdough');
    expect(await results().count()).toBe(0);
  });

  it('takes a screenshot of an answer, with no console error on the way', async () => {
    await page.getByLabel('Profile', { exact: true }).selectOption('');
    await page.getByRole('button', { name: 'Reset my values' }).click();
    const prompt = page.getByLabel('Prompt');
    await prompt.fill('write-ahead log');
    await prompt.press('Enter');
    await resultCount(3);
    const shot = await page.screenshot({ path: path.join(work, 'web-page.png') });
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    expect(shot.length).toBeGreaterThan(10_000);
    expect(consoleErrors).toEqual([]);
  });
});
