const path = require('node:path');
const preset = require('../../jest.preset')(__dirname);

// The apps are not under packages/: map them to their sources like the preset does for the packages.
module.exports = {
  ...preset,
  moduleNameMapper: {
    '^@lexigraph/ingest$': path.join(__dirname, '../ingest/src/main.ts'),
    '^@lexigraph/indexer$': path.join(__dirname, 'src/main.ts'),
    ...preset.moduleNameMapper,
  },
};
