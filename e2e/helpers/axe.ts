import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * Serious and critical axe-core violations on the page as it is now, one line each (rule id and
 * the offending nodes) so a failing `toEqual([])` says what to fix. Prints how long axe took
 * (never asserted: shared machines are noisy).
 */
export async function seriousViolations(page: Page, where: string): Promise<string[]> {
  const started = Date.now();
  const result = await new AxeBuilder({ page: page as never }).analyze();
  console.log(`axe on ${where}: ${Date.now() - started} ms`);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
