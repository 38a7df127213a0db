// jest testResultsProcessor: writes each package's aggregated results to $JEST_RESULTS_DIR/<package>.json,
// so the test script can print one summary line for the whole monorepo.
const fs = require('node:fs');
const path = require('node:path');

module.exports = function writeResults(results) {
  const dir = process.env.JEST_RESULTS_DIR;
  if (dir) {
    const name = path.basename(process.cwd());
    fs.mkdirSync(dir, { recursive: true });
    const { numPassedTests, numFailedTests, numRuntimeErrorTestSuites, numTotalTests, success } = results;
    fs.writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({ numPassedTests, numFailedTests, numRuntimeErrorTestSuites, numTotalTests, success }),
    );
  }
  return results;
};
