// Reads the JSON report of a vitest run and prints its counts, then each failed test with the
// start of its error, so that the tail of the CI output says what failed and why; and each
// skipped test, so that a test which silently stopped running is seen too.
// Usage: node scripts/ci-report.mjs REPORT  → last line "PASSED FAILED SKIPPED".
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failures = [];
const skipped = [];
for (const file of report.testResults) {
  const name = relative(process.cwd(), file.name);
  const failed = file.assertionResults.filter((t) => t.status === 'failed');
  if (file.status === 'failed' && failed.length === 0) {
    failures.push(`${name}: ${firstLines(file.message)}`);
  }
  for (const t of file.assertionResults) {
    if (['pending', 'skipped', 'todo'].includes(t.status)) skipped.push(`${name} > ${t.fullName}`);
  }
  for (const t of failed) {
    failures.push(`${name} > ${t.fullName}\n    ${firstLines(t.failureMessages[0] ?? '')}`);
  }
}
if (skipped.length > 0) {
  console.error(`skipped tests (${skipped.length}):`);
  for (const s of skipped) console.error(`  ${s}`);
}
if (failures.length > 0) {
  console.error(`failed tests (${failures.length}):`);
  for (const f of failures) console.error(`  ${f}`);
}
console.log(
  report.numPassedTests,
  report.numFailedTests,
  report.numPendingTests + report.numTodoTests,
);

/** The first lines of an error, on one indented block, without colour codes. */
function firstLines(text) {
  return (
    text
      // eslint-disable-next-line no-control-regex -- colour codes start with ESC
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .slice(0, 4)
      .join('\n    ')
  );
}
