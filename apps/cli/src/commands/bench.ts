import { runBench } from '../bench/bench';
import type { CliContext } from '../context';
import { println } from '../io';

export interface BenchCommandOptions {
  datasets: string;
  json?: boolean;
}

/** `bench`: relevance, build and query benchmarks against the peers (see bench/bench.ts). */
export async function benchCommand(ctx: CliContext, opts: BenchCommandOptions): Promise<number> {
  const datasets = opts.datasets
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  await runBench({ datasets, json: opts.json ?? false, log: (line) => println(ctx.io.stdout, line) });
  return 0;
}
