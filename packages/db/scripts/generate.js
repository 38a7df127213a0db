#!/usr/bin/env node
// Runs `prisma generate` offline. The CLI needs DATABASE_URL to be set even though generate never connects
// (unset, it tries to download an engine), so a placeholder is supplied when the caller has none.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const clientEntry = path.join(packageDir, 'generated', 'client', 'index.js');

function generate() {
  const env = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL || 'postgresql://placeholder@127.0.0.1:5432/placeholder',
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  const cli = require.resolve('prisma/build/index.js', { paths: [packageDir] });
  execFileSync(process.execPath, [cli, 'generate', '--schema', 'prisma/schema.prisma'], {
    cwd: packageDir,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Generates the client only when it is missing (fresh clone, no build yet). */
function ensureGenerated() {
  if (!fs.existsSync(clientEntry)) generate();
}

module.exports = { generate, ensureGenerated };

if (require.main === module) generate();
