import { openWarning } from '@lexigraph/auth';
import type { CliContext } from '../context';
import { usage } from '../errors';
import { println } from '../io';
import { startServer } from '../serve/server';

export interface ServeCommandOptions {
  host: string;
  port: string;
}

/**
 * `serve`: the web page and the gateway's query API on this data directory's collections (the embedded store that
 * `demo` and `ingest` fill), until SIGINT or SIGTERM.
 */
export async function serveCommand(ctx: CliContext, opts: ServeCommandOptions): Promise<number> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be an integer 0..65535 (got "${opts.port}")`);
  const server = await startServer(ctx, { host: opts.host, port });
  const out = ctx.io.stdout;
  if (!server.auth) println(ctx.io.stderr, openWarning('lexigraph serve'));
  println(out, `serving ${ctx.dataDir} on ${server.url} (the page at ${server.url}/, the API under ${server.url}/v1/); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  println(out, 'stopped');
  return 0;
}
