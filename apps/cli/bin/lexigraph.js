#!/usr/bin/env node
'use strict';
// The `lexigraph` command: runs the compiled CLI (build it first with `npm run build`).
const { run } = require('../dist/main.js');

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`fatal: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
