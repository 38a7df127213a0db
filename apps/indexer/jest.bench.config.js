const base = require('./jest.config');

// `npm run bench`: the throughput bench (bench/*.bench.ts), never part of `npm test`.
module.exports = { ...base, testMatch: ['<rootDir>/bench/**/*.bench.ts'], testTimeout: 900_000 };
