import { expect, it } from 'vitest';
import { defaultOptions } from './options.js';
import { formatTable, lostOrDuplicated } from './report.js';
import { runLoad } from './run.js';

/**
 * CI's short version of `npm run bench:load`: 20 students for 20 s against a started server
 * (`invigil start` from the built bundle, as in production), then the same load against the
 * raw-disk reference. It fails only when something broke — an error answer, an item
 * acknowledged and then lost or stored twice — never on timing: the figures are printed.
 */

// The integration project's global setup built apps/server/dist (the bundle `invigil start` runs).
const smoke = { ...defaultOptions(20), seconds: 20, flagsPerMinute: 12, setupConcurrency: 8 };

it('load smoke: 20 students for 20 s on a started server — no errors, nothing lost or duplicated', async () => {
  const result = await runLoad(smoke);
  console.log(formatTable(result));
  expect(result.failure ?? '').toBe('');
  expect(result.errors).toEqual({});
  expect(result.verification?.sessionsChecked).toBe(20);
  expect(result.verification?.acknowledged.segments).toBeGreaterThan(0);
  expect(lostOrDuplicated(result)).toBe(0);
}, 300_000);

it('load smoke: the raw-disk reference under the same load — no errors, nothing lost', async () => {
  const result = await runLoad({ ...smoke, seconds: 10, reference: true });
  console.log(formatTable(result));
  expect(result.failure ?? '').toBe('');
  expect(result.errors).toEqual({});
  expect(lostOrDuplicated(result)).toBe(0);
}, 120_000);
