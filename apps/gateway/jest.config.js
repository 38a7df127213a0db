const path = require('node:path');
const preset = require('../../jest.preset')(__dirname);

// The e2e test boots the other services, and the answer-path test runs the CLI, which live under apps/: map them
// to their sources as the preset maps the packages.
module.exports = {
  ...preset,
  moduleNameMapper: {
    '^@lexigraph/ingest$': path.join(__dirname, '../ingest/src/main.ts'),
    '^@lexigraph/indexer$': path.join(__dirname, '../indexer/src/main.ts'),
    '^@lexigraph/cli$': path.join(__dirname, '../cli/src/index.ts'),
    ...preset.moduleNameMapper,
  },
};
