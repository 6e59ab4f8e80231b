import { describe, expect, it } from 'vitest';
import type { AnalysisReason } from './analysis-queue.js';
import { chooseShed, type QueuedJob } from './analysis-shedding.js';

/** Jobs in queue order (oldest first) from `session:reason` shorthands. */
function queue(...jobs: string[]): QueuedJob[] {
  return jobs.map((j, i) => {
    const [sessionId, reason] = j.split(':') as [string, AnalysisReason];
    return { id: i + 1, sessionId, reason };
  });
}

describe('chooseShed', () => {
  it('sheds nothing within the bounds', () => {
    const q = queue('a:sample', 'a:sample', 'b:client_report', 'a:enrolment');
    expect(chooseShed(q, { perSession: 2, total: 4 })).toEqual([]);
  });

  it('keeps each session’s newest samples and sheds its oldest ones', () => {
    const q = queue('a:sample', 'b:sample', 'a:sample', 'a:sample', 'a:sample', 'b:sample');
    expect(chooseShed(q, { perSession: 2, total: 100 })).toEqual([
      { id: 1, sessionId: 'a', bound: 'session' },
      { id: 3, sessionId: 'a', bound: 'session' },
    ]);
  });

  it('never sheds detections or identity photos, however many', () => {
    const q = queue(
      ...Array.from({ length: 20 }, () => 'a:client_report'),
      'a:enrolment',
      'a:enrolment',
    );
    expect(chooseShed(q, { perSession: 0, total: 5 })).toEqual([]);
  });

  it('over the total, takes from the session with most waiting first, oldest sample first', () => {
    const q = queue(
      'quiet:sample',
      'flood:client_report',
      'flood:sample',
      'flood:client_report',
      'flood:sample',
      'flood:client_report',
      'quiet:sample',
    );
    // 7 queued, 4 allowed: flood (5 waiting) gives up both its samples, then quiet its oldest.
    expect(chooseShed(q, { perSession: 10, total: 4 })).toEqual([
      { id: 3, sessionId: 'flood', bound: 'server' },
      { id: 5, sessionId: 'flood', bound: 'server' },
      { id: 1, sessionId: 'quiet', bound: 'server' },
    ]);
  });

  it('applies the session bound first, then the total', () => {
    const q = queue('a:sample', 'a:sample', 'a:sample', 'b:sample', 'b:sample');
    expect(chooseShed(q, { perSession: 2, total: 3 })).toEqual([
      { id: 1, sessionId: 'a', bound: 'session' },
      { id: 2, sessionId: 'a', bound: 'server' },
    ]);
  });

  it('stops when only protected jobs are left over the total', () => {
    const q = queue('a:client_report', 'a:client_report', 'a:sample', 'b:enrolment');
    expect(chooseShed(q, { perSession: 5, total: 1 })).toEqual([
      { id: 3, sessionId: 'a', bound: 'server' },
    ]);
  });
});
