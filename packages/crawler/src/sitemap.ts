import { parseDocument, DomUtils } from 'htmlparser2';

export interface SitemapContent {
  /** Page URLs listed in a `<urlset>`. */
  urls: string[];
  /** Child sitemaps listed in a `<sitemapindex>`. */
  sitemaps: string[];
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
}

/** Parses a sitemap or sitemap index (sitemaps.org 0.9, namespace prefixes tolerated). */
export function parseSitemap(xml: string): SitemapContent {
  const doc = parseDocument(xml, { xmlMode: true });
  const out: SitemapContent = { urls: [], sitemaps: [] };
  const locs = DomUtils.findAll((el) => localName(el.name) === 'loc', doc.children);
  for (const loc of locs) {
    const value = DomUtils.textContent(loc).trim();
    if (!value) continue;
    const parent = loc.parent && 'name' in loc.parent ? localName(String(loc.parent.name)) : '';
    if (parent === 'sitemap') out.sitemaps.push(value);
    else if (parent === 'url') out.urls.push(value);
  }
  return out;
}
