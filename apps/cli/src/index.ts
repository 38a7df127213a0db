export { run } from './main';
export type { CliIO, Writable } from './io';
export { readTar, readTarBrotli, type TarEntry } from './demo/tar';
export { serveFiles, type StaticSite } from './demo/static-server';
export { seededRandom, shuffled } from './tune/split';
export { FTS5_CREATE, FTS5_INSERT, fts5Query } from './bench/peers/fts5';
export { peerBody } from './bench/engine';
