import type { Entity } from './entity';
import { LexIndex } from './lexindex';
import {
  LABEL_SEP,
  TaxonomyClassifier,
  knnVotes,
  mixEvidence,
  scoreTaxonomy,
  selectLabels,
  treeDistance,
  treeScore,
  type TaxonomyEvidence,
} from './taxonomy';

function ent(id: string, title: string, text: string, category: string[]): Entity {
  return { id, title, text, category, tags: [], links: [] };
}

// Two branches of a small tree: kitchen topics under "Home", engine topics under "Vehicles".
const CORPUS: Entity[] = [
  ent('b1', 'Sourdough loaf', 'Knead the dough, let the sourdough starter rise overnight, bake the loaf in a hot oven.', ['Home', 'Baking']),
  ent('b2', 'Rye bread', 'Rye dough rises slowly; bake the bread at high heat. A sourdough starter helps the rye rise.', ['Home', 'Baking']),
  ent('b3', 'Oven temperature', 'Preheat the oven before you bake bread or cakes. Knead dough gently.', ['Home', 'Baking']),
  ent('g1', 'Tomato beds', 'Water the tomato seedlings at dawn; compost the garden beds and prune the vines.', ['Home', 'Garden']),
  ent('g2', 'Compost heap', 'Turn the compost heap weekly; garden soil needs compost and water.', ['Home', 'Garden']),
  ent('e1', 'Diesel engine', 'The diesel engine injects fuel into hot compressed air; the pistons drive the crankshaft.', ['Vehicles', 'Engines']),
  ent('e2', 'Spark plugs', 'A petrol engine fires spark plugs; the crankshaft turns as pistons move. Check the fuel pump.', ['Vehicles', 'Engines']),
  ent('t1', 'Tyre pressure', 'Check tyre pressure monthly; worn tyres lose grip on wet roads.', ['Vehicles', 'Tyres']),
  ent('t2', 'Winter tyres', 'Winter tyres grip on snow; fit tyres before the first frost and check pressure.', ['Vehicles', 'Tyres']),
];

const labelsOf = (e: Entity) => (e.category.length ? [e.category] : []);

describe('tree distance score', () => {
  it('counts edges between two paths and scores 1 − dist / (2·depth)', () => {
    expect(treeDistance(['Home', 'Baking'], ['Home', 'Baking'])).toBe(0);
    expect(treeDistance(['Home'], ['Home', 'Baking'])).toBe(1);
    expect(treeDistance(['Home', 'Garden'], ['Home', 'Baking'])).toBe(2);
    expect(treeDistance(['Vehicles', 'Tyres'], ['Home', 'Baking'])).toBe(4);
    expect(treeScore(['Home', 'Baking'], ['Home', 'Baking'], 2)).toBe(1);
    expect(treeScore(['Home'], ['Home', 'Baking'], 2)).toBe(0.75); // the parent
    expect(treeScore(['Home', 'Garden'], ['Home', 'Baking'], 2)).toBe(0.5); // a sibling
    expect(treeScore(['Vehicles', 'Tyres'], ['Home', 'Baking'], 2)).toBe(0); // another branch
    // a flat tree: hit or miss
    expect(treeScore(['earn'], ['earn'], 1)).toBe(1);
    expect(treeScore(['acq'], ['earn'], 1)).toBe(0);
  });
});

describe('scoreTaxonomy', () => {
  it('pools decisions for micro-F1, averages per label for macro-F1, and scores the best label on the tree', () => {
    const m = scoreTaxonomy(
      [
        { predicted: ['a', 'b'], truth: ['a'] }, // tp a, fp b
        { predicted: ['b'], truth: ['b', 'c'] }, // tp b, fn c
        { predicted: ['c'], truth: ['a'] }, // fp c, fn a
      ],
      1,
    );
    // tp 2, fp 2, fn 2
    expect(m.microF1).toBeCloseTo(0.5, 10);
    expect(m.microPrecision).toBeCloseTo(0.5, 10);
    // per label: a tp1 fn1 → 2/3; b tp1 fp1 → 2/3; c fp1 fn1 → 0
    expect(m.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 0) / 3, 10);
    expect(m.top1).toBeCloseTo(2 / 3, 10);
    expect(m.exactSet).toBe(0);
    expect(m.treeScore).toBeCloseTo(2 / 3, 10);
    const tree = scoreTaxonomy([{ predicted: [`Home${LABEL_SEP}Garden`], truth: [`Home${LABEL_SEP}Baking`] }], 2);
    expect(tree.top1).toBe(0);
    expect(tree.treeScore).toBe(0.5);
  });
});

describe('selectLabels and mixing', () => {
  it('keeps the best label and those within the ratio, up to maxLabels', () => {
    const scores = [
      { key: 'x', score: 1 },
      { key: 'y', score: 0.6 },
      { key: 'z', score: 0.4 },
    ];
    expect(selectLabels(scores, { ratio: 0.5, maxLabels: 3 })).toEqual(['x', 'y']);
    expect(selectLabels(scores, { ratio: 0.3, maxLabels: 2 })).toEqual(['x', 'y']);
    expect(selectLabels(scores, { ratio: 0.9, maxLabels: 3 })).toEqual(['x']);
    expect(selectLabels([], { ratio: 0.5, maxLabels: 3 })).toEqual([]);
  });

  it('mixes the table scores and the neighbour votes, each scaled to 1, by tableWeight', () => {
    const ev: TaxonomyEvidence = {
      prob: new Map(),
      lift: new Map([
        ['a', 4],
        ['b', 2],
      ]),
      neighbours: [
        { labels: ['b'], score: 3 },
        { labels: ['c'], score: 1 },
        { labels: ['a'], score: 5 },
      ],
    };
    expect(knnVotes(ev.neighbours, 2)).toEqual(new Map([['b', 3], ['c', 1]]));
    const mixed = mixEvidence(ev, { assoc: 'lift', k: 2, tableWeight: 0.5 });
    // a: 0.5·1 = 0.5; b: 0.5·0.5 + 0.5·1 = 0.75; c: 0.5·(1/3)
    expect(mixed.map((s) => s.key)).toEqual(['b', 'a', 'c']);
    expect(mixed[0]?.score).toBe(1);
    expect(mixed[1]?.score).toBeCloseTo(0.5 / 0.75, 10);
    // table only
    expect(mixEvidence(ev, { assoc: 'lift', k: 0, tableWeight: 0.2 }).map((s) => s.key)).toEqual(['a', 'b']);
  });
});

describe('TaxonomyClassifier', () => {
  const idx = LexIndex.build(CORPUS);

  it('recovers the category of an unseen text from the tables alone and with the kNN vote', () => {
    const doc = { title: 'Baking a sourdough loaf', text: 'Let the dough rise, then bake it in the oven.' };
    for (const opts of [{ k: 0 }, { k: 3, tableWeight: 0 }, { k: 3, tableWeight: 0.5 }]) {
      const clf = new TaxonomyClassifier(idx, labelsOf, { maxLabels: 1, ...opts });
      expect(clf.predict(doc)).toEqual([`Home${LABEL_SEP}Baking`]);
    }
    const clf = new TaxonomyClassifier(idx, labelsOf, { maxLabels: 1 });
    expect(clf.predict({ title: 'Flat tyre', text: 'The tyre lost pressure on a wet road.' })).toEqual([`Vehicles${LABEL_SEP}Tyres`]);
    expect(clf.predict({ title: 'Pistons', text: 'Fuel, pistons and the crankshaft of an engine.' })).toEqual([`Vehicles${LABEL_SEP}Engines`]);
    // nothing known: no prediction
    expect(clf.predict({ title: 'zzz', text: 'qqq xxyy' })).toEqual([]);
  });

  it('both table variants point at the label whose entities hold the words, and only at labels that hold some', () => {
    const clf = new TaxonomyClassifier(idx, labelsOf, { k: 0 });
    const ev = clf.evidence({ title: 'compost', text: 'compost the garden' });
    const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(top(ev.lift)).toBe(`Home${LABEL_SEP}Garden`);
    expect(top(ev.prob)).toBe(`Home${LABEL_SEP}Garden`);
    expect(ev.lift.has(`Vehicles${LABEL_SEP}Tyres`)).toBe(false);
    expect([...ev.prob.keys()]).toEqual([`Home${LABEL_SEP}Garden`]);
    const mixed = clf.evidence({ title: 'compost', text: 'bake the bread, compost the peel' });
    expect([...mixed.lift.keys()].sort()).toEqual([`Home${LABEL_SEP}Baking`, `Home${LABEL_SEP}Garden`]);
  });

  it('leave-one-out: once an entity is removed, its own words no longer vote for its label', () => {
    const loo = LexIndex.build(CORPUS);
    const clf = new TaxonomyClassifier(loo, labelsOf, { k: 0 });
    // "crankshaft" is held by e1 and e2 only; with both present it points at Engines
    const doc = { title: '', text: 'crankshaft' };
    expect(clf.predict(doc)).toEqual([`Vehicles${LABEL_SEP}Engines`]);
    const e1 = loo.get('e1') as Entity;
    const e2 = loo.get('e2') as Entity;
    loo.remove('e1');
    loo.remove('e2');
    expect(clf.predict(doc)).toEqual([]);
    loo.add(e1);
    loo.add(e2);
    expect(clf.predict(doc)).toEqual([`Vehicles${LABEL_SEP}Engines`]);
  });

  it('collects the neighbours under both query weightings on request, each ranked by the engine', () => {
    const clf = new TaxonomyClassifier(idx, labelsOf, { k: 3 });
    const doc = { title: 'Winter tyres', text: 'fit winter tyres before the frost' };
    expect(clf.evidence(doc).other).toBeUndefined();
    const ev = clf.evidence(doc, 3, true);
    for (const list of [ev.neighbours, ev.other ?? []]) {
      expect(list.length).toBe(2); // only t1 and t2 hold a word of the text
      expect(list[0]?.labels).toEqual([`Vehicles${LABEL_SEP}Tyres`]);
      for (let i = 1; i < list.length; i++) expect(list[i - 1]!.score).toBeGreaterThanOrEqual(list[i]!.score);
    }
    // the tf·idf query weights rare words up, so its scores differ from the tf-only query's
    expect(ev.other?.[0]?.score).not.toBe(ev.neighbours[0]?.score);
  });

  it('frozen mode caches counts and gives the same scores', () => {
    const live = new TaxonomyClassifier(idx, labelsOf, {});
    const frozen = new TaxonomyClassifier(idx, labelsOf, {}, {}, true);
    const doc = { title: 'Winter', text: 'snow and frost: fit winter tyres, check the engine fuel pump' };
    expect(frozen.scores(doc)).toEqual(live.scores(doc));
    expect(frozen.scores(doc)).toEqual(live.scores(doc));
  });
});
