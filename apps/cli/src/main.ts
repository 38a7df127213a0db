import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { AskOptions } from './commands/ask';
import type { BenchCommandOptions } from './commands/bench';
import type { DeleteOptions } from './commands/delete';
import type { EvalOptions } from './commands/eval';
import type { IngestOptions } from './commands/ingest';
import type { KeysCreateOptions } from './commands/keys';
import type { ServeCommandOptions } from './commands/serve';
import type { StatsOptions } from './commands/stats';
import type { TuneOptions } from './commands/tune';
import { CliContext, type GlobalOptions } from './context';
import { EXIT, report } from './errors';
import { defaultIO, type CliIO } from './io';

// Command modules load on use: `ask` must not pay for the crawler, the benchmark peers or progress bars.
const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Runs the `lexigraph` command line in this process: parses `argv` (the arguments after the program name), runs
 * the command and resolves to its exit code (0 ok, 1 failure, 2 bad usage or input). Output goes to `io`, so tests
 * drive the real commands; nothing calls process.exit.
 */
export async function run(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const cli: CliIO = { ...defaultIO(), ...io };
  let ctx: CliContext | undefined;
  let exit: number = EXIT.OK;
  let verbose = false;

  const program = new Command('lexigraph')
    .description('Lexigraph: an untrained LLM for specialized corpora (distilled tables, ranked and cited answers)')
    .option('--data <dir>', 'data directory (default: $LEXIGRAPH_DATA or ./.lexigraph)')
    .option('--database-url <url>', 'PostgreSQL connection string instead of the embedded database (default: $DATABASE_URL)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.stdout.write(s),
      writeErr: (s) => cli.stderr.write(s),
    });

  const context = (cmd: Command): CliContext => {
    ctx ??= new CliContext(cli, cmd.optsWithGlobals<GlobalOptions>());
    return ctx;
  };
  const action =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      exit = await fn(...args);
    };

  program
    .command('demo')
    .description('index the vendored PostgreSQL 15 manual (crawled over HTTP from 127.0.0.1) and answer sample prompts')
    .option('--no-progress', 'no progress output')
    .addOption(new Option('--archive <file>', 'another .tar.br site to crawl (tests)').hideHelp())
    .addOption(new Option('--prompt <text>', 'prompt to answer instead of the samples (repeatable)').argParser(collect).default([]).hideHelp())
    .action(
      action(async (opts: { progress: boolean; archive?: string; prompt?: string[] }, cmd: Command) =>
        (await import('./commands/demo')).demoCommand(context(cmd), {
          progress: opts.progress,
          archive: opts.archive ? path.resolve(cli.cwd, opts.archive) : undefined,
          prompts: opts.prompt?.length ? opts.prompt : undefined,
        }),
      ),
    );

  program
    .command('ingest')
    .description('crawl a URL or read a file/folder into a collection, then build and publish its index')
    .argument('<source>', 'http(s) URL, file or folder')
    .requiredOption('-c, --collection <name>', 'collection name')
    .addOption(new Option('--format <format>', 'input format').choices(['jsonl', 'beir', 'html', 'markdown', 'xllm']))
    .option('--include <regex>', 'only crawl URLs matching (repeatable)', collect, [])
    .option('--exclude <regex>', 'never crawl URLs matching (repeatable)', collect, [])
    .option('--allow-private', "let the seed's host be a private or loopback address (refused by default)")
    .option('--allow-host <host|cidr>', 'a private host, address or CIDR range the crawl may also reach (repeatable)', collect, [])
    .option('--max-pages <n>', 'crawl at most N pages (default 5000)')
    .option('--max-depth <n>', 'follow links at most N deep (default 8)')
    .option('-v, --verbose', 'list every skipped URL and dropped duplicate')
    .option('--no-progress', 'no progress output')
    .action(
      action(async (source: string, opts: IngestOptions, cmd: Command) => {
        verbose = opts.verbose ?? false;
        return (await import('./commands/ingest')).ingestCommand(context(cmd), source, opts);
      }),
    );

  program
    .command('delete')
    .description('delete stored documents of a collection by id, then build and publish its index')
    .argument('<ids...>', 'document ids')
    .requiredOption('-c, --collection <name>', 'collection name')
    .option('--no-progress', 'no progress output')
    .action(
      action(async (ids: string[], opts: DeleteOptions, cmd: Command) =>
        (await import('./commands/delete')).deleteCommand(context(cmd), ids, opts),
      ),
    );

  program
    .command('ask')
    .description('answer a prompt from a collection (or every line of --batch FILE)')
    .argument('[prompt]', 'the prompt')
    .requiredOption('-c, --collection <name>', 'collection name')
    .option('--json', 'print the answer as JSON (one line per prompt)')
    .option('-p, --param <key=value>', 'query parameter (repeatable), e.g. k=20', collect, [])
    .option('--profile <name>', 'saved parameter profile (built in: default, broad, precise)')
    .option('--batch <file>', 'one prompt per line; answers printed in the same order')
    .option('--acl-groups <a,b>', 'answer as a caller in these ACL groups: documents with an acl naming none of them stay hidden (default: see everything)')
    .action(
      action(async (prompt: string | undefined, opts: AskOptions, cmd: Command) =>
        (await import('./commands/ask')).askCommand(context(cmd), prompt, opts),
      ),
    );

  program
    .command('serve')
    .description('serve the web page and the query API (as the gateway does) on this data directory\'s collections')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = any free port)', '3000')
    .action(
      action(async (opts: ServeCommandOptions, cmd: Command) => (await import('./commands/serve')).serveCommand(context(cmd), opts)),
    );

  program
    .command('eval')
    .description('relevance on a qrels file (nDCG@10, P@1, Recall@10/100, MRR@10, MAP), or --taxonomy recovery')
    .requiredOption('-c, --collection <name>', 'collection name')
    .option('--qrels <file>', 'JSONL: {"query": "...", "relevant": ["id or url suffix", ...]} (required without --taxonomy)')
    .option('--json', 'print the metrics as JSON')
    .option('-p, --param <key=value>', 'query parameter (repeatable)', collect, [])
    .option('--profile <name>', 'saved parameter profile')
    .option('--taxonomy', 'taxonomy recovery: hide each category, predict it, compare with a kNN vote over FTS5 BM25')
    .option('--reuters <file>', 'with --taxonomy: Reuters-21578 archive or folder (ModApte split) instead of the collection')
    .option('--k <n>', 'with --taxonomy: neighbours of both kNN votes (default: chosen on held-out documents)')
    .option('--depth <n>', 'with --taxonomy: category levels used as the label (default 2)')
    .option('--seed <n>', 'with --taxonomy: seed of the held-out split (default 1)')
    .option('--no-progress', 'no progress output')
    .action(
      action(async (opts: EvalOptions, cmd: Command) => (await import('./commands/eval')).evalCommand(context(cmd), opts)),
    );

  program
    .command('tune')
    .description('search the query parameters that maximize a metric on a dev split of the qrels; report dev and held-out')
    .requiredOption('-c, --collection <name>', 'collection name')
    .requiredOption('--qrels <file>', 'JSONL: {"query": "...", "relevant": ["id or url suffix", ...]}')
    .option('--metric <metric>', 'ndcg@10, mrr@10 or recall@100', 'ndcg@10')
    .option('--seed <n>', 'seed of the dev/held-out shuffle', '1')
    .option('--dev-fraction <x>', 'share of the judged queries tuned on', '0.5')
    .option('--budget <n>', 'evaluations of the dev split at most', '150')
    .option('--min-t <x>', 'the winner must beat the defaults by this many standard errors on dev', '3')
    .option('--save-profile <name>', 'save the winning values as a profile of the collection')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (opts: TuneOptions, cmd: Command) => (await import('./commands/tune')).tuneCommand(context(cmd), opts)),
    );

  program
    .command('stats')
    .description('table sizes, index version and size of a collection')
    .requiredOption('-c, --collection <name>', 'collection name')
    .option('--json', 'print as JSON')
    .action(
      action(async (opts: StatsOptions, cmd: Command) => (await import('./commands/stats')).statsCommand(context(cmd), opts)),
    );

  const keys = program.command('keys').description('API keys of the ingest API and the gateway (stored hashed; a key is shown once, at creation)');
  keys
    .command('create')
    .description('create an API key and print it (the only time it is shown)')
    .requiredOption('--name <text>', 'what the key is for')
    .option('--scope <scope>', 'query, ingest or admin (repeatable)', collect, [])
    .option('--collection <pattern>', 'collection name or pattern, "*" any run, "?" one character (repeatable)', collect, [])
    .option('--expires <when>', 'ISO 8601 date-time, or a lifetime such as 30d, 12h, 90m')
    .option('--json', 'print the key as JSON')
    .action(
      action(async (opts: KeysCreateOptions, cmd: Command) => (await import('./commands/keys')).keysCreateCommand(context(cmd), opts)),
    );
  keys
    .command('list')
    .description('list the keys (ids, names, scopes, collections, expiry, revocation; never secrets)')
    .option('--json', 'print as JSON')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => (await import('./commands/keys')).keysListCommand(context(cmd), opts)));
  keys
    .command('revoke')
    .description('revoke a key by id; services refuse it within AUTH_KEY_CACHE_MS')
    .argument('<id>', 'key id (as listed)')
    .action(action(async (id: string, _opts: unknown, cmd: Command) => (await import('./commands/keys')).keysRevokeCommand(context(cmd), id)));

  program
    .command('bench')
    .description('benchmarks against BM25 peers on the shared datasets')
    .option('--datasets <list>', 'comma-separated: pg, pg-questions, scifact, xllm', 'pg,scifact,xllm')
    .option('--json', 'also print the report as JSON')
    .option('--scale <sizes>', 'scale bench instead: comma-separated corpus sizes, e.g. 10000,100000,1000000 (needs --database-url)')
    .option('--scale-seed <n>', 'with --scale: seed of the generated corpus and prompts', '1')
    .option('--scale-report <file>', 'with --scale: where to write the JSON report (default: scale-report.json in the working directory)')
    .option('--keep-temp', 'with --scale: keep the generated corpora, data directories and database schemas')
    .action(
      action(async (opts: BenchCommandOptions, cmd: Command) =>
        (await import('./commands/bench')).benchCommand(context(cmd), opts),
      ),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with code 0; usage errors were already printed by commander.
      exit = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else {
      exit = report(err, cli.stderr, verbose);
    }
  } finally {
    if (ctx) {
      try {
        await ctx.close();
      } catch (err) {
        if (exit === EXIT.OK) exit = report(err, cli.stderr, verbose);
      }
    }
  }
  return exit;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
