const { spawnSync } = require('node:child_process');

// The embedded database (PGlite) loads its WebAssembly through dynamic import(), which jest only allows with
// --experimental-vm-modules. Without the flag, this jest command runs itself again with it in NODE_OPTIONS
// (LEXIGRAPH_JEST_REEXEC stops a second re-run).
const VM_MODULES = '--experimental-vm-modules';
const hasFlag = process.execArgv.includes(VM_MODULES) || (process.env.NODE_OPTIONS || '').includes(VM_MODULES);
if (!hasFlag && !process.env.LEXIGRAPH_JEST_REEXEC) {
  const NODE_OPTIONS = [process.env.NODE_OPTIONS, VM_MODULES, '--disable-warning=ExperimentalWarning'].filter(Boolean).join(' ');
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS, LEXIGRAPH_JEST_REEXEC: '1' },
  });
  process.exit(child.status ?? 1);
}

module.exports = require('../../jest.preset')(__dirname, {
  // The Prisma client of the db package must exist before a test opens a store (fresh clone, no build yet).
  globalSetup: '<rootDir>/test/global-setup.js',
});
