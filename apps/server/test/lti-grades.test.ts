import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { LtiViolationGrade } from '@invigil/contracts';
import { answers, ltiResourceLinks } from '../src/db/schema.js';
import { VIOLATION_COMMENT } from '../src/services/lti/grade-plan.js';
import { eventually } from './helpers/eventually.js';
import { LTI_SCOPES } from './helpers/lti-platform.js';
import { learner, useLtiServicesServer } from './helpers/lti-services-fixture.js';
import { expectError } from './helpers/matrix-errors.js';
import { engines } from './helpers/test-server.js';

/**
 * Grades to the platform's gradebook (LTI Assignment and Grade Services): the score a verdict
 * sends, what a violation verdict sends under each policy, hand grading, a gradebook column
 * made where the platform gave none, and a failing gradebook retried.
 */
describe.each(engines())('LTI Advantage services on %s', (engine) => {
  const services = useLtiServicesServer(engine);
  const { exam, launch, attemptWithVerdict, ltiOf } = services;

  it('a verdict sends the score to the link’s gradebook column', async () => {
    const { examId, questionIds } = await exam();
    const user = learner('grade-1');
    const sessionId = await attemptWithVerdict(user, examId, questionIds, 'c-grade', 'clean');
    const course = services.lms.course('c-grade');
    await eventually(() => expect(course.scores).toHaveLength(1));
    expect(course.scores[0]).toMatchObject({
      lineItemId: course.resourceLinks[0]!.lineItemId,
      userId: 'grade-1',
      scoreGiven: 4,
      scoreMaximum: 10,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    });
    expect(course.scores[0]!.comment).toBeUndefined();
    const seen = await eventually(async () => {
      const lti = await ltiOf(services.instructor, examId);
      expect(lti.grades[0]?.status).toBe('sent');
      return lti;
    });
    expect(seen.links).toEqual([
      expect.objectContaining({ agsAvailable: true, nrpsAvailable: true, contextId: 'c-grade' }),
    ]);
    expect(seen.grades[0]).toMatchObject({
      sessionId,
      studentName: 'Learner grade-1',
      scoreGiven: 4,
      scoreMaximum: 10,
      attempts: 1,
      lastError: null,
    });
    // Proctors see where grades stand, never the scores.
    const forProctor = await ltiOf(services.proctor, examId);
    expect(forProctor.grades[0]).toMatchObject({ status: 'sent', scoreGiven: null });
    // The platform granted a token for the score scope only when asked for it.
    expect(services.lms.tokenRequests.some((t) => t.scopes.includes(LTI_SCOPES.score))).toBe(true);
  });

  it('a violation verdict withholds, sends zero, or sends the score with a comment', async () => {
    const outcomes: Record<LtiViolationGrade, unknown> = {
      withhold: undefined,
      zero: { scoreGiven: 0, scoreMaximum: 10, comment: VIOLATION_COMMENT },
      score_with_comment: { scoreGiven: 4, scoreMaximum: 10, comment: VIOLATION_COMMENT },
    };
    for (const [policy, expected] of Object.entries(outcomes) as [LtiViolationGrade, unknown][]) {
      const { examId, questionIds } = await exam(policy);
      const contextId = `c-${policy}`;
      await attemptWithVerdict(learner(`v-${policy}`), examId, questionIds, contextId, 'violation');
      const status = policy === 'withhold' ? 'withheld' : 'sent';
      const lti = await eventually(async () => {
        const seen = await ltiOf(services.instructor, examId);
        expect(seen.grades[0]?.status, policy).toBe(status);
        return seen;
      });
      const scores = services.lms.course(contextId).scores;
      if (expected === undefined) {
        expect(scores).toEqual([]);
        expect(lti.grades[0]).toMatchObject({ scoreGiven: null, comment: null });
      } else {
        expect(scores).toHaveLength(1);
        expect(scores[0]).toMatchObject(expected as object);
      }
    }
  });

  it('a score waiting for hand grading goes again, with its number, once graded', async () => {
    const { examId } = await exam();
    // The second question becomes an essay: the attempt's score then waits for a grade.
    const qs = await services.admin.put(`/api/exams/${examId}/questions`, {
      questions: [
        {
          kind: 'single_choice',
          prompt: '2 + 2',
          options: ['3', '4'],
          correctOption: 1,
          points: 4,
        },
        { kind: 'essay', prompt: 'Why?', points: 6 },
      ],
    });
    expect(qs.status, JSON.stringify(qs.body)).toBe(200);
    const [choice, essay] = (qs.body as { id: string }[]).map((q) => q.id) as [string, string];
    const user = learner('manual-1');
    const { student, sessionId } = await launch(user, examId, 'c-manual');
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    await services.server.instance.database.db.insert(answers).values([
      { sessionId, questionId: choice, value: { choice: 1 } },
      { sessionId, questionId: essay, value: { text: 'Because.' } },
    ]);
    expect(
      (await services.proctor.post(`${path}/transitions`, { to: 'terminated', reason: 'test' }))
        .status,
    ).toBe(200);
    expect(
      (
        await services.proctor.post(`${path}/verdict`, {
          verdict: 'clean',
          reason: 'Nothing wrong',
        })
      ).status,
    ).toBe(200);
    const course = services.lms.course('c-manual');
    await eventually(() => expect(course.scores).toHaveLength(1));
    expect(course.scores[0]).toMatchObject({ gradingProgress: 'PendingManual' });
    expect(course.scores[0]!.scoreGiven).toBeUndefined();
    const graded = await services.instructor.put(`${path}/answers/${essay}/grade`, {
      points: 5,
      comment: null,
    });
    expect(graded.status, JSON.stringify(graded.body)).toBe(200);
    await eventually(() => expect(course.scores).toHaveLength(2));
    expect(course.scores[1]).toMatchObject({
      userId: 'manual-1',
      scoreGiven: 9,
      scoreMaximum: 10,
      gradingProgress: 'FullyGraded',
    });
    await eventually(async () =>
      expect((await ltiOf(services.instructor, examId)).grades[0]?.status).toBe('sent'),
    );
  });

  it('a placement without a gradebook column gets one made, then the score', async () => {
    const { examId, questionIds } = await exam();
    const user = learner('column-1');
    // The platform sent the line items URL and the lineitem scope, but no line item of its own.
    const { student, sessionId } = await launch(user, examId, 'c-column');
    await services.server.instance.database.db
      .update(ltiResourceLinks)
      .set({ lineItemUrl: null })
      .where(eq(ltiResourceLinks.examId, examId));
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    await services.server.instance.database.db
      .insert(answers)
      .values([{ sessionId, questionId: questionIds[0]!, value: { choice: 1 } }]);
    expect(
      (await services.proctor.post(`${path}/transitions`, { to: 'terminated', reason: 't' }))
        .status,
    ).toBe(200);
    const given = await services.proctor.post(`${path}/verdict`, {
      verdict: 'clean',
      reason: 'Fine',
    });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    const course = services.lms.course('c-column');
    await eventually(() => expect(course.scores).toHaveLength(1));
    const made = course.lineItems.find((i) => i.tag === 'invigil');
    expect(made).toMatchObject({
      scoreMaximum: 10,
      resourceId: examId,
      resourceLinkId: 'link-c-column',
    });
    expect(course.scores[0]).toMatchObject({ lineItemId: made!.id, scoreGiven: 4 });
    const [link] = await services.server.instance.database.db
      .select()
      .from(ltiResourceLinks)
      .where(eq(ltiResourceLinks.examId, examId));
    expect(link!.lineItemUrl).toBe(made!.id);
  });

  it('a failing gradebook is retried until it takes the score', async () => {
    const { examId, questionIds } = await exam();
    services.lms.failNextScores(1);
    await attemptWithVerdict(learner('retry-1'), examId, questionIds, 'c-retry', 'clean');
    const lti = await eventually(async () => {
      const seen = await ltiOf(services.instructor, examId);
      expect(seen.grades[0]?.status).toBe('sent');
      return seen;
    }, 10_000);
    expect(lti.grades[0]).toMatchObject({ attempts: 2, lastError: null, scoreGiven: 4 });
    expect(services.lms.course('c-retry').scores).toHaveLength(1);
  });

  it('a gradebook failing every attempt shows the grade failed, and staff can send it again', async () => {
    const { examId, questionIds } = await exam();
    services.lms.failNextScores(3);
    await attemptWithVerdict(learner('fail-1'), examId, questionIds, 'c-fail', 'clean');
    const failed = await eventually(async () => {
      const seen = await ltiOf(services.instructor, examId);
      expect(seen.grades[0]?.status).toBe('failed');
      return seen;
    }, 10_000);
    expect(failed.grades[0]!.attempts).toBe(3);
    expect(failed.grades[0]!.lastError).toMatch(/HTTP 503/);
    expect(services.lms.course('c-fail').scores).toEqual([]);

    // Proctors may not retry; the exam's instructor may.
    expectError(
      await services.proctor.post(`/api/exams/${examId}/lti/grades/retry`),
      403,
      'FORBIDDEN',
    );
    const retried = await services.instructor.post(`/api/exams/${examId}/lti/grades/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual({ queued: 1 });
    await eventually(async () => {
      const seen = await ltiOf(services.instructor, examId);
      expect(seen.grades[0]).toMatchObject({ status: 'sent', lastError: null });
    }, 10_000);
    expect(services.lms.course('c-fail').scores).toHaveLength(1);
  });
});
