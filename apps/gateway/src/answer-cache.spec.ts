import { LexIndex, resolveParams, type Entity } from '@lexigraph/core';
import { Registry } from 'prom-client';
import { AnswerCache, answerKey } from './answer-cache';
import { AnswerCacheMetrics } from './answer-cache-metrics';
import type { ServedIndex } from './index-registry';

const docs: Entity[] = ['vacuum freeze', 'partial index', 'write ahead log', 'logical replication'].map((t, i) => ({
  id: `d${i}`,
  title: t,
  text: `${t} explained. ${t} in detail, with ${t} examples.`,
  category: [],
  tags: [],
  links: [],
}));
const served: ServedIndex = {
  collection: 'c',
  index: LexIndex.build(docs),
  version: 1,
  publishedAt: new Date(1_000),
  bytes: 0,
  entities: docs.length,
  defaults: {},
  configured: true,
  source: 'database',
  loadMs: 0,
};
const params = resolveParams({});
const cacheOf = (localEntries: number, localBytes: number) => {
  const holder: { cache?: AnswerCache } = {};
  const metrics = new AnswerCacheMetrics(new Registry(), () => holder.cache!.localUsage());
  holder.cache = new AnswerCache({ localEntries, localBytes, shared: null }, metrics);
  return holder.cache;
};
const ask = (cache: AnswerCache, prompt: string) => cache.answer({ served, prompt, params }, () => served);

describe('AnswerCache (in-process layer)', () => {
  it('answers paraphrases from one entry, with the prompt as asked', async () => {
    const cache = cacheOf(10, 1 << 20);
    const first = await ask(cache, 'vacuum freeze');
    const second = await ask(cache, 'FREEZE, the vacuum?');
    expect([first.layer, second.layer]).toEqual([null, 'local']);
    expect(JSON.parse(second.body.toString()).prompt).toBe('FREEZE, the vacuum?');
    expect({ ...JSON.parse(second.body.toString()), prompt: '' }).toEqual({ ...JSON.parse(first.body.toString()), prompt: '' });
    expect(cache.localUsage().count).toBe(1);
  });

  it('keeps at most its count of entries, least recently used out first', async () => {
    const cache = cacheOf(2, 1 << 20);
    await ask(cache, 'vacuum');
    await ask(cache, 'partial');
    expect((await ask(cache, 'vacuum')).layer).toBe('local'); // vacuum is now more recent than partial
    await ask(cache, 'replication');
    expect(cache.localUsage().count).toBe(2);
    expect((await ask(cache, 'vacuum')).layer).toBe('local');
    expect((await ask(cache, 'partial')).layer).toBeNull();
  });

  it('keeps at most its bytes', async () => {
    const one = (await ask(cacheOf(10, 1 << 20), 'vacuum')).body.length;
    const cache = cacheOf(100, 5 * one);
    for (const p of ['vacuum', 'partial', 'replication', 'log', 'freeze', 'index', 'logical', 'write']) await ask(cache, p);
    expect(cache.localUsage().bytes).toBeLessThanOrEqual(5 * one);
    expect(cache.localUsage().count).toBeLessThan(8);
  });

  it('keys by version, parameters and what the caller sees, not by word order', () => {
    const std = served.index.standardize('vacuum freeze', params);
    const key = answerKey({ served, prompt: 'vacuum freeze', params }, std);
    expect(answerKey({ served, prompt: 'freeze vacuum', params }, served.index.standardize('freeze vacuum', params))).toBe(key);
    expect(answerKey({ served: { ...served, version: 2 }, prompt: '', params }, std)).not.toBe(key);
    expect(answerKey({ served: { ...served, publishedAt: new Date(2_000) }, prompt: '', params }, std)).not.toBe(key);
    expect(answerKey({ served, prompt: '', params: resolveParams({ k: 3 }) }, std)).not.toBe(key);
    // no document of this collection has an acl: every caller, with groups or without, is one audience
    expect(answerKey({ served, prompt: '', params, caller: { aclGroups: ['b', 'a'] } }, std)).toBe(answerKey({ served, prompt: '', params }, std));
    expect(answerKey({ served, prompt: '', params, caller: { aclGroups: [] } }, std)).toBe(answerKey({ served, prompt: '', params }, std));
    // with restricted documents, callers who see different documents never share a key
    const restricted: ServedIndex = { ...served, index: LexIndex.build([...docs, { ...docs[0]!, id: 'secret', acl: ['a'] }, { ...docs[1]!, id: 'other', acl: ['b'] }]) };
    const keyOf = (caller: { aclGroups?: string[] }) => answerKey({ served: restricted, prompt: '', params, caller }, std);
    const a = keyOf({ aclGroups: ['b', 'a'] });
    expect(a).toBe(keyOf({})); // a and b together see every document
    expect(keyOf({ aclGroups: ['a'] })).not.toBe(a);
    expect(keyOf({ aclGroups: ['b'] })).not.toBe(keyOf({ aclGroups: ['a'] }));
    expect(keyOf({ aclGroups: [] })).not.toBe(keyOf({ aclGroups: ['a'] }));
    expect(keyOf({ aclGroups: ['a', 'a'] })).toBe(keyOf({ aclGroups: ['a'] }));
  });

  it('matches a prompt asked again under the same scope only once, and never across versions or parameters', async () => {
    const cache = cacheOf(10, 1 << 20);
    const standardized = async () => {
      const metric = await cache.metrics.stageSeconds.get();
      return metric.values.find((v) => v.metricName?.endsWith('_count') && v.labels.stage === 'standardize')?.value ?? 0;
    };
    await ask(cache, 'vacuum freeze');
    expect(await standardized()).toBe(1);
    const again = await ask(cache, 'vacuum freeze');
    expect(again.layer).toBe('local');
    expect(await standardized()).toBe(1);
    // the same words under other parameters, or on the next version, are other queries
    const k3 = await cache.answer({ served, prompt: 'vacuum freeze', params: resolveParams({ k: 3 }) }, () => served);
    expect(k3.layer).toBeNull();
    const next = { ...served, version: 2 };
    const v2 = await cache.answer({ served: next, prompt: 'vacuum freeze', params }, () => next);
    expect([v2.layer, v2.indexVersion]).toEqual([null, 2]);
    expect(await standardized()).toBe(3);
  });

  it('gives the hot set of earlier versions, most hits first, with the parameters and caller of each', async () => {
    const cache = cacheOf(10, 1 << 20);
    const k3 = resolveParams({ k: 3 });
    for (let i = 0; i < 3; i++) await cache.answer({ served, prompt: 'partial index', params: k3, caller: { aclGroups: ['g'] } }, () => served);
    for (let i = 0; i < 5; i++) await ask(cache, i % 2 ? 'Freeze vacuum' : 'vacuum freeze');
    await ask(cache, 'logical replication');
    cache.warm({ served, prompt: 'write ahead log', params }); // warmed, never asked: not hot
    const next = { ...served, version: 2, publishedAt: new Date(3_000) };
    await cache.answer({ served: next, prompt: 'write ahead log', params }, () => next); // the new version's own
    const hot = cache.hotQueries(next, 10);
    expect(hot.map((q) => [q.prompt, q.served.version])).toEqual([
      ['vacuum freeze', 2],
      ['partial index', 2],
      ['logical replication', 2],
    ]);
    expect(hot[1]).toMatchObject({ params: k3, caller: { aclGroups: ['g'] } });
    expect(cache.hotQueries(next, 1)).toHaveLength(1);
    // warmed on the new version, the hot set is answered from the cache
    for (const q of hot) cache.warm(q);
    expect((await cache.answer({ served: next, prompt: 'FREEZE the vacuum', params }, () => next)).layer).toBe('local');
  });

  it('computes every answer with both layers off', async () => {
    const cache = cacheOf(0, 1);
    expect(cache.enabled).toBe(false);
    expect((await ask(cache, 'vacuum')).layer).toBeNull();
    expect((await ask(cache, 'vacuum')).layer).toBeNull();
  });
});
