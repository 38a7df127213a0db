import { existsSync } from 'node:fs';

/** Debian's Chromium (`apt-get install chromium`): the browser the page's tests drive; no browser is downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Arguments of a headless, quiet Chromium for tests: no sandbox (CI runs as root), no GPU, no QUIC, and none of
 * the background traffic (updates, sync, first-run pages), so a test reaches nothing but its own server. The
 * profile directory is given apart (playwright-core's `launchPersistentContext(dir, …)`): a fresh one per test.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * The Chromium a browser test may launch, or undefined (with the reason written to `warn`, loudly) when it is not
 * installed; under CI (`CI=true`) a missing Chromium throws instead, so the page's tests never skip there.
 */
export function chromiumForTests(env: Record<string, string | undefined>, warn: (message: string) => void): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const message = `${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium) to run the web page's browser tests`;
  if (env.CI === 'true' || env.CI === '1') throw new Error(`${message} (CI=${env.CI}: they must run)`);
  warn(`\n${'!'.repeat(100)}\nSKIPPED: ${message}\n${'!'.repeat(100)}\n`);
  return undefined;
}
