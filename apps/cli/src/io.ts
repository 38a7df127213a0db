/** Where the CLI writes: injectable so tests run the real commands in-process. */
export interface Writable {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  /** Environment (LEXIGRAPH_DATA, DATABASE_URL); defaults to process.env. */
  env: Record<string, string | undefined>;
  /** Directory relative paths resolve against; defaults to process.cwd(). */
  cwd: string;
}

export function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes one line. */
export function println(out: Writable, line = ''): void {
  out.write(`${line}\n`);
}
