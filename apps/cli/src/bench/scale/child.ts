import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** The CLI package root (`apps/cli`), the same from `src/bench/scale` and `dist/bench/scale`. */
export const CLI_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The `lexigraph` command, run by the scale bench as a user would. */
export const CLI_BIN = path.join(CLI_ROOT, 'bin', 'lexigraph.js');
const DIST_SCALE = path.join(CLI_ROOT, 'dist', 'bench', 'scale');
/** The compiled probe preloaded into every child, and the compiled measuring worker. */
export const RSS_PROBE = path.join(DIST_SCALE, 'rss-probe.js');
export const SCALE_WORKER = path.join(DIST_SCALE, 'worker.js');

/** Throws unless the compiled CLI, probe and worker exist (the children always run compiled JavaScript). */
export function requireBuilt(): void {
  const missing = [path.join(CLI_ROOT, 'dist', 'main.js'), RSS_PROBE, SCALE_WORKER].filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`scale bench: build the CLI first (npm run build); missing ${missing.join(', ')}`);
}

/** How one child process ran: exit, wall time and peak memory. */
export interface ChildRun {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  ok: boolean;
  /** From spawn to exit, ms. */
  wallMs: number;
  /** Peak resident set size, MB; null when neither the probe nor /proc could tell. */
  peakRssMB: number | null;
  /** probe: `resourceUsage().maxRSS` at exit; proc: the last VmHWM sampled from /proc (the process died). */
  rssSource: 'probe' | 'proc' | 'none';
  stdout: string;
  /** The last 4 KB of stderr. */
  stderr: string;
}

/** Bytes of output kept per stream: the bench only parses short outputs. */
const KEEP = 1 << 20;
const STDERR_TAIL = 4096;
const SAMPLE_MS = 100;

async function vmHwmKiB(pid: number): Promise<number | null> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    // The process is gone (or there is no /proc): the figure sampled before stands.
    return null;
  }
}

/**
 * Runs `node [nodeArgs] --require <probe> <args>` with Node's default heap (NODE_OPTIONS is cleared, so no inherited
 * `--max-old-space-size` applies), and measures its wall time and peak RSS: the probe's `maxRSS` at a normal exit,
 * else the highest VmHWM sampled every 100 ms from /proc (Linux) when the process died. `probeFile` is where the
 * probe writes; `cwd` is the child's working directory.
 */
export async function runChild(args: string[], opts: { probeFile: string; cwd: string; nodeArgs?: string[]; env?: Record<string, string> }): Promise<ChildRun> {
  await fs.rm(opts.probeFile, { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, LEXIGRAPH_RSS_PROBE: opts.probeFile };
  delete env.NODE_OPTIONS;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--require', RSS_PROBE, ...args], {
    cwd: opts.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    if (stdout.length < KEEP) stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_TAIL);
  });
  let sampled: number | null = null;
  const pid = child.pid;
  const timer =
    pid === undefined
      ? undefined
      : setInterval(() => {
          void vmHwmKiB(pid).then((kib) => {
            if (kib !== null) sampled = Math.max(sampled ?? 0, kib);
          });
        }, SAMPLE_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  }).finally(() => clearInterval(timer));
  const wallMs = performance.now() - t0;
  let probed: number | null = null;
  try {
    probed = Number(await fs.readFile(opts.probeFile, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const kib = probed !== null && Number.isFinite(probed) ? probed : sampled;
  return {
    code,
    signal,
    ok: code === 0,
    wallMs,
    peakRssMB: kib === null ? null : kib / 1024,
    rssSource: probed !== null && Number.isFinite(probed) ? 'probe' : sampled !== null ? 'proc' : 'none',
    stdout,
    stderr,
  };
}

/** Why a child failed, in one line: the signal or exit code and the most telling line of its stderr. */
export function failureOf(run: ChildRun): string {
  const lines = run.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.find((l) => /heap out of memory|FATAL|error:/i.test(l)) ?? lines[lines.length - 1] ?? '';
  const how = run.signal ? `killed by ${run.signal}` : `exit ${run.code}`;
  return telling ? `${how}: ${telling}` : how;
}
