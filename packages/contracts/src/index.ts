export * from './errors';
export * from './schemas';
export * from './events';
export * from './env';
export * from './health';
export * from './log';
export * from './patterns';
export * from './auth';
