import { el, replace, safeHref } from './dom.js';
import { highlighted, markTerms } from './highlight.js';
import type { AnswerResult, CollectionAnswer, ResultExplanation } from './types.js';

/** What the answer's controls do. */
export interface AnswerActions {
  /** Ask `prompt` (a suggestion or a related multi-token). */
  ask(prompt: string): void;
  /** Keep only results under the category `path` (the `category` parameter). */
  filterCategory(path: string): void;
  /** Show why result `id` scored what it did (asks again with `explain` when the answer lacks it). */
  explain(id: string): void;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

function section(title: string, id: string, ...body: Array<Node | null>): HTMLElement {
  return el('section', { class: 'block', 'aria-labelledby': id }, el('h2', { id }, title), ...body);
}

function summary(answer: CollectionAnswer, byId: ReadonlyMap<string, { result: AnswerResult; rank: number }>): HTMLElement | null {
  if (answer.summary.length === 0) return null;
  const items = answer.summary.map((s) => {
    const source = byId.get(s.sourceId);
    const href = safeHref(source?.result.url);
    const title = source?.result.title ?? s.sourceId;
    const sentence = href
      ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'sentence', title: `Source: ${title}` }, s.sentence)
      : el('span', { class: 'sentence' }, s.sentence);
    const cite = source ? el('a', { href: `#result-${source.rank}`, class: 'cite', 'aria-label': `result ${source.rank}: ${title}` }, `[${source.rank}]`) : null;
    return el('li', {}, sentence, ' ', cite);
  });
  return el('ol', { class: 'summary', 'aria-label': 'Summary, each sentence from its source' }, ...items);
}

function explanation(ex: ResultExplanation, rank: number): HTMLElement {
  const row = (label: string, share: number, extra = '') =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, label, extra ? el('span', { class: 'muted' }, ` ${extra}`) : null),
      el('td', {}, el('meter', { min: '0', max: '1', value: String(share), 'aria-label': `${label}: ${percent(share)}` })),
      el('td', { class: 'num' }, percent(share)),
    );
  const terms = ex.terms.map((t) => row(t.token, t.share, t.expansion ? '(expansion)' : t.words > 1 ? '(multi-token)' : ''));
  const fields = Object.entries(ex.fields)
    .filter(([, share]) => share > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([field, share]) => row(field, share));
  return el(
    'div',
    { class: 'explain' },
    el('table', {}, el('caption', {}, 'Matched terms: share of the score'), el('tbody', {}, ...terms)),
    el('table', {}, el('caption', {}, 'Fields: share of the score'), el('tbody', {}, ...fields)),
    ex.softMatch > 0 ? el('p', {}, `Soft match: ${percent(ex.softMatch)} of the score`) : null,
    el('span', { class: 'sr-only' }, `End of why result ${rank}`),
  );
}

function result(r: AnswerResult, rank: number, terms: string[][], actions: AnswerActions, open: boolean): HTMLElement {
  const href = safeHref(r.url);
  const title = href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, r.title || r.id) : el('span', {}, r.title || r.id);
  const whyId = `why-${rank}`;
  const why = el('button', { type: 'button', class: 'link', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': whyId }, 'Why this result');
  why.addEventListener('click', () => {
    const panel = document.getElementById(whyId);
    if (r.explain && panel) {
      const show = panel.hidden;
      panel.hidden = !show;
      why.setAttribute('aria-expanded', String(show));
    } else actions.explain(r.id);
  });
  return el(
    'li',
    { id: `result-${rank}`, class: 'result', tabindex: '-1' },
    el('h3', {}, title),
    el(
      'p',
      { class: 'meta' },
      r.category.length ? el('span', { class: 'category' }, r.category.join(' › ')) : null,
      r.tags.length ? el('span', { class: 'tags' }, r.tags.join(', ')) : null,
      el('span', { class: 'score', title: 'share of the best score this prompt can reach' }, `score ${r.score.toFixed(2)}`),
    ),
    ...r.snippets.map((s) => el('p', { class: 'snippet' }, '… ', ...highlighted(s.text, terms), ' …')),
    why,
    r.explain ? el('div', { id: whyId, hidden: !open, tabindex: '-1', 'aria-label': `Why result ${rank}` }, explanation(r.explain, rank)) : null,
  );
}

function chips(items: string[], label: (item: string) => string, act: (item: string) => void, cls = 'chip'): HTMLElement {
  return el(
    'ul',
    { class: 'chips' },
    ...items.map((item) => {
      const b = el('button', { type: 'button', class: cls, 'aria-label': label(item) }, item);
      b.addEventListener('click', () => act(item));
      return el('li', {}, b);
    }),
  );
}

/**
 * Shows `answer` in `target`: `noAnswer` plainly, else the cited summary, the results (highlighted snippets, why
 * each one), categories, related multi-tokens, see-also links and suggestions. `openExplain`: the result whose
 * explanation starts open.
 */
export function renderAnswer(target: HTMLElement, answer: CollectionAnswer, actions: AnswerActions, openExplain?: string): void {
  const byId = new Map(answer.results.map((r, i) => [r.id, { result: r, rank: i + 1 }]));
  const terms = markTerms(answer.matched.map((m) => m.token));
  const parts: Array<Node | null> = [];
  if (answer.noAnswer) {
    parts.push(
      el(
        'div',
        { class: 'no-answer', role: 'note' },
        el('h2', {}, 'No answer'),
        el('p', {}, `This collection does not answer “${answer.prompt}”: ${answer.noAnswer.reason}.`),
      ),
    );
  } else {
    parts.push(section('Answer', 'answer-title', summary(answer, byId) ?? el('p', { class: 'muted' }, 'No summary for this prompt.')));
  }
  const info: string[] = [`${answer.collection} v${answer.indexVersion}`, `${answer.timings.totalMs.toFixed(1)} ms`];
  if (answer.confidence) info.push(`coverage ${percent(answer.confidence.coverage)}`);
  if (answer.matched.length) info.push(`matched: ${answer.matched.map((m) => m.token).join(', ')}`);
  parts.push(el('p', { class: 'muted info' }, info.join(' · ')));
  if (answer.suggestions.length) {
    parts.push(section('Suggestions', 'suggestions-title', chips(answer.suggestions, (s) => `Ask: ${s}`, (s) => actions.ask(s), 'chip suggestion')));
  }
  if (answer.results.length) {
    parts.push(
      section(
        'Results',
        'results-title',
        el('ol', { class: 'results' }, ...answer.results.map((r, i) => result(r, i + 1, terms, actions, r.id === openExplain))),
      ),
    );
  }
  const side: Array<Node | null> = [];
  if (answer.categories.length) {
    side.push(section('Categories', 'categories-title', chips(answer.categories.map((c) => c.path), (p) => `Only results under ${p}`, (p) => actions.filterCategory(p))));
  }
  if (answer.related.length) {
    side.push(section('Related', 'related-title', chips(answer.related.map((r) => r.token), (t) => `Ask: ${t}`, (t) => actions.ask(t))));
  }
  if (answer.seeAlso.length) {
    side.push(
      section(
        'See also',
        'see-also-title',
        el(
          'ul',
          { class: 'links' },
          ...answer.seeAlso.map((s) => {
            const href = safeHref(s.url);
            return el('li', {}, href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, s.title || s.url) : s.title);
          }),
        ),
      ),
    );
  }
  if (side.length) parts.push(el('div', { class: 'side' }, ...side));
  replace(target, ...parts);
}
