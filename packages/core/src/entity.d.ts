/**
 * The text entity: the unit of retrieval. Readers and the crawler produce entities; the engine indexes them.
 * Every field but `id` and `title` may be empty. Offsets in answers (snippets) refer to `text`.
 */
export interface EntityLink {
    /** Absolute URL (or entity id) the link points at. */
    url: string;
    /** Anchor text as written in the source. */
    text: string;
    /** Where the link was found: an explicit "see also" / related list, navigation, or running text. */
    kind?: 'see-also' | 'related' | 'body';
}
export interface Entity {
    /** Stable id, unique within a collection (for crawled pages: the canonical URL path). */
    id: string;
    url?: string;
    title: string;
    /** Plain body text; sentences and paragraphs separated by newlines or punctuation. */
    text: string;
    /** Section headings (h1..h6) of the entity, in document order. */
    headings?: string[];
    /** Defined terms (definition-list terms, glossary entries), weighted like headings. */
    terms?: string[];
    /** Taxonomy path from the root, e.g. breadcrumbs: ["Server Administration", "Monitoring"]. */
    category: string[];
    tags: string[];
    links: EntityLink[];
    /** Id of the parent entity (a section keeps its page as parent). */
    parent?: string;
    meta?: Record<string, string>;
    acl?: string[];
}
//# sourceMappingURL=entity.d.ts.map