import { describe, expect, it } from 'vitest';
import type { ReviewQueueEntry } from '@invigil/contracts';
import { nextSort, PRIORITY_SORT, queueStatus, sortQueue } from './review-model';

const entry = (id: string, name: string, risk: number, over: Partial<ReviewQueueEntry> = {}) =>
  ({
    session: { id, state: 'terminated' },
    student: { id: `s${id}`, name, email: `${name}@x` },
    risk,
    flags: { open: risk % 3, confirmed: 0, dismissed: 0 },
    verdict: null,
    decidedAt: null,
    final: false,
    awaitingReReview: false,
    respondedAt: null,
    ...over,
  }) as unknown as ReviewQueueEntry;

describe('review queue model', () => {
  const list = [entry('1', 'Zoe', 10), entry('2', 'adam', 80), entry('3', 'Mia', 10)];

  it('keeps the server order for priority', () => {
    expect(sortQueue(list, PRIORITY_SORT).map((e) => e.session.id)).toEqual(['1', '2', '3']);
  });

  it('sorts by risk and keeps the server order between equals', () => {
    const desc = sortQueue(list, { key: 'risk', dir: 'desc' }).map((e) => e.session.id);
    expect(desc).toEqual(['2', '1', '3']);
    const asc = sortQueue(list, { key: 'risk', dir: 'asc' }).map((e) => e.session.id);
    expect(asc).toEqual(['1', '3', '2']);
  });

  it('sorts names without regard to case', () => {
    expect(sortQueue(list, { key: 'student', dir: 'asc' }).map((e) => e.student.name)).toEqual([
      'adam',
      'Mia',
      'Zoe',
    ]);
  });

  it('flips the direction on the same column and starts numbers high first', () => {
    expect(nextSort(PRIORITY_SORT, 'risk')).toEqual({ key: 'risk', dir: 'desc' });
    expect(nextSort({ key: 'risk', dir: 'desc' }, 'risk')).toEqual({ key: 'risk', dir: 'asc' });
    expect(nextSort(PRIORITY_SORT, 'student')).toEqual({ key: 'student', dir: 'asc' });
  });

  it('says where an entry stands', () => {
    expect(queueStatus(list[0]!)).toBe('To review');
    expect(queueStatus(entry('4', 'x', 0, { verdict: 'clean', final: true }))).toBe(
      'Clean (final)',
    );
    expect(queueStatus(entry('5', 'x', 0, { verdict: 'violation', awaitingReReview: true }))).toBe(
      'Student responded — review again',
    );
  });
});
