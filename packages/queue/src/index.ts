export * from './config';
export * from './queues';
export * from './worker';
