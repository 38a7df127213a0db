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

/**
 * Config for a package whose tests open the embedded database (PGlite). PGlite loads its WebAssembly through dynamic
 * import(), which jest only allows under --experimental-vm-modules: without the flag, this jest command runs itself
 * again with it in NODE_OPTIONS (LEXIGRAPH_JEST_REEXEC stops a second re-run). The db package's Prisma client is
 * generated before the tests when missing, so they run on a fresh clone without a build.
 */
module.exports.embeddedDb = function embeddedDb(dir) {
  const VM_MODULES = '--experimental-vm-modules';
  const hasFlag = process.execArgv.includes(VM_MODULES) || (process.env.NODE_OPTIONS || '').includes(VM_MODULES);
  if (!hasFlag && !process.env.LEXIGRAPH_JEST_REEXEC) {
    const { spawnSync } = require('node:child_process');
    const NODE_OPTIONS = [process.env.NODE_OPTIONS, VM_MODULES, '--disable-warning=ExperimentalWarning'].filter(Boolean).join(' ');
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS, LEXIGRAPH_JEST_REEXEC: '1' },
    });
    process.exit(child.status ?? 1);
  }
  return module.exports(dir, { globalSetup: path.join(__dirname, 'packages/db/scripts/jest-global-setup.js') });
};
