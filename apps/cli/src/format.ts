import type { Answer } from '@lexigraph/core';

function score(n: number): string {
  return n.toFixed(3);
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Renders an answer as readable text: results, summary with sources, related multi-tokens, suggestions. */
export function formatAnswer(answer: Answer, options: { snippets?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`Prompt: ${answer.prompt}`);
  if (answer.matched?.length) lines.push(`Matched: ${answer.matched.map((m) => m.token).join(', ')}`);
  if (answer.noAnswer) {
    lines.push(`No answer: ${answer.noAnswer.reason}`);
  }
  if (answer.results.length) {
    lines.push('', 'Results:');
    answer.results.forEach((r, i) => {
      lines.push(`  ${String(i + 1).padStart(2)}. [${score(r.score)}] ${r.title}${r.url ? `  <${r.url}>` : `  (${r.id})`}`);
      if (r.category?.length) lines.push(`      in ${r.category.join(' › ')}`);
      if (options.snippets !== false && r.snippets?.[0]) lines.push(`      “${clip(r.snippets[0].text, 160)}”`);
    });
  }
  if (answer.summary?.length) {
    lines.push('', 'Summary:');
    const byId = new Map(answer.results.map((r, i) => [r.id, i + 1]));
    for (const s of answer.summary) {
      const n = byId.get(s.sourceId);
      lines.push(`  - ${clip(s.sentence, 240)} [${n !== undefined ? `#${n}` : s.sourceId}]`);
    }
  }
  if (answer.related?.length) {
    lines.push('', `Related: ${answer.related.map((r) => `${r.token} (${r.pmi.toFixed(2)})`).join(', ')}`);
  }
  if (answer.seeAlso?.length) {
    lines.push('', `See also: ${answer.seeAlso.map((s) => (s.url ? `${s.title} <${s.url}>` : s.title)).join('; ')}`);
  }
  if (answer.suggestions?.length) {
    lines.push('', 'Try also:');
    for (const s of answer.suggestions) lines.push(`  > ${s}`);
  }
  lines.push('', `(${answer.results.length} results in ${answer.timings.totalMs.toFixed(2)} ms)`);
  return lines.join('\n');
}
