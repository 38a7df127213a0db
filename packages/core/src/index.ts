/**
 * @lexigraph/core — the untrained engine: text analysis, multi-token tables, PMI associations, the knowledge graph
 * taken from the corpus's structure, ranking and cited answers. Pure: no I/O, no environment, no global state.
 */
export * from './entity';
export * from './params';
export * from './tokenizer';
export { porterStem } from './porter';
export { entityTexts } from './analyze';
export * from './lexindex';
export * from './answer';
export * from './standardize';
export * from './serialize';
export { isSnapshot, readSnapshotLayout, type ChainSegment, type SectionReader, type SnapshotLayout } from './snapshotlayout';
export * from './dedupe';
export * from './metrics';
export * from './taxonomy';
export * from './delta';
export * from './titles';
export * from './confidence';
export { RunSketch, inThreadRunCounter, type RunCounter, type RunCounterFactory, type RunCounterSize } from './runsketch';
export { PairTable, type PairCounts } from './pairs';
