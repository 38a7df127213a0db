#!/usr/bin/env node
// `npm run start:services [-- --no-build]`: runs the three services (ingest, indexer, gateway) as built apps against
// the local PostgreSQL and Redis, without Docker. Makes sure both answer (scripts/services.sh), builds the apps
// unless --no-build, creates the database when missing and applies the migrations, starts the three processes with
// their output prefixed by name, prints their URLs once they answer, and stops them all on Ctrl-C or SIGTERM.
// A service that exits on its own is started again after a backoff (1 s, doubling up to 30 s; back to 1 s once it
// has run a minute), and the others keep running.
//
// Environment (defaults): DATABASE_URL (postgresql://postgres@127.0.0.1:5432/lexigraph), REDIS_URL
// (redis://127.0.0.1:6379), LEXIGRAPH_DATA (./.lexigraph), INGEST_PORT (3001), GATEWAY_PORT (3000),
// INDEXER_PORT (3002, its /health and /metrics), INDEXER_CONCURRENCY (4), QUEUE_PREFIX (lexigraph),
// SERVICES_RESTART_MS (1000: the first restart delay), SERVICES_RESTART_MAX_MS (30000).
// Without LEXIGRAPH_MASTER_KEY the services run with LEXIGRAPH_AUTH=off (every route open, said loudly at start and
// once they answer); with it, every route but /health needs a key.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const APPS = ['ingest', 'indexer', 'gateway'];
const STOP_GRACE_MS = 15_000;
const READY_TIMEOUT_MS = 120_000;
/** A service that ran this long before it exited counts as having started well: its next restart waits the least. */
const STABLE_MS = 60_000;
const RESTART_MS = Number(process.env.SERVICES_RESTART_MS || 1000);
const RESTART_MAX_MS = Number(process.env.SERVICES_RESTART_MAX_MS || 30_000);

const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/lexigraph',
  REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  LEXIGRAPH_DATA: path.resolve(process.env.LEXIGRAPH_DATA || path.join(ROOT, '.lexigraph')),
  INGEST_PORT: process.env.INGEST_PORT || '3001',
  INGEST_HOST: process.env.INGEST_HOST || '127.0.0.1',
  GATEWAY_PORT: process.env.GATEWAY_PORT || '3000',
  GATEWAY_HOST: process.env.GATEWAY_HOST || '127.0.0.1',
  INDEXER_PORT: process.env.INDEXER_PORT || '3002',
  INDEXER_HOST: process.env.INDEXER_HOST || '127.0.0.1',
  CHECKPOINT_DISABLE: '1',
  TURBO_TELEMETRY_DISABLED: '1',
};
// A local run without a master key is open, explicitly, so the services start (they refuse to run open by accident).
if (!env.LEXIGRAPH_MASTER_KEY) env.LEXIGRAPH_AUTH = 'off';
const OPEN = env.LEXIGRAPH_AUTH === 'off';

function warnOpen() {
  if (!OPEN) return;
  const bar = '!'.repeat(100);
  process.stderr.write(
    `${bar}\n!! RUNNING OPEN: LEXIGRAPH_AUTH=off. Anyone who reaches these ports can read, change and delete everything.\n` +
      `!! Set LEXIGRAPH_MASTER_KEY (32+ characters) to require API keys; see the README's Security section.\n${bar}\n`,
  );
}

function say(line) {
  process.stdout.write(`[services] ${line}\n`);
}

function fail(line) {
  process.stderr.write(`[services] ${line}\n`);
  process.exit(1);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Creates the database of DATABASE_URL when it does not exist, connecting to the server's `postgres` database. */
async function ensureDatabase() {
  const pg = require(require.resolve('pg', { paths: [path.join(ROOT, 'packages', 'db')] }));
  const target = new URL(env.DATABASE_URL);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return;
  const adminUrl = new URL(env.DATABASE_URL);
  adminUrl.pathname = '/postgres';
  adminUrl.search = '';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Applies pending migrations (the services would too; doing it once first keeps their starts quick). */
async function migrate() {
  const { createStore } = require(path.join(ROOT, 'packages', 'db', 'dist'));
  const store = await createStore({ databaseUrl: env.DATABASE_URL });
  const applied = store.migrations && Array.isArray(store.migrations.applied) ? store.migrations.applied.length : 0;
  await store.close();
  say(`database ready (${applied} migration(s) applied now)`);
}

function prefixLines(stream, name, out) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
  stream.on('end', () => {
    if (buffered) out.write(`[${name}] ${buffered}\n`);
  });
}

/** Whether `url` answers HTTP at all (any status: a 503 while a dependency is down still means the process runs). */
async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

const URLS = {
  ingest: () => `http://127.0.0.1:${env.INGEST_PORT}`,
  indexer: () => `http://127.0.0.1:${env.INDEXER_PORT}`,
  gateway: () => `http://127.0.0.1:${env.GATEWAY_PORT}`,
};

async function waitReady() {
  const end = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const up = await Promise.all(APPS.map((app) => answers(`${URLS[app]()}/health`)));
    if (up.every(Boolean)) return;
    if (Date.now() > end) throw new Error(`the services did not answer within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Delay before the restart that follows `failures` exits in a row (each quicker than STABLE_MS). */
function backoff(failures) {
  return Math.min(RESTART_MAX_MS, RESTART_MS * 2 ** failures);
}

async function main() {
  warnOpen();
  const build = !process.argv.includes('--no-build');
  run('bash', [path.join('scripts', 'services.sh')]);
  if (build) {
    say('building the services');
    run('npx', ['turbo', 'run', 'build', ...APPS.map((a) => `--filter=@lexigraph/${a}...`), '--output-logs=errors-only']);
  }
  for (const app of APPS) {
    if (!existsSync(path.join(ROOT, 'apps', app, 'dist', 'main.js'))) fail(`apps/${app}/dist/main.js is missing: run "npm run build" first`);
  }
  await ensureDatabase();
  await migrate();

  /** One entry per app: its current process, pending restart and exits in a row. */
  const services = APPS.map((name) => ({ name, child: null, timer: undefined, failures: 0, startedAt: 0 }));
  let stopping = false;

  const start = (svc) => {
    svc.timer = undefined;
    const child = spawn(process.execPath, [path.join('apps', svc.name, 'dist', 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    svc.child = child;
    svc.startedAt = Date.now();
    prefixLines(child.stdout, svc.name, process.stdout);
    prefixLines(child.stderr, svc.name, process.stderr);
    say(`${svc.name} started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const ranMs = Date.now() - svc.startedAt;
      if (ranMs >= STABLE_MS) svc.failures = 0;
      const delay = backoff(svc.failures);
      svc.failures++;
      process.stderr.write(`[services] ${svc.name} exited (${signal ?? `code ${code}`}) after ${(ranMs / 1000).toFixed(1)} s; restarting it in ${delay} ms, the others keep running\n`);
      svc.timer = setTimeout(() => start(svc), delay);
    });
  };

  const stopAll = (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping the services');
    for (const svc of services) clearTimeout(svc.timer);
    const alive = services.map((s) => s.child).filter((c) => c && c.exitCode === null && c.signalCode === null);
    if (alive.length === 0) process.exit(code);
    let left = alive.length;
    const timer = setTimeout(() => {
      for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, STOP_GRACE_MS);
    for (const c of alive) {
      c.once('exit', () => {
        if (--left === 0) {
          clearTimeout(timer);
          process.exit(code);
        }
      });
      c.kill('SIGTERM');
    }
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  for (const svc of services) start(svc);

  try {
    await waitReady();
    say(`ingest   ${URLS.ingest()}   POST /v1/collections, /v1/collections/:c/sources, /v1/collections/:c/documents; GET /v1/collections/:c/progress; OpenAPI /docs`);
    say(`gateway  ${URLS.gateway()}   POST /v1/collections/:c/query; OpenAPI /docs`);
    say(`indexer  ${URLS.indexer()}   ${env.INDEXER_CONCURRENCY || 4} jobs at once per queue; data in ${env.LEXIGRAPH_DATA}`);
    say('each answers /health and /metrics; press Ctrl-C to stop them all');
    warnOpen();
  } catch (err) {
    process.stderr.write(`[services] ${err.message}\n`);
    stopAll(1);
  }
}

main().catch((err) => fail(err.stack || String(err)));
