'use strict';
// Generates the db package's Prisma client when missing, so the CLI tests run on a fresh clone without a build.
const { ensureGenerated } = require('../../../packages/db/scripts/generate');

module.exports = async function globalSetup() {
  ensureGenerated();
};
