import * as path from 'node:path';
import { runBench } from '../bench/bench';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { println } from '../io';

export interface BenchCommandOptions {
  datasets: string;
  json?: boolean;
  /** Comma-separated corpus sizes: runs the scale bench instead of the relevance bench. */
  scale?: string;
  scaleSeed?: string;
  scaleReport?: string;
  keepTemp?: boolean;
}

/** Parses `10000,100000,1e6` or `10k,1M` into entity counts; throws a usage error naming a bad item. */
export function parseSizes(list: string): number[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(s.replace(/_/g, ''));
      const n = m ? Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2] as string) ? 1e3 : 1e6) : Number.NaN;
      if (!Number.isInteger(n) || n < 1) throw usage(`--scale: "${s}" is not a positive whole number of entities`);
      return n;
    });
}

/**
 * `bench`: relevance, build and query benchmarks against the peers (see bench/bench.ts), or with `--scale` the
 * scale bench on generated corpora of the given sizes, ingested into PostgreSQL (see bench/scale/scale.ts).
 */
export async function benchCommand(ctx: CliContext, opts: BenchCommandOptions): Promise<number> {
  const log = (line: string) => println(ctx.io.stdout, line);
  if (opts.scale !== undefined) {
    if (!ctx.databaseUrl) throw usage('bench --scale ingests into PostgreSQL: pass --database-url (or set DATABASE_URL)');
    const seed = Number(opts.scaleSeed ?? '1');
    if (!Number.isInteger(seed) || seed < 0) throw usage(`--scale-seed: "${opts.scaleSeed ?? ''}" is not a whole number`);
    const { runScaleBench } = await import('../bench/scale/scale');
    const report = await runScaleBench({
      sizes: parseSizes(opts.scale),
      seed,
      databaseUrl: ctx.databaseUrl,
      keepTemp: opts.keepTemp ?? false,
      reportFile: path.resolve(ctx.io.cwd, opts.scaleReport ?? 'scale-report.json'),
      log,
    });
    if (opts.json) log(JSON.stringify(report, null, 2));
    return 0;
  }
  const datasets = opts.datasets
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  await runBench({ datasets, json: opts.json ?? false, log });
  return 0;
}
