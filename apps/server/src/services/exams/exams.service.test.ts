import { describe, expect, it } from 'vitest';
import { scheduleProblems } from './exams.service.js';

const at = (h: number) => new Date(Date.UTC(2030, 0, 1, h));

describe('scheduleProblems', () => {
  it('accepts a consistent schedule', () => {
    expect(
      scheduleProblems({
        opensAt: at(9),
        closesAt: at(12),
        durationMinutes: 90,
        registrationDeadline: at(8),
      }),
    ).toEqual([]);
  });
  it('reports every inconsistency', () => {
    expect(
      scheduleProblems({
        opensAt: at(12),
        closesAt: at(9),
        durationMinutes: 30,
        registrationDeadline: at(13),
      }).map((p) => p.path),
    ).toEqual(['closesAt', 'registrationDeadline']);
    expect(
      scheduleProblems({
        opensAt: at(9),
        closesAt: at(10),
        durationMinutes: 90,
        registrationDeadline: at(8),
      }),
    ).toEqual([{ path: 'durationMinutes', message: 'Longer than the exam window' }]);
  });
});
