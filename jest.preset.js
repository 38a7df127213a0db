// Shared jest setup: TypeScript through swc, workspace packages resolved to their sources so tests need no build.
const path = require('node:path');

module.exports = function preset(dir, extra = {}) {
  const name = path.basename(dir);
  const resultsDir = process.env.JEST_RESULTS_DIR;
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    transform: {
      '^.+\\.(t|j)s$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2022',
          },
          module: { type: 'commonjs' },
        },
      ],
    },
    moduleNameMapper: {
      '^@lexigraph/db$': path.join(__dirname, 'packages/db/src/index.ts'),
      '^@lexigraph/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    },
    testTimeout: 60000,
    ...(resultsDir ? { testResultsProcessor: path.join(__dirname, 'scripts/jest-results.js') } : {}),
    displayName: name,
    ...extra,
  };
};
