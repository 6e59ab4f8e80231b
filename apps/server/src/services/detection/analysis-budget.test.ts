import { describe, expect, it } from 'vitest';
import { analysisBudget, ENROLMENT_ALLOWANCE_JOBS } from './analysis-budget.js';

describe('analysisBudget', () => {
  const start = new Date('2026-01-01T10:00:00Z');
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const used = (webcam: number, enrolment = 0) => ({ webcam, enrolment });

  it.each([
    ['not started: the start allowance only', null, 0, used(0), 30],
    ['at the start, none used', start, 0, used(0), 30],
    ['one per 2 s of server time', start, 600, used(0), 330],
    ['jobs already queued count against it', start, 600, used(320), 10],
    ['a client asking for more than that is refused', start, 10, used(40), -5],
    ['identity photos within their allowance cost nothing here', start, 0, used(0, 8), 30],
    ['identity photos beyond their allowance count against it', start, 0, used(0, 12), 26],
  ])('webcam: %s', (_name, startedAt, seconds, u, expected) => {
    expect(analysisBudget(startedAt, at(seconds), u).webcam).toBe(expected);
  });

  it('never refuses a check-in: face and document photos plus three re-enrolments of both', () => {
    // Even after a client spent the whole webcam budget before starting.
    for (let enrolment = 0; enrolment < 8; enrolment++) {
      expect(analysisBudget(null, start, used(500, enrolment)).enrolment).toBeGreaterThan(0);
    }
    expect(ENROLMENT_ALLOWANCE_JOBS).toBeGreaterThanOrEqual(8);
  });

  it('draws identity photos beyond the allowance from the shared budget, then refuses', () => {
    expect(analysisBudget(start, at(0), used(0, 8)).enrolment).toBe(30);
    expect(analysisBudget(start, at(0), used(25, 8)).enrolment).toBe(5);
    expect(analysisBudget(start, at(0), used(30, 8)).enrolment).toBe(0);
    expect(analysisBudget(start, at(0), used(0, 38)).enrolment).toBe(0);
    // Time on the server clock earns more, as for webcam snapshots.
    expect(analysisBudget(start, at(20), used(30, 8)).enrolment).toBe(10);
  });
});
