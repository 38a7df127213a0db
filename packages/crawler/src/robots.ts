/**
 * robots.txt (RFC 9309): user-agent groups, Allow/Disallow with longest match (Allow wins a tie), `*` wildcards
 * and the `$` end anchor, plus the `Sitemap:` lines.
 */

interface Rule {
  allow: boolean;
  /** Pattern length, the precedence of the rule (longest wins). */
  length: number;
  re: RegExp;
}

export interface RobotsRules {
  /** Whether the crawler may fetch `pathAndQuery` (e.g. "/a/b?x=1"). */
  isAllowed(pathAndQuery: string): boolean;
  /** Absolute or relative sitemap URLs listed in the file, in order. */
  sitemaps: string[];
}

interface Group {
  agents: string[];
  rules: Rule[];
}

function compile(pattern: string): RegExp {
  let anchored = false;
  let p = pattern;
  if (p.endsWith('$')) {
    anchored = true;
    p = p.slice(0, -1);
  }
  const body = p
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp('^' + body + (anchored ? '$' : ''));
}

/** Normalizes percent-encoding so `/%7Efoo` and `/~foo` compare equal on both sides. */
function normalizePath(p: string): string {
  return p.replace(/%([0-9a-fA-F]{2})/g, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
}

/** The product token a robots.txt group is matched against: "LexigraphBot/0.1 (+url)" → "lexigraphbot". */
export function productToken(userAgent: string): string {
  const first = userAgent.trim().split(/[\s/]/)[0] ?? '';
  return first.toLowerCase();
}

/**
 * Parses robots.txt `text` for the crawler whose User-Agent is `userAgent`. The groups naming the crawler's
 * product token (case-insensitive) apply, merged; otherwise the `*` groups; otherwise everything is allowed.
 */
export function parseRobots(text: string, userAgent: string): RobotsRules {
  const token = productToken(userAgent);
  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let current: Group | null = null;
  let lastWasAgent = false;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const hash = rawLine.indexOf('#');
    const line = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).trim();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'user-agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    if (key === 'sitemap') {
      if (value) sitemaps.push(value);
      continue;
    }
    lastWasAgent = false;
    if ((key === 'allow' || key === 'disallow') && current) {
      // An empty Disallow allows everything; it adds no rule.
      if (value === '') continue;
      const pattern = normalizePath(value.startsWith('/') || value.startsWith('*') ? value : '/' + value);
      current.rules.push({ allow: key === 'allow', length: pattern.length, re: compile(pattern) });
    }
  }
  const named = groups.filter((g) => g.agents.some((a) => a !== '*' && a === token));
  const chosen = named.length > 0 ? named : groups.filter((g) => g.agents.includes('*'));
  const rules = chosen.flatMap((g) => g.rules);
  return {
    sitemaps,
    isAllowed(pathAndQuery: string): boolean {
      const path = normalizePath(pathAndQuery || '/');
      if (path === '/robots.txt') return true;
      let best: Rule | null = null;
      for (const r of rules) {
        if (!r.re.test(path)) continue;
        if (!best || r.length > best.length || (r.length === best.length && r.allow && !best.allow)) best = r;
      }
      return best ? best.allow : true;
    },
  };
}

/** Rules that allow everything (robots.txt missing: 4xx). */
export const ALLOW_ALL: RobotsRules = { sitemaps: [], isAllowed: () => true };
/** Rules that forbid everything but /robots.txt (robots.txt unreachable: 5xx or network error, per RFC 9309). */
export const DISALLOW_ALL: RobotsRules = { sitemaps: [], isAllowed: (p) => p === '/robots.txt' };
