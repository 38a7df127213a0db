// Sums jest's JSON reports (one per package) into one plain "N passed, N failed" line.
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let files = [];
try {
  files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  files = [];
}
for (const f of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
}
if (files.length === 0) {
  console.log('0 passed, 1 failed');
  console.error('no jest report was written: the test run did not start');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
