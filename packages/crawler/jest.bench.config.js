module.exports = require('../../jest.preset')(__dirname, { testMatch: ['<rootDir>/bench/**/*.bench.ts'] });
