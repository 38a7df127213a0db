// The web page on the gateway: served at / without a key, it works with a tenant token (pasted by the user) against
// the gateway's API behind the guard, in Debian's Chromium through playwright-core. Real PostgreSQL and HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { KeyAdmin, signTenantToken } from '@lexigraph/auth';
import { CHROMIUM_ARGS, chromiumForTests } from '@lexigraph/web';
import { startGateway } from '../src/main';
import { DOCS, testDb, type TestDb } from './fixtures';

jest.setTimeout(120_000);

const MASTER = `master-${'w'.repeat(40)}`;
const executable = chromiumForTests(process.env, (m) => process.stderr.write(m));

(executable ? describe : describe.skip)('the web page on the gateway, with a tenant token', () => {
  let db: TestDb;
  let gateway: NestFastifyApplication;
  let url: string;
  let token: string;
  let profileDir: string;
  let browser: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    db = await testDb('web');
    await db.publish('manual', DOCS);
    await db.publish('other', [{ ...DOCS[0]!, id: 'elsewhere' }]);
    const key = (await new KeyAdmin(db.store).create({ name: 'page queries', scopes: ['query'], collections: ['manual'] }, 'master')).key;
    token = await signTenantToken({ apiKey: key, collections: ['manual'], groups: ['staff'] });
    ({ app: gateway, url } = await startGateway({
      config: db.config({ auth: { mode: 'on', masterKey: MASTER, cacheMs: 5000, corsOrigins: [] }, dataDir: db.dataDir }),
      events: false,
      logger: 'error',
      defaultMetrics: false,
    }));
    profileDir = await mkdtemp(path.join(tmpdir(), 'lexigraph-gw-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, { executablePath: executable, headless: true, args: [...CHROMIUM_ARGS] });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await db?.drop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('loads without a key, then asks for one when the API answers 401', async () => {
    await page.goto(`${url}/`);
    await page.getByLabel('API key or tenant token').waitFor({ state: 'visible' });
    expect(await page.locator('#status').textContent()).toContain('needs an API key or a tenant token');
    expect(consoleErrors.every((e) => e.includes('401'))).toBe(true);
    consoleErrors.length = 0;
  });

  it('answers with the tenant token, within its collections only', async () => {
    const field = page.getByLabel('API key or tenant token');
    await field.fill(token);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('Ready.').waitFor();
    expect(await page.locator('#collection option').allTextContents()).toEqual(['manual (v1)']);
    const prompt = page.getByLabel('Prompt');
    await prompt.fill('partial index');
    await prompt.press('Enter');
    await page.locator('.results > li').first().waitFor();
    expect(await page.locator('.results > li h3').first().textContent()).toBe('Partial Indexes');
    expect(await page.locator('.summary a.sentence').first().getAttribute('href')).toBe('https://docs.example.test/indexes.html');
    expect(consoleErrors).toEqual([]);
  });

  it('shows the refusal when the token may not save a profile', async () => {
    await page.getByLabel('Save as profile').fill('mine');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saving the profile: authorization: this key lacks the "ingest" scope').waitFor();
    expect(await page.getByLabel('Profile', { exact: true }).inputValue()).toBe('');
  });
});
