import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createDatabase, ensureBuilt, freePort, REDIS_URL, uniquePrefix, waitFor } from './helpers';

jest.setTimeout(240_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const APPS = ['ingest', 'indexer', 'gateway'] as const;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run start:services: a crashed service is restarted, the others stay up', () => {
  let db: { url: string; drop: () => Promise<void> };
  let supervisor: ChildProcess | null = null;
  let out = '';
  const data = mkdtempSync(path.join(tmpdir(), 'lx-services-'));
  const pids = new Set<number>();

  beforeAll(async () => {
    for (const app of APPS) ensureBuilt(path.join(ROOT, 'apps', app));
    db = await createDatabase('services');
  });

  afterAll(async () => {
    if (supervisor?.pid && supervisor.exitCode === null) supervisor.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await db?.drop();
    rmSync(data, { recursive: true, force: true });
  });

  /** PIDs of `app` in the order the supervisor started them. */
  const started = (app: string): number[] => [...out.matchAll(new RegExp(`\\[services\\] ${app} started \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1]));

  it('SIGKILL of the indexer: it comes back after its backoff while ingest and gateway keep answering', async () => {
    const ports = { ingest: await freePort(), indexer: await freePort(), gateway: await freePort() };
    supervisor = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start-services.js'), '--no-build'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL,
        REDIS_PORT: new URL(REDIS_URL).port || '6379',
        QUEUE_PREFIX: uniquePrefix('services'),
        LEXIGRAPH_DATA: data,
        INGEST_PORT: String(ports.ingest),
        INDEXER_PORT: String(ports.indexer),
        GATEWAY_PORT: String(ports.gateway),
        SERVICES_RESTART_MS: '300',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [supervisor.stdout, supervisor.stderr]) s?.on('data', (d: Buffer) => (out += d.toString()));
    const url = (app: keyof typeof ports) => `http://127.0.0.1:${ports[app]}`;
    await waitFor('the three services to answer', async () => (out.includes('press Ctrl-C') ? true : undefined), 120_000, 200);
    for (const app of APPS) for (const pid of started(app)) pids.add(pid);
    const [indexerPid] = started('indexer');
    const [ingestPid] = started('ingest');
    const [gatewayPid] = started('gateway');
    expect(indexerPid && ingestPid && gatewayPid).toBeTruthy();
    for (const app of APPS) expect((await fetch(`${url(app)}/health`)).status).toBe(200);

    // While the indexer is down and coming back, the other two answer every probe.
    let probing = true;
    const failures: string[] = [];
    const probes = (async () => {
      while (probing) {
        for (const app of ['ingest', 'gateway'] as const) {
          const status = await fetch(`${url(app)}/health`).then(
            (r) => r.status,
            (err: Error) => err.message,
          );
          if (status !== 200) failures.push(`${app}: ${status}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const killedAt = Date.now();
    process.kill(indexerPid as number, 'SIGKILL');
    const next = await waitFor('the indexer started again', async () => started('indexer')[1], 60_000, 100);
    pids.add(next);
    expect(next).not.toBe(indexerPid);
    await waitFor('the new indexer healthy', async () => ((await fetch(`${url('indexer')}/health`)).status === 200 ? true : undefined), 60_000, 200);
    const backInMs = Date.now() - killedAt;
    probing = false;
    await probes;

    expect(out).toMatch(/indexer exited \(SIGKILL\) after [\d.]+ s; restarting it in 300 ms, the others keep running/);
    expect(failures).toEqual([]);
    expect(alive(ingestPid as number) && alive(gatewayPid as number)).toBe(true);
    expect(started('ingest')).toEqual([ingestPid]);
    expect(started('gateway')).toEqual([gatewayPid]);
    expect(backInMs).toBeLessThan(60_000);

    // Ctrl-C (SIGTERM here) stops all three and the supervisor within the grace period.
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of [ingestPid, gatewayPid, next]) expect(alive(pid as number)).toBe(false);
  });
});
