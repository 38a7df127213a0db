// Lets `jest` run on a fresh clone without `npm run build`: the Prisma client is generated on first use.
'use strict';
const { ensureGenerated } = require('./generate');

module.exports = async function globalSetup() {
  ensureGenerated();
};
