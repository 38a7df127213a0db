import fc from 'fast-check';
import { allowsCollection, matchesPattern, withinPatterns } from './patterns';

/** The oracle: the same pattern as an anchored regular expression. */
function byRegex(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(name);
}

describe('collection patterns', () => {
  it('matches names, * runs and ? characters', () => {
    expect(matchesPattern('docs', 'docs')).toBe(true);
    expect(matchesPattern('docs', 'docs2')).toBe(false);
    expect(matchesPattern('docs-*', 'docs-')).toBe(true);
    expect(matchesPattern('docs-*', 'docs-eu')).toBe(true);
    expect(matchesPattern('docs-*', 'doc-eu')).toBe(false);
    expect(matchesPattern('*', 'anything')).toBe(true);
    expect(matchesPattern('a?c', 'abc')).toBe(true);
    expect(matchesPattern('a?c', 'ac')).toBe(false);
    expect(matchesPattern('*-eu-*', 'pg-eu-15')).toBe(true);
    expect(matchesPattern('*a*a*a*a*b', 'a'.repeat(64))).toBe(false);
    expect(allowsCollection(['x', 'docs-*'], 'docs-1')).toBe(true);
    expect(allowsCollection([], 'docs-1')).toBe(false);
  });

  it('agrees with an anchored regular expression on arbitrary patterns and names', () => {
    const alphabet = fc.constantFrom('a', 'b', '-', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '-'), maxLength: 10 }), (pattern, name) => {
        expect(matchesPattern(pattern, name)).toBe(byRegex(pattern, name));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps tenant token collections within the key: names it allows, or its own patterns', () => {
    expect(withinPatterns(['docs-*'], 'docs-eu')).toBe(true);
    expect(withinPatterns(['docs-*'], 'docs-*')).toBe(true);
    expect(withinPatterns(['docs-*'], 'billing')).toBe(false);
    expect(withinPatterns(['d*'], 'docs-*')).toBe(false);
    expect(withinPatterns(['*'], 'docs-*')).toBe(true);
  });
});
