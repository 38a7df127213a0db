import {
  LexIndex,
  mixEvidence,
  knnVotes,
  rankScores,
  scaled,
  scoreTaxonomy,
  selectLabels,
  TaxonomyClassifier,
  LABEL_SEP,
  DEFAULT_TAXONOMY,
  type AssocKind,
  type Neighbour,
  type BuildOptions,
  type Entity,
  type LabelPath,
  type QueryParams,
  type TaxonomyEvidence,
  type TaxonomyMetrics,
} from '@lexigraph/core';
import { Fts5Knn } from './fts5-knn';

/** One system's figures on one dataset. */
export interface SystemResult {
  system: 'lexigraph' | 'knn-bm25';
  metrics: TaxonomyMetrics;
  /** Micro-F1 of the chosen settings on the selection (dev) documents. */
  devMicroF1: number;
  /** The settings chosen on the dev documents. */
  chosen: Record<string, string | number | boolean>;
  /** Wall time of building the index and predicting every reported document, ms. */
  ms: number;
}

export interface DatasetReport {
  dataset: string;
  protocol: string;
  /** Documents the tables were built from, documents used to choose settings, documents reported. */
  train: number;
  dev: number;
  test: number;
  labels: number;
  /** Depth of the label tree (1: flat). */
  depth: number;
  systems: SystemResult[];
}

export interface TaxonomyRunOptions {
  /** Fix the neighbours of both kNN votes instead of choosing them on the dev documents. */
  k?: number;
  /** Share of TRAIN (train/test protocol) or of the collection (leave-one-out) held out to choose settings. */
  devShare: number;
  /** Seed of the dev split. */
  seed: number;
  /** At most this many labels per prediction (1 for a single-label tree). */
  maxLabels: number;
  params?: Partial<QueryParams>;
  build?: Partial<BuildOptions>;
  onProgress?: (what: string, done: number, total: number) => void;
}

export const DEFAULT_RUN: Omit<TaxonomyRunOptions, 'maxLabels'> = { devShare: 0.2, seed: 1 };

const K_GRID = [5, 10, 20, 30, 50];
const RATIO_GRID = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01];
const WEIGHT_GRID = [0, 0.25, 0.4, 0.5, 0.6, 0.75, 1];
const ASSOC: AssocKind[] = ['lift', 'prob'];

/** FNV-1a of a seed and an id: a fixed, platform-independent split. */
function inDev(id: string, seed: number, share: number): boolean {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return ((h >>> 0) % 10000) / 10000 < share;
}

interface Labelled {
  entity: Entity;
  truth: string[];
}

const keysOf = (paths: readonly LabelPath[]) => [...new Set(paths.map((p) => p.join(LABEL_SEP)))];
const asDoc = (e: Entity) => ({ title: e.title, text: e.text, headings: e.headings });
/** The baseline's document: the title, and the headings and text in the body column (as the bench's FTS5 peer). */
const asPeerDoc = (e: Entity) => ({ title: e.title, text: [...(e.headings ?? []), e.text].filter((x) => x !== '').join('\n') });

/** Our evidence and the baseline's neighbours for each document, the deepest k needed by any setting. */
interface Collected {
  ours: TaxonomyEvidence[];
  peer: Array<Array<{ labels: readonly string[]; score: number }>>;
  oursMs: number;
  peerMs: number;
}

function kMax(o: TaxonomyRunOptions): number {
  return o.k ?? Math.max(...K_GRID);
}

interface OursSetting {
  assoc: AssocKind;
  tableWeight: number;
  k: number;
  /** The kNN query weighting (see TaxonomyOptions.queryIdf). */
  queryIdf: boolean;
  ratio: number;
}

/** The neighbours of a query weighting: evidence is collected with the default (false) and the other one. */
function neighboursOf(ev: TaxonomyEvidence, queryIdf: boolean): Neighbour[] {
  return queryIdf === DEFAULT_TAXONOMY.queryIdf ? ev.neighbours : (ev.other ?? []);
}

function predictOurs(ev: TaxonomyEvidence, s: OursSetting, maxLabels: number): string[] {
  return selectLabels(mixEvidence({ ...ev, neighbours: neighboursOf(ev, s.queryIdf) }, s), { ratio: s.ratio, maxLabels });
}

function predictPeer(nb: Array<{ labels: readonly string[]; score: number }>, k: number, ratio: number, maxLabels: number): string[] {
  return selectLabels(rankScores(knnVotes(nb, k)), { ratio, maxLabels });
}

/**
 * Chooses our settings by micro-F1 on the dev documents. Each document's scaled table scores and neighbour votes are
 * computed once; every (assoc, tableWeight, k, queryIdf) mix is ranked once and cut at every ratio.
 */
function chooseOurs(dev: Labelled[], ev: TaxonomyEvidence[], o: TaxonomyRunOptions, depth: number): { s: OursSetting; f1: number } {
  let best: { s: OursSetting; f1: number } | undefined;
  const ks = o.k !== undefined ? [o.k] : K_GRID;
  const ratios = o.maxLabels > 1 ? RATIO_GRID : [1.01];
  const tables = ev.map((e) => ({ lift: scaled(e.lift), prob: scaled(e.prob) }));
  const votes = [false, true].map((queryIdf) =>
    ev.map((e) => new Map(ks.map((k) => [k, scaled(knnVotes(neighboursOf(e, queryIdf), k))]))),
  );
  for (const assoc of ASSOC)
    for (const tableWeight of WEIGHT_GRID)
      for (const [k, queryIdf] of tableWeight === 1 ? ([[0, false]] as const) : ks.flatMap((k) => [[k, false] as const, [k, true] as const])) {
        const preds: string[][][] = ratios.map(() => []);
        dev.forEach((_d, i) => {
          const table = (tables[i] as { lift: Map<string, number>; prob: Map<string, number> })[assoc];
          const knn = k > 0 ? (votes[queryIdf ? 1 : 0]?.[i]?.get(k) ?? new Map<string, number>()) : new Map<string, number>();
          const w = k > 0 ? tableWeight : 1;
          const mixed = new Map<string, number>();
          for (const [c, v] of table) mixed.set(c, w * v);
          for (const [c, v] of knn) mixed.set(c, (mixed.get(c) ?? 0) + (1 - w) * v);
          const ranked = rankScores(mixed);
          ratios.forEach((ratio, r) => preds[r]?.push(selectLabels(ranked, { ratio, maxLabels: o.maxLabels })));
        });
        ratios.forEach((ratio, r) => {
          const m = scoreTaxonomy(
            dev.map((d, i) => ({ predicted: preds[r]?.[i] ?? [], truth: d.truth })),
            depth,
          );
          if (!best || m.microF1 > best.f1 + 1e-12) best = { s: { assoc, tableWeight, k, queryIdf, ratio }, f1: m.microF1 };
        });
      }
  return best as { s: OursSetting; f1: number };
}

function choosePeer(
  dev: Labelled[],
  nbs: Collected['peer'],
  o: TaxonomyRunOptions,
  depth: number,
): { k: number; ratio: number; f1: number } {
  let best: { k: number; ratio: number; f1: number } | undefined;
  const ks = o.k !== undefined ? [o.k] : K_GRID;
  const ratios = o.maxLabels > 1 ? RATIO_GRID : [1.01];
  for (const k of ks)
    for (const ratio of ratios) {
      const m = scoreTaxonomy(
        dev.map((d, i) => ({ predicted: predictPeer(nbs[i] ?? [], k, ratio, o.maxLabels), truth: d.truth })),
        depth,
      );
      if (!best || m.microF1 > best.f1 + 1e-12) best = { k, ratio, f1: m.microF1 };
    }
  return best as { k: number; ratio: number; f1: number };
}

/** Builds both systems on `train` and collects the evidence for `test` (the train/test protocol). */
function collectSplit(train: Labelled[], test: Labelled[], o: TaxonomyRunOptions, stage: string): Collected {
  const t0 = performance.now();
  // the label goes to the classifier only, through labelsOf; the indexed entities keep no category
  const index = LexIndex.build(
    train.map((d) => ({ ...d.entity, category: [], tags: [] })),
    o.build,
  );
  const byId = new Map(train.map((d) => [d.entity.id, d.truth]));
  const clf = new TaxonomyClassifier(
    index,
    (e) => (byId.get(e.id) ?? []).map((k) => k.split(LABEL_SEP)),
    {},
    o.params,
    true,
  );
  const ours: TaxonomyEvidence[] = [];
  test.forEach((d, i) => {
    ours.push(clf.evidence(asDoc(d.entity), kMax(o), true));
    if (o.onProgress && (i % 200 === 199 || i === test.length - 1)) o.onProgress(`${stage}: lexigraph`, i + 1, test.length);
  });
  const oursMs = performance.now() - t0;
  const t1 = performance.now();
  const knn = new Fts5Knn();
  knn.addAll(train.map((d) => ({ doc: asPeerDoc(d.entity), labels: d.truth })));
  const peer = test.map((d, i) => {
    const nb = knn.neighbours(asPeerDoc(d.entity), kMax(o));
    if (o.onProgress && (i % 200 === 199 || i === test.length - 1)) o.onProgress(`${stage}: knn-bm25`, i + 1, test.length);
    return nb;
  });
  knn.close();
  return { ours, peer, oursMs, peerMs: performance.now() - t1 };
}

function labelled(entities: readonly Entity[], labelsOf: (e: Entity) => readonly LabelPath[]): Labelled[] {
  return entities.map((entity) => ({ entity, truth: keysOf(labelsOf(entity)) })).filter((d) => d.truth.length > 0);
}

function depthOf(items: Labelled[]): number {
  let d = 1;
  for (const it of items) for (const t of it.truth) d = Math.max(d, t.split(LABEL_SEP).length);
  return d;
}

/**
 * Train/test protocol (Reuters ModApte): settings of both systems are chosen by micro-F1 on a dev share of TRAIN
 * (tables built from the rest of TRAIN), then both are built from all of TRAIN and scored on TEST. The test
 * documents are never used to choose anything.
 */
export function runTrainTest(
  dataset: string,
  trainEntities: readonly Entity[],
  testEntities: readonly Entity[],
  labelsOf: (e: Entity) => readonly LabelPath[],
  o: TaxonomyRunOptions,
): DatasetReport {
  const train = labelled(trainEntities, labelsOf);
  const test = labelled(testEntities, labelsOf);
  const fit = train.filter((d) => !inDev(d.entity.id, o.seed, o.devShare));
  const dev = train.filter((d) => inDev(d.entity.id, o.seed, o.devShare));
  const depth = depthOf([...train, ...test]);
  const devEv = collectSplit(fit, dev, o, 'choosing settings');
  const ours = chooseOurs(dev, devEv.ours, o, depth);
  const peer = choosePeer(dev, devEv.peer, o, depth);
  const final = collectSplit(train, test, o, 'test');
  const oursM = scoreTaxonomy(
    test.map((d, i) => ({ predicted: predictOurs(final.ours[i] as TaxonomyEvidence, ours.s, o.maxLabels), truth: d.truth })),
    depth,
  );
  const peerM = scoreTaxonomy(
    test.map((d, i) => ({ predicted: predictPeer(final.peer[i] ?? [], peer.k, peer.ratio, o.maxLabels), truth: d.truth })),
    depth,
  );
  return {
    dataset,
    protocol: `train ${train.length} → test ${test.length}; settings chosen on ${dev.length} TRAIN documents held out (seed ${o.seed})`,
    train: train.length,
    dev: dev.length,
    test: test.length,
    labels: new Set(train.flatMap((d) => d.truth)).size,
    depth,
    systems: [
      { system: 'lexigraph', metrics: oursM, devMicroF1: ours.f1, chosen: { ...ours.s }, ms: final.oursMs },
      { system: 'knn-bm25', metrics: peerM, devMicroF1: peer.f1, chosen: { k: peer.k, ratio: peer.ratio }, ms: final.peerMs },
    ],
  };
}

/**
 * Leave-one-out protocol on a built collection: each labelled entity is removed from the index (and from the
 * baseline's FTS5 table), its label predicted from its own title, headings and text, and put back. Settings are
 * chosen on a dev share of the entities; the figures are over the others.
 */
export function runLeaveOneOut(
  dataset: string,
  index: LexIndex,
  labelsOf: (e: Entity) => readonly LabelPath[],
  o: TaxonomyRunOptions,
): DatasetReport {
  const entities: Entity[] = [];
  for (let s = 0; entities.length < index.size; s++) {
    const e = index.slotEntity(s);
    if (e) entities.push(e);
  }
  const all = labelled(entities, labelsOf);
  const depth = depthOf(all);
  const clf = new TaxonomyClassifier(index, labelsOf, {}, o.params, false);
  const t0 = performance.now();
  const oursEv = all.map((d, i) => {
    index.remove(d.entity.id);
    try {
      return clf.evidence(asDoc(d.entity), kMax(o), true);
    } finally {
      index.add(d.entity);
      if (o.onProgress && (i % 50 === 49 || i === all.length - 1)) o.onProgress('leave-one-out: lexigraph', i + 1, all.length);
    }
  });
  const oursMs = performance.now() - t0;
  const t1 = performance.now();
  const knn = new Fts5Knn();
  const rows = knn.addAll(all.map((d) => ({ doc: asPeerDoc(d.entity), labels: d.truth })));
  const peerNb = all.map((d, i) => {
    const row = rows[i] as number;
    knn.remove(row);
    const nb = knn.neighbours(asPeerDoc(d.entity), kMax(o));
    knn.restore(row, asPeerDoc(d.entity), d.truth);
    if (o.onProgress && (i % 200 === 199 || i === all.length - 1)) o.onProgress('leave-one-out: knn-bm25', i + 1, all.length);
    return nb;
  });
  knn.close();
  const peerMs = performance.now() - t1;
  const isDev = all.map((d) => inDev(d.entity.id, o.seed, o.devShare));
  const pick = <T>(xs: T[], dev: boolean) => xs.filter((_x, i) => isDev[i] === dev);
  const ours = chooseOurs(pick(all, true), pick(oursEv, true), o, depth);
  const peer = choosePeer(pick(all, true), pick(peerNb, true), o, depth);
  const rest = pick(all, false);
  const oursRest = pick(oursEv, false);
  const peerRest = pick(peerNb, false);
  const oursM = scoreTaxonomy(
    rest.map((d, i) => ({ predicted: predictOurs(oursRest[i] as TaxonomyEvidence, ours.s, o.maxLabels), truth: d.truth })),
    depth,
  );
  const peerM = scoreTaxonomy(
    rest.map((d, i) => ({ predicted: predictPeer(peerRest[i] ?? [], peer.k, peer.ratio, o.maxLabels), truth: d.truth })),
    depth,
  );
  return {
    dataset,
    protocol: `leave-one-out over ${all.length} labelled entities; settings chosen on ${all.length - rest.length} of them (seed ${o.seed}), figures over the other ${rest.length}`,
    train: all.length - 1,
    dev: all.length - rest.length,
    test: rest.length,
    labels: new Set(all.flatMap((d) => d.truth)).size,
    depth,
    systems: [
      { system: 'lexigraph', metrics: oursM, devMicroF1: ours.f1, chosen: { ...ours.s }, ms: oursMs },
      { system: 'knn-bm25', metrics: peerM, devMicroF1: peer.f1, chosen: { k: peer.k, ratio: peer.ratio }, ms: peerMs },
    ],
  };
}

