import { describe, expect, it } from 'vitest';
import type { ReviewFlag, ReviewQueueEntry, SessionReview } from '@invigil/contracts';
import {
  decisionRecordText,
  nextSort,
  PRIORITY_SORT,
  queueStatus,
  reopenedByResponse,
  sortQueue,
  verdictConflictText,
} from './review-model';

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

const flag = (decision: ReviewFlag['decision']) => ({ decision }) as ReviewFlag;

const review = (over: Partial<SessionReview> & { state?: string } = {}) =>
  ({
    session: { state: over.state ?? 'under_review' },
    response: null,
    verdict: null,
    flags: [],
    ...over,
  }) as unknown as SessionReview;

describe('review consistency model', () => {
  it('names a verdict that goes against the decisions, and only then', () => {
    expect(verdictConflictText('clean', [flag('confirmed'), flag('dismissed')])).toBe(
      'A clean verdict goes against 1 confirmed flag',
    );
    expect(verdictConflictText('clean', [flag('dismissed')])).toBeNull();
    expect(verdictConflictText('violation', [flag('dismissed')])).toMatch(/no flag is confirmed/);
    expect(verdictConflictText('violation', [flag('confirmed')])).toBeNull();
    expect(verdictConflictText('suspicious', [flag('confirmed')])).toBeNull();
  });

  it('knows when the student’s response reopened the review', () => {
    const response = { text: 'x', respondedAt: '2030-01-01T00:00:00.000Z' };
    const provisional = { final: false } as SessionReview['verdict'];
    expect(reopenedByResponse(review({ response, verdict: provisional }))).toBe(true);
    expect(reopenedByResponse(review({ response: null, verdict: provisional }))).toBe(false);
    expect(reopenedByResponse(review({ response, verdict: provisional, state: 'reviewed' }))).toBe(
      false,
    );
    expect(
      reopenedByResponse(
        review({ response, verdict: { final: true } as SessionReview['verdict'] }),
      ),
    ).toBe(false);
  });

  it('describes a replaced decision with who and when', () => {
    const at = '2030-01-01T09:00:00.000Z';
    expect(
      decisionRecordText(
        {
          decision: 'confirmed',
          comment: null,
          decidedBy: { id: 'u', name: 'Pat' },
          decidedAt: at,
        },
        (iso) => `at ${iso.slice(11, 16)}`,
      ),
    ).toBe('Confirmed by Pat, at 09:00');
    expect(
      decisionRecordText(
        { decision: 'dismissed', comment: 'x', decidedBy: null, decidedAt: at },
        () => 'then',
      ),
    ).toBe('Dismissed by a former user, then');
  });
});
