import { z } from 'zod';
import { describeIssues, listIssues, type FieldIssue } from './schemas';

/**
 * The text entity, the unit of retrieval, as every boundary takes it: the JSON Lines reader, the upload API (JSON
 * array or JSON Lines) and storage. This schema is the one definition; the `Entity` type is inferred from it, and the
 * engine's own `Entity` interface (`@lexigraph/core`, which depends on nothing) is proved identical to it at compile
 * time in `@lexigraph/pipeline`.
 *
 * Strict by design:
 * - types are never coerced: `{"title": 3}` is refused (`title: expected string, received number`), as is a string
 *   where a list is expected (`"category": "Guides"`);
 * - unknown fields are refused, naming the field (`categroy: unknown field`), so a misspelt field is never dropped
 *   silently; anything else about a document belongs in `meta` (string values);
 * - list items (category, tags, headings, terms, acl) are trimmed and empty ones dropped; missing lists default to
 *   `[]`, a missing title or text to `""`, but a document needs a non-blank `id` and a non-blank title or text.
 */

/** A list of labels: strings, trimmed, empty ones dropped. */
const Labels = z.array(z.string()).transform((items) => items.map((s) => s.trim()).filter((s) => s.length > 0));

/**
 * Free-form string metadata. A `__proto__` key (which JSON.parse makes an own key) is refused by name rather than
 * dropped silently, as the record would otherwise do.
 */
const StringMap = z.preprocess((value, ctx) => {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
    ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'reserved key', input: value });
  }
  return value;
}, z.record(z.string(), z.string()));

/** Where a link was found: an explicit "see also" / related list, navigation, or running text. */
export const LinkKind = z.enum(['see-also', 'related', 'body']);

/** A link of an entity: `url` (absolute URL or entity id), anchor `text` (default ""), optional `kind`. */
export const EntityLink = z.strictObject({
  /** Absolute URL (or entity id) the link points at. */
  url: z.string().min(1, 'must not be empty'),
  /** Anchor text as written in the source. */
  text: z.string().default(''),
  kind: LinkKind.optional(),
});
export type EntityLink = z.infer<typeof EntityLink>;

/** The fields of an entity. */
const fields = {
  /** Stable id, unique within a collection (for crawled pages: the canonical URL path). */
  id: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
  url: z.string().optional(),
  title: z.string().default(''),
  /** Plain body text; sentences and paragraphs separated by newlines or punctuation. */
  text: z.string().default(''),
  /** Section headings (h1..h6) of the entity, in document order. */
  headings: Labels.optional(),
  /** Defined terms (definition-list terms, glossary entries), weighted like headings. */
  terms: Labels.optional(),
  /** Taxonomy path from the root, e.g. breadcrumbs: ["Server Administration", "Monitoring"]. */
  category: Labels.default([]),
  tags: Labels.default([]),
  links: z.array(EntityLink).default([]),
  /** Id of the parent entity (a section keeps its page as parent). */
  parent: z.string().optional(),
  /** Free-form string metadata. */
  meta: StringMap.optional(),
  /**
   * The groups that may see the entity. Absent: every caller of the collection sees it; `[]`: only a caller that sees
   * everything does.
   */
  acl: Labels.optional(),
};

/** The entity schema (see the module comment): parse a decoded JSON record with {@link parseEntity}. */
export const Entity = z.strictObject(fields).superRefine((e, ctx) => {
  if (e.title.trim() === '' && e.text.trim() === '') {
    ctx.addIssue({ code: 'custom', path: ['title'], message: 'a document needs a non-blank title or text' });
  }
});
export type Entity = z.infer<typeof Entity>;

/** The result of {@link parseEntity}: the entity, or every bad field (`message` names them all in one line). */
export type EntityParse = { ok: true; entity: Entity } | { ok: false; issues: FieldIssue[]; message: string };

/**
 * Validates one decoded JSON record against the {@link Entity} schema. On failure, `issues` lists each bad field by
 * its path and `message` joins them: `title: expected string, received number; links.0.url: ...; colour: unknown
 * field`.
 */
export function parseEntity(value: unknown): EntityParse {
  const result = Entity.safeParse(value);
  if (result.success) return { ok: true, entity: result.data };
  return { ok: false, issues: listIssues(result.error), message: describeIssues(result.error) };
}
