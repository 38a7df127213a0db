import { parseRobots, productToken } from './robots';

const robots = `
# comment
User-agent: *
Disallow: /private/
Allow: /private/public/
Disallow: /*.pdf$
Disallow: /search?
Disallow:

User-agent: LexigraphBot
User-agent: other
Disallow: /lexi-only/
Allow: /lexi-only/ok
Disallow: /page
Allow: /page

Sitemap: https://x.org/sitemap-a.xml
sitemap: /relative.xml
`;

describe('parseRobots', () => {
  it('extracts the product token from a user agent', () => {
    expect(productToken('LexigraphBot/0.1 (+https://x.org)')).toBe('lexigraphbot');
  });

  it('applies the * group to unnamed crawlers with longest match, * and $', () => {
    const r = parseRobots(robots, 'SomeBot/1.0');
    expect(r.isAllowed('/')).toBe(true);
    expect(r.isAllowed('/private/x')).toBe(false);
    expect(r.isAllowed('/private/public/x')).toBe(true);
    expect(r.isAllowed('/files/a.pdf')).toBe(false);
    expect(r.isAllowed('/files/a.pdf?x=1')).toBe(true);
    expect(r.isAllowed('/search?q=1')).toBe(false);
    expect(r.isAllowed('/search')).toBe(true);
    expect(r.isAllowed('/robots.txt')).toBe(true);
  });

  it('uses only the group naming the crawler (case-insensitive), merged across lines', () => {
    const r = parseRobots(robots, 'lexigraphbot/2');
    expect(r.isAllowed('/private/x')).toBe(true);
    expect(r.isAllowed('/lexi-only/x')).toBe(false);
    expect(r.isAllowed('/lexi-only/ok')).toBe(true);
    // Equal length: Allow wins.
    expect(r.isAllowed('/page')).toBe(true);
  });

  it('lists sitemaps and treats percent-encoding of unreserved characters as equal', () => {
    const r = parseRobots('User-agent: *\nDisallow: /%7Ejoe/\nSitemap: /s.xml', 'X');
    expect(r.sitemaps).toEqual(['/s.xml']);
    expect(r.isAllowed('/~joe/page')).toBe(false);
    expect(parseRobots(robots, 'X').sitemaps).toEqual(['https://x.org/sitemap-a.xml', '/relative.xml']);
  });

  it('allows everything when no group applies', () => {
    expect(parseRobots('User-agent: other\nDisallow: /', 'LexigraphBot').isAllowed('/x')).toBe(true);
    expect(parseRobots('', 'LexigraphBot').isAllowed('/x')).toBe(true);
  });
});
