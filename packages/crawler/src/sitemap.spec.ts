import { parseSitemap } from './sitemap';

describe('parseSitemap', () => {
  it('reads url sets', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://x.org/a.html </loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>https://x.org/b.html?x=1&amp;y=2</loc></url>
</urlset>`;
    expect(parseSitemap(xml)).toEqual({ urls: ['https://x.org/a.html', 'https://x.org/b.html?x=1&y=2'], sitemaps: [] });
  });

  it('reads sitemap indexes, with or without a namespace prefix', () => {
    const xml = `<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
<sm:sitemap><sm:loc>https://x.org/s1.xml</sm:loc></sm:sitemap><sm:sitemap><sm:loc>https://x.org/s2.xml.gz</sm:loc></sm:sitemap></sm:sitemapindex>`;
    expect(parseSitemap(xml)).toEqual({ urls: [], sitemaps: ['https://x.org/s1.xml', 'https://x.org/s2.xml.gz'] });
  });

  it('ignores loc elements elsewhere and survives garbage', () => {
    expect(parseSitemap('<urlset><image><loc>https://x.org/i.png</loc></image></urlset>')).toEqual({ urls: [], sitemaps: [] });
    expect(parseSitemap('not xml at all <<<')).toEqual({ urls: [], sitemaps: [] });
  });
});
