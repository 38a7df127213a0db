import type { Entity, EntityLink } from '@lexigraph/contracts';
import type { AnyNode, Element } from 'domhandler';
import { isTag, isText } from 'domhandler';
import { textContent } from 'domutils';
import { parseDocument } from 'htmlparser2';
import { canonicalizeUrl, urlToId } from './url';

export interface HtmlToEntityOptions {
  /** Maps the canonical page URL to the entity id. Default: the URL's decoded pathname (plus query, if any). */
  idFor?(url: string): string;
}

/** Elements whose content is never page text. */
const DROP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'aside', 'svg', 'iframe', 'object', 'canvas', 'select',
  'head', 'title',
]);
/** Landmarks that are page chrome, except inside an article/main/section where they belong to the content. */
const CHROME_TAGS = new Set(['header', 'footer']);
const CHROME_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'search']);
const BOILERPLATE_CLASSES = new Set(['navheader', 'navfooter']);
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup',
  'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr',
  'ul', 'html', 'center', 'legend', 'option',
]);
const CELL_TAGS = new Set(['td', 'th']);
const HEADING = /^h([1-6])$/;
const SEE_ALSO_TEXT = /^\s*(see\s+also|related\b)/i;
const SEE_ALSO_ATTR = /see[\s_-]?also|related/i;
/**
 * Permalink decoration beside headings and terms (Sphinx's `headerlink` "¶", "§", "#" and link-symbol anchors): a
 * permalink-classed element or an in-page link whose text is only such a mark (or nothing).
 */
const PERMALINK_CLASS = /(^|[\s_-])(headerlink|permalink|anchorjs-link|hash-link|header-anchor|heading-anchor|anchor-link|anchor)($|[\s_-])/i;
const MARK_ONLY = /^[\s¶§#🔗⚓∞¤†]*$/u;
/** A mark that is never a word of its own (unlike "#"). */
const MARK_SYMBOL = /[¶§🔗⚓]/u;
/** Marks left at the end of a heading or term once its permalink element is gone (a bare "¶" text node). */
const TRAILING_MARKS = /[\s]*[¶§🔗⚓]+$/u;
/** A pilcrow or link symbol ending a line of text is a permalink mark left as plain text. */
const LINE_END_MARKS = /\s*[¶🔗⚓]+$/u;
/** Past this nesting depth children are ignored: it bounds recursion on hostile documents. */
const MAX_DEPTH = 400;

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function attr(el: Element, name: string): string {
  return el.attribs[name] ?? '';
}

function classTokens(el: Element): string[] {
  const c = attr(el, 'class');
  return c ? c.toLowerCase().split(/\s+/) : [];
}

function isBreadcrumb(el: Element): boolean {
  return /breadcrumb/i.test(attr(el, 'class')) || /breadcrumb/i.test(attr(el, 'aria-label'));
}

function isBoilerplate(el: Element): boolean {
  return classTokens(el).some((c) => BOILERPLATE_CLASSES.has(c));
}

/** Chrome = navigation, site header/footer, docs nav tables, breadcrumbs: neither text nor body links. */
function isChrome(el: Element, inContentSection: boolean): boolean {
  if (el.name === 'nav') return true;
  if (CHROME_TAGS.has(el.name) && !inContentSection) return true;
  if (CHROME_ROLES.has(attr(el, 'role').toLowerCase())) return true;
  return isBoilerplate(el) || isBreadcrumb(el);
}

/** A permalink mark: decoration that names the element it sits in, never page text. */
function isPermalink(el: Element): boolean {
  if (el.name !== 'a' && el.name !== 'span') return false;
  const text = textContent(el);
  if (!MARK_ONLY.test(text)) return false;
  // a permalink class or an in-page link; or any link whose whole text is a mark (release notes' "§" commit links)
  return PERMALINK_CLASS.test(attr(el, 'class')) || (el.name === 'a' && (attr(el, 'href').startsWith('#') || MARK_SYMBOL.test(text)));
}

/** The text of a heading or term without its permalink marks, on one line. */
function labelText(el: Element): string {
  const parts: string[] = [];
  const walk = (nodes: AnyNode[], depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const n of nodes) {
      if (isText(n)) parts.push(n.data);
      else if (isTag(n) && !isPermalink(n) && !DROP_TAGS.has(n.name)) walk(n.children, depth + 1);
    }
  };
  walk(el.children, 0);
  return collapse(parts.join('')).replace(TRAILING_MARKS, '');
}

function headingLevel(el: Element): number {
  const m = HEADING.exec(el.name);
  return m ? Number(m[1]) : 0;
}

function firstChildHeading(el: Element): Element | null {
  for (const c of el.children) {
    if (isTag(c)) return headingLevel(c) > 0 ? c : null;
  }
  return null;
}

function marksSeeAlso(el: Element): boolean {
  if (SEE_ALSO_ATTR.test(attr(el, 'class')) || SEE_ALSO_ATTR.test(attr(el, 'id')) || SEE_ALSO_ATTR.test(attr(el, 'aria-label'))) {
    return true;
  }
  const h = firstChildHeading(el);
  return h !== null && SEE_ALSO_TEXT.test(textContent(h));
}

function findAll(nodes: AnyNode[], test: (el: Element) => boolean, out: Element[] = [], depth = 0): Element[] {
  if (depth > MAX_DEPTH) return out;
  for (const n of nodes) {
    if (!isTag(n)) continue;
    if (test(n)) out.push(n);
    findAll(n.children, test, out, depth + 1);
  }
  return out;
}

function findFirst(nodes: AnyNode[], test: (el: Element) => boolean, depth = 0): Element | null {
  if (depth > MAX_DEPTH) return null;
  for (const n of nodes) {
    if (!isTag(n)) continue;
    if (test(n)) return n;
    const hit = findFirst(n.children, test, depth + 1);
    if (hit) return hit;
  }
  return null;
}

function baseFor(nodes: AnyNode[], pageUrl: string, allowFile: boolean): string {
  const base = findFirst(nodes, (el) => el.name === 'base' && attr(el, 'href') !== '');
  if (!base) return pageUrl;
  return canonicalizeUrl(attr(base, 'href'), pageUrl, allowFile) ?? pageUrl;
}

function nofollowPage(nodes: AnyNode[]): boolean {
  return findAll(nodes, (el) => el.name === 'meta' && attr(el, 'name').toLowerCase() === 'robots').some((m) =>
    /nofollow|none/i.test(attr(m, 'content')),
  );
}

/**
 * All `<a href>` / `<area href>` targets of `html` as absolute canonical URLs, deduplicated, in document order:
 * the crawler's frontier (navigation links included). `rel="nofollow"` links and pages with a robots meta tag
 * saying nofollow yield nothing.
 */
export function extractLinks(html: string, baseUrl: string): string[] {
  const doc = parseDocument(html);
  if (nofollowPage(doc.children)) return [];
  const base = baseFor(doc.children, baseUrl, false);
  const out = new Set<string>();
  for (const a of findAll(doc.children, (el) => (el.name === 'a' || el.name === 'area') && 'href' in el.attribs)) {
    if (/\bnofollow\b/i.test(attr(a, 'rel'))) continue;
    const url = canonicalizeUrl(attr(a, 'href'), base);
    if (url) out.add(url);
  }
  return [...out];
}

interface TextState {
  parts: string[];
  headings: string[];
  terms: string[];
}

/** Appends the plain text of `nodes`; blocks start on new lines, table cells are space separated. */
function collectText(nodes: AnyNode[], st: TextState, pre: boolean, inContentSection: boolean, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const n of nodes) {
    if (isText(n)) {
      st.parts.push(pre ? n.data : n.data.replace(/\s+/g, ' '));
      continue;
    }
    if (!isTag(n)) continue;
    const name = n.name;
    if (DROP_TAGS.has(name) || isChrome(n, inContentSection) || isPermalink(n)) continue;
    if ('hidden' in n.attribs || attr(n, 'aria-hidden') === 'true') continue;
    if (name === 'br') {
      st.parts.push('\n');
      continue;
    }
    const level = headingLevel(n);
    if (level > 0) {
      const h = labelText(n);
      if (h) st.headings.push(h);
    } else if (name === 'dt') {
      const t = labelText(n);
      if (t && !st.terms.includes(t)) st.terms.push(t);
    }
    const block = BLOCK_TAGS.has(name);
    if (block) st.parts.push('\n');
    else if (CELL_TAGS.has(name)) st.parts.push(' ');
    const section = inContentSection || name === 'article' || name === 'main' || name === 'section';
    collectText(n.children, st, pre || name === 'pre' || name === 'textarea', section, depth + 1);
    if (block) st.parts.push('\n');
    else if (CELL_TAGS.has(name)) st.parts.push(' ');
  }
}

function finishText(parts: string[]): string {
  const lines: string[] = [];
  for (const line of parts.join('').split('\n')) {
    const t = line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim().replace(LINE_END_MARKS, '');
    if (t) lines.push(t);
  }
  return lines.join('\n');
}

interface LinkState {
  base: string;
  self: string;
  allowFile: boolean;
  links: EntityLink[];
  keys: Set<string>;
}

/** Body links (chrome excluded) with their kind; "see also"/"related" regions are found by class or heading. */
function collectLinks(nodes: AnyNode[], st: LinkState, seeAlso: boolean, inContentSection: boolean, depth: number): void {
  if (depth > MAX_DEPTH) return;
  // A "See also" heading marks the following siblings until a heading of the same or a higher level.
  let siblingLevel = 0;
  for (const n of nodes) {
    if (!isTag(n)) continue;
    if (isChrome(n, inContentSection) || n.name === 'script' || n.name === 'template') continue;
    const level = headingLevel(n);
    if (level > 0) {
      if (siblingLevel > 0 && level <= siblingLevel) siblingLevel = 0;
      if (SEE_ALSO_TEXT.test(textContent(n))) siblingLevel = level;
    }
    const here = seeAlso || siblingLevel > 0 || marksSeeAlso(n);
    if ((n.name === 'a' || n.name === 'area') && 'href' in n.attribs) {
      const url = canonicalizeUrl(attr(n, 'href'), st.base, st.allowFile);
      if (url && url !== st.self) {
        let text = collapse(textContent(n));
        if (!text) text = collapse(attr(n, 'title') || attr(n, 'alt'));
        if (!text) {
          const img = findFirst(n.children, (el) => el.name === 'img');
          text = img ? collapse(attr(img, 'alt')) : '';
        }
        const kind = here ? 'see-also' : 'body';
        const key = `${url}\u0000${text}\u0000${kind}`;
        if (!st.keys.has(key)) {
          st.keys.add(key);
          st.links.push({ url, text, kind });
        }
      }
    }
    const section = inContentSection || n.name === 'article' || n.name === 'main' || n.name === 'section';
    collectLinks(n.children, st, here, section, depth + 1);
  }
}

/** The landmarks extraction needs, found in one pass over the document (first match of each). */
interface DocIndex {
  title: Element | null;
  h1: Element | null;
  main: Element | null;
  articles: Element[];
  body: Element | null;
  breadcrumb: Element | null;
  upLink: Element | null;
  navHeader: Element | null;
  description: Element | null;
  base: Element | null;
}

function indexDocument(nodes: AnyNode[]): DocIndex {
  const ix: DocIndex = {
    title: null, h1: null, main: null, articles: [], body: null, breadcrumb: null, upLink: null, navHeader: null,
    description: null, base: null,
  };
  const visit = (list: AnyNode[], depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const n of list) {
      if (!isTag(n)) continue;
      switch (n.name) {
        case 'title':
          ix.title ??= n;
          break;
        case 'h1':
          ix.h1 ??= n;
          break;
        case 'main':
          ix.main ??= n;
          break;
        case 'article':
          ix.articles.push(n);
          break;
        case 'body':
          ix.body ??= n;
          break;
        case 'base':
          if (attr(n, 'href') !== '') ix.base ??= n;
          break;
        case 'link':
          if (/(^|\s)up(\s|$)/i.test(attr(n, 'rel')) && attr(n, 'title') !== '') ix.upLink ??= n;
          break;
        case 'meta':
          if (!ix.description && ['description', 'og:description'].includes((attr(n, 'name') || attr(n, 'property')).toLowerCase())) {
            ix.description = n;
          }
          break;
      }
      if (!ix.main && attr(n, 'role').toLowerCase() === 'main') ix.main = n;
      if (!ix.breadcrumb && isBreadcrumb(n)) ix.breadcrumb = n;
      if (!ix.navHeader && isBoilerplate(n)) ix.navHeader = n;
      visit(n.children, depth + 1);
    }
  };
  visit(nodes, 0);
  return ix;
}

function breadcrumbItems(crumb: Element, title: string): string[] {
  let items = findAll(crumb.children, (el) => el.name === 'li').map((li) => collapse(textContent(li)));
  if (items.length === 0) items = findAll(crumb.children, (el) => el.name === 'a').map((a) => collapse(textContent(a)));
  if (items.length === 0) {
    items = collapse(textContent(crumb))
      .split(/\s*[›»>/|]\s*/)
      .map((s) => s.trim());
  }
  items = items.map((s) => s.replace(/^[›»>/|\s]+|[›»>/|\s]+$/g, '')).filter((s) => s.length > 0);
  if (items.length > 0 && items[0]?.toLowerCase() === 'home') items.shift();
  const last = items[items.length - 1];
  if (last !== undefined && last.toLowerCase() === title.toLowerCase()) items.pop();
  return items;
}

/** Category from the docs' "up" relation: `<link rel="up" title>` or the nav header's "Up" link. */
function upCategory(ix: DocIndex): string[] {
  if (ix.upLink) return [collapse(attr(ix.upLink, 'title'))];
  if (ix.navHeader) {
    const up = findFirst(
      ix.navHeader.children,
      (el) => el.name === 'a' && (attr(el, 'accesskey').toLowerCase() === 'u' || collapse(textContent(el)).toLowerCase() === 'up'),
    );
    if (up) {
      const t = collapse(attr(up, 'title'));
      if (t) return [t];
    }
  }
  return [];
}

function mainRoot(ix: DocIndex, nodes: AnyNode[]): AnyNode[] {
  if (ix.main) return [ix.main];
  if (ix.articles.length === 1) return ix.articles;
  return ix.body ? [ix.body] : nodes;
}

/** Internal variant used by the folder reader: `file:` page URLs allowed. */
export function htmlToEntityImpl(html: string, url: string, opts: HtmlToEntityOptions, allowFile: boolean): Entity {
  const canonical = canonicalizeUrl(url, undefined, allowFile) ?? url;
  const doc = parseDocument(html);
  const nodes = doc.children;
  const ix = indexDocument(nodes);
  let title = ix.title ? collapse(textContent(ix.title)).replace(TRAILING_MARKS, '') : '';
  if (!title && ix.h1) title = labelText(ix.h1);
  const st: TextState = { parts: [], headings: [], terms: [] };
  collectText(mainRoot(ix, nodes), st, false, false, 0);
  const base = ix.base ? (canonicalizeUrl(attr(ix.base, 'href'), canonical, allowFile) ?? canonical) : canonical;
  const ls: LinkState = { base, self: canonical, allowFile, links: [], keys: new Set() };
  collectLinks(ix.body ? [ix.body] : nodes, ls, false, false, 0);
  const category = ix.breadcrumb ? breadcrumbItems(ix.breadcrumb, title) : upCategory(ix);
  const meta: Record<string, string> = {};
  const description = ix.description ? collapse(attr(ix.description, 'content')) : '';
  if (description) meta.description = description;
  return {
    id: opts.idFor ? opts.idFor(canonical) : urlToId(canonical),
    url: canonical,
    title: title || (st.headings[0] ?? ''),
    text: finishText(st.parts),
    headings: st.headings,
    terms: st.terms,
    category,
    tags: [],
    links: ls.links,
    meta,
  };
}

/**
 * Converts an HTML page to an entity: title (`<title>`, else the first h1), headings (h1–h6), terms (`<dt>`),
 * main-content text (blocks on separate lines; scripts, styles, nav, site header/footer, asides,
 * role=navigation and docs navigation tables dropped), category (breadcrumbs, else the "up" chapter),
 * body links as canonical absolute URLs ('see-also' inside a "See also"/"related" region), meta.description.
 */
export function htmlToEntity(html: string, url: string, opts: HtmlToEntityOptions = {}): Entity {
  return htmlToEntityImpl(html, url, opts, false);
}
