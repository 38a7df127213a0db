import fc from 'fast-check';
import { LexIndex, type Entity } from '@lexigraph/core';
import { AnswerText, type GatewayAnswer } from './answer-serializer';

const docs: Entity[] = [
  { id: 'a', url: 'https://x.test/a', title: 'Zürich “quotes” \\ back\u2028slash', text: 'Vacuum freeze runs. Emoji 😀 and a lone \ud800 surrogate. "Quoted" vacuum.', category: ['A', 'B'], tags: ['t'], links: [], parent: 'p' },
  { id: 'b', title: 'Freeze', text: 'Freeze vacuum <script>alert(1)</script> tab\there.', category: [], tags: [], links: [{ url: 'a', text: 'vacuum freeze', kind: 'see-also' }] },
];
const index = LexIndex.build(docs);
const gateway = (prompt: string, extra: Record<string, unknown> = {}): GatewayAnswer => ({ ...index.ask(prompt), collection: 'c', indexVersion: 3, ...extra });

describe('AnswerText (compiled serializer)', () => {
  it('writes the same JSON value as JSON.stringify, fields it does not know included', () => {
    for (const prompt of ['vacuum freeze', 'quokka', 'the', 'freeze "x" \\ 😀']) {
      const answer = gateway(prompt, { confidence: 0.5, explain: [{ field: 'title' }] });
      const text = AnswerText.of(answer).withPrompt(prompt);
      expect(JSON.parse(text.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(answer)));
    }
  });

  it('puts any prompt in front of a kept answer', () => {
    fc.assert(
      fc.property(fc.string(), (prompt) => {
        const answer = gateway('vacuum');
        const text = AnswerText.of(answer).withPrompt(prompt);
        expect(JSON.parse(text.toString('utf8'))).toEqual(JSON.parse(JSON.stringify({ ...answer, prompt })));
      }),
      { numRuns: 300 },
    );
  });

  it('tells answers from no-answers', () => {
    expect(AnswerText.of(gateway('vacuum')).answered).toBe(true);
    expect(AnswerText.of(gateway('quokka')).answered).toBe(false);
  });
});
