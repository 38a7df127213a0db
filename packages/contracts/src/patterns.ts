import RE2 from 're2';

/** What a compiled user pattern offers: a pure test (no lastIndex state). */
export interface UserPattern {
  test(input: string): boolean;
  readonly source: string;
}

/**
 * Compiles a user's regular expression (crawl include / exclude) with RE2, which matches in time linear in the
 * input whatever the pattern: `^http://host/(a+)+$` on a long URL cannot stall the process as a backtracking
 * `RegExp` does. RE2 refuses what needs backtracking (backreferences such as `\1`, lookahead and lookbehind);
 * those, like syntax errors, throw a SyntaxError. A RegExp's flags are kept but `g` and `y`, so `test` is pure.
 */
export function compileUserPattern(pattern: string | RegExp): UserPattern {
  if (typeof pattern === 'string') return new RE2(pattern);
  return new RE2(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}
