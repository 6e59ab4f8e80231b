// A vitest reporter that names every test which needed a retry (passed on a later attempt, or
// failed every one), with the start of the first error, so that a flaky test is seen even when
// the run passes. Prints at the end of the run, and writes the same lines to the file named by
// TEST_RETRIES_REPORT when set (the CI prints that at its very end).
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

/** @implements {import('vitest/node').Reporter} */
export default class RetriesReporter {
  /** @type {string[]} */
  lines = [];

  /** @param {import('vitest/node').TestCase} test */
  onTestCaseResult(test) {
    const diagnostic = test.diagnostic();
    if (!diagnostic || diagnostic.retryCount === 0) return;
    const result = test.result();
    const outcome = result.state === 'passed' ? 'passed on a retry' : 'failed every attempt';
    const error = (result.errors ?? [])[0]?.message?.split('\n')[0] ?? '';
    const file = relative(process.cwd(), test.module.moduleId);
    this.lines.push(
      `${file} > ${test.fullName}: ${outcome} (${diagnostic.retryCount} retries)` +
        (error ? `\n    ${error}` : ''),
    );
  }

  onTestRunEnd() {
    if (this.lines.length === 0) return;
    const text = `tests retried (${this.lines.length}):\n${this.lines.map((l) => `  ${l}`).join('\n')}\n`;
    process.stderr.write(text);
    if (process.env.TEST_RETRIES_REPORT) appendFileSync(process.env.TEST_RETRIES_REPORT, text);
  }
}
