// Prints the plain closing line CI reads (`tests: N passed, M failed`) after jest's own
// summary, and writes it to $TEST_SUMMARY_FILE when set so .ci/run can end its output with it.
// A suite that fails to run (syntax error, failing beforeAll) counts as one failure, so a
// broken file can never turn into a green "0 failed".
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
    process.stdout.write(`${line}\n`);
    if (process.env.TEST_SUMMARY_FILE) writeFileSync(process.env.TEST_SUMMARY_FILE, `${line}\n`);
  }
}

module.exports = SummaryReporter;
