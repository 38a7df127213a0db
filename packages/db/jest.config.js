const { spawnSync } = require('node:child_process');

// PGlite loads its WebAssembly and file system with dynamic import(), which jest's module sandbox only supports
// under --experimental-vm-modules. When the flag is missing, re-run this very jest command with it (workers
// inherit it through NODE_OPTIONS); LEXIGRAPH_JEST_REEXEC guards against a loop.
const FLAG = '--experimental-vm-modules';
if (
  !process.execArgv.includes(FLAG) &&
  !(process.env.NODE_OPTIONS || '').includes(FLAG) &&
  !process.env.LEXIGRAPH_JEST_REEXEC
) {
  const nodeOptions = `${process.env.NODE_OPTIONS || ''} ${FLAG} --disable-warning=ExperimentalWarning`.trim();
  const run = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: nodeOptions, LEXIGRAPH_JEST_REEXEC: '1' },
  });
  process.exit(run.status === null ? 1 : run.status);
}

module.exports = require('../../jest.preset')(__dirname, {
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
});
