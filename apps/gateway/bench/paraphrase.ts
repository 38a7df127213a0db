/**
 * Paraphrases of a prompt as people type the same question: another word order, another case, stopwords and
 * question words around it, punctuation. Seeded, so every run and every server gets the same traffic.
 */

const LEADS = ['how to', 'what is', 'the', 'how do I', 'about'];
const TAILS = ['?', '.', '!', ' ?', ''];

/** `n` paraphrases of `prompt` (its words shuffled, recased, wrapped in stopwords, punctuated), drawn from `random`. */
export function paraphrases(prompt: string, n: number, random: () => number): string[] {
  const words = prompt.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let ws = [...words];
    // word order: a rotation or a reversal (most index terms are "noun, qualifier" pairs typed either way)
    if (ws.length > 1) ws = random() < 0.5 ? [...ws.slice(1), ws[0] as string] : ws.reverse();
    const caseOf = random();
    ws = ws.map((w) => (caseOf < 0.3 ? w.toUpperCase() : caseOf < 0.6 ? w.charAt(0).toUpperCase() + w.slice(1) : w));
    if (random() < 0.6) ws.unshift(LEADS[Math.floor(random() * LEADS.length)] as string);
    const joined = random() < 0.3 && ws.length > 2 ? `${ws.slice(0, -1).join(' ')}, ${ws[ws.length - 1]}` : ws.join(' ');
    out.push(`${joined}${TAILS[Math.floor(random() * TAILS.length)]}`);
  }
  return out;
}
