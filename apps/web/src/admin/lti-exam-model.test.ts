import { describe, expect, it } from 'vitest';
import {
  LtiViolationGrade,
  type ExamLtiLink,
  type LtiGradeSubmission,
  type LtiRosterSync,
} from '@invigil/contracts';
import {
  VIOLATION_GRADE_LABELS,
  courseOf,
  describeRetry,
  describeSync,
  describeSyncResult,
  formatScore,
  gradeCounts,
  gradeStatusBadge,
  linkCourse,
  pollInterval,
} from './lti-exam-model';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const buildLink = (overrides: Partial<ExamLtiLink> = {}): ExamLtiLink => ({
  id: id(1),
  platformId: id(2),
  platformName: 'University Moodle',
  contextId: 'course-7',
  contextTitle: 'Algebra 101',
  title: 'Final exam',
  lastLaunchAt: '2026-03-01T10:00:00.000Z',
  agsAvailable: true,
  nrpsAvailable: true,
  ...overrides,
});

const buildSync = (overrides: Partial<LtiRosterSync> = {}): LtiRosterSync => ({
  id: id(10),
  linkId: id(1),
  trigger: 'manual',
  status: 'done',
  members: 30,
  added: 3,
  existing: 25,
  skipped: 2,
  error: null,
  startedAt: '2026-03-01T10:00:00.000Z',
  finishedAt: '2026-03-01T10:00:05.000Z',
  ...overrides,
});

const buildGrade = (overrides: Partial<LtiGradeSubmission> = {}): LtiGradeSubmission => ({
  sessionId: id(20),
  linkId: id(1),
  studentId: id(21),
  studentName: 'Ada',
  status: 'sent',
  scoreGiven: 42,
  scoreMaximum: 50,
  comment: null,
  attempts: 1,
  lastError: null,
  sentAt: '2026-03-02T10:00:00.000Z',
  updatedAt: '2026-03-02T10:00:00.000Z',
  ...overrides,
});

describe('labels', () => {
  it('has a label for every violation grade choice', () => {
    for (const value of LtiViolationGrade.options)
      expect(VIOLATION_GRADE_LABELS[value]).toBeTruthy();
  });

  it('marks failed grades as failed and withheld ones apart from sent ones', () => {
    expect(gradeStatusBadge('failed').label).toBe('Failed');
    expect(gradeStatusBadge('withheld').className).not.toBe(gradeStatusBadge('sent').className);
  });
});

describe('describeSync', () => {
  it('counts every outcome of a finished sync', () => {
    expect(describeSync(buildSync())).toBe('30 members: 3 added, 25 already registered, 2 skipped');
    expect(describeSync(buildSync({ members: 1, added: 1, existing: 0, skipped: 0 }))).toMatch(
      /^1 member:/,
    );
  });

  it('gives the error of a failed sync, and says a running one is running', () => {
    expect(describeSync(buildSync({ status: 'failed', error: 'HTTP 401 from the platform' }))).toBe(
      'HTTP 401 from the platform',
    );
    expect(describeSync(buildSync({ status: 'running' }))).toMatch(/Reading/);
  });
});

describe('describeSyncResult', () => {
  it('says when no link offers a roster', () => {
    expect(describeSyncResult([]).tone).toBe('info');
  });

  it('sums the students added over the courses', () => {
    const feedback = describeSyncResult([buildSync(), buildSync({ id: id(11), added: 1 })]);
    expect(feedback).toEqual({
      tone: 'success',
      text: 'Roster synchronised: 4 students newly registered from 2 courses.',
    });
  });

  it('reports a failed course as an error with its reason', () => {
    const feedback = describeSyncResult([
      buildSync(),
      buildSync({ id: id(11), status: 'failed', error: 'token refused', added: 0 }),
    ]);
    expect(feedback.tone).toBe('error');
    expect(feedback.text).toContain('1 course failed: token refused.');
  });

  it('mentions syncs still running', () => {
    expect(describeSyncResult([buildSync({ status: 'running', added: 0 })]).text).toMatch(
      /still running/,
    );
  });
});

describe('describeRetry', () => {
  it('distinguishes nothing to retry from scores queued', () => {
    expect(describeRetry(0).tone).toBe('info');
    expect(describeRetry(1).text).toMatch(/^1 score queued/);
    expect(describeRetry(3).text).toMatch(/^3 scores queued/);
  });
});

describe('grades', () => {
  it('counts grades by status', () => {
    const counts = gradeCounts([
      buildGrade(),
      buildGrade({ status: 'failed' }),
      buildGrade({ status: 'failed' }),
      buildGrade({ status: 'withheld' }),
    ]);
    expect(counts).toEqual({ sent: 1, failed: 2, withheld: 1, pending: 0 });
  });

  it('formats a score with its maximum, rounded, or a dash without one', () => {
    expect(formatScore(buildGrade())).toBe('42 / 50');
    expect(formatScore(buildGrade({ scoreGiven: 1 / 3, scoreMaximum: null }))).toBe('0.33');
    expect(formatScore(buildGrade({ scoreGiven: null }))).toBe('—');
  });
});

describe('courses', () => {
  it('names a link’s course by title, else id, else platform', () => {
    expect(linkCourse(buildLink())).toBe('Algebra 101');
    expect(linkCourse(buildLink({ contextTitle: null }))).toBe('course-7');
    expect(linkCourse(buildLink({ contextTitle: null, contextId: null }))).toBe(
      'University Moodle',
    );
  });

  it('finds the course of a link id, or a dash for a removed link', () => {
    expect(courseOf([buildLink()], id(1))).toBe('Algebra 101');
    expect(courseOf([buildLink()], id(99))).toBe('—');
  });
});

describe('pollInterval', () => {
  it('polls while a sync runs or a score waits, and not otherwise', () => {
    expect(pollInterval(undefined)).toBe(false);
    expect(pollInterval({ rosterSyncs: [buildSync()], grades: [buildGrade()] })).toBe(false);
    expect(pollInterval({ rosterSyncs: [buildSync({ status: 'running' })], grades: [] })).toBe(
      5_000,
    );
    expect(pollInterval({ rosterSyncs: [], grades: [buildGrade({ status: 'pending' })] })).toBe(
      5_000,
    );
  });
});
