import { describe, expect, it } from 'vitest';
import { JOB_DEFAULTS } from '../../ports/job-queue.port.js';
import { analysisPriority, ROUTINE_PRIORITY } from './analysis-turns.js';

describe('analysisPriority', () => {
  it('puts every detection before every routine sample', () => {
    expect(analysisPriority('client_report', 10_000_000)).toBeLessThan(
      analysisPriority('sample', 0),
    );
    expect(analysisPriority('enrolment', 3)).toBe(3);
    expect(analysisPriority('sample', 0)).toBe(ROUTINE_PRIORITY);
  });

  it('orders by turn within a class, and stays within the queue’s range', () => {
    expect(analysisPriority('sample', 1)).toBeLessThan(analysisPriority('sample', 2));
    expect(analysisPriority('sample', 1e12)).toBeLessThanOrEqual(JOB_DEFAULTS.maxPriority);
    expect(analysisPriority('client_report', -5)).toBe(0);
    expect(analysisPriority('client_report', 2.7)).toBe(2);
  });
});
