/**
 * Whether `name` matches a collection pattern: `*` stands for any run of characters (also none), `?` for exactly
 * one, anything else for itself. Written by hand rather than compiled to a RegExp so that a key's patterns can never
 * cost more than O(pattern × name) steps (collection names are at most 64 characters): the classic wildcard walk
 * that remembers the last `*` and retries from there.
 */
export function matchesPattern(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  // Invariant: pattern[0..p) matches name[0..n); `star` is the last `*` seen and `resume` where its run ends now.
  while (n < name.length) {
    const c = pattern[p];
    if (c === '?' || (c !== undefined && c !== '*' && c === name[n])) {
      p++;
      n++;
    } else if (c === '*') {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether one of `patterns` lets through the collection `name`. */
export function allowsCollection(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => matchesPattern(p, name));
}

/**
 * Whether a tenant token's collection entry stays within a key's patterns: a name the key allows, or exactly one of
 * the key's own patterns (a pattern is not compared with other patterns: `docs-*` inside `d*` is refused, not guessed).
 */
export function withinPatterns(keyPatterns: readonly string[], entry: string): boolean {
  if (/[*?]/.test(entry)) return keyPatterns.includes(entry) || keyPatterns.includes('*');
  return allowsCollection(keyPatterns, entry);
}
