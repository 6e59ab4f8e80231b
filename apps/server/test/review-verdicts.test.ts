import { describe, expect, it } from 'vitest';
import { sessionNotes } from '../src/db/schema.js';
import type { BusTopics } from '../src/ports/event-bus.port.js';
import { eventually } from './helpers/eventually.js';
import { expectError } from './helpers/matrix-errors.js';
import { useReviewExam } from './helpers/review-fixture.js';
import { engines, TEST_PASSWORD } from './helpers/test-server.js';

const DAY = 24 * 3_600_000;

/**
 * A review from the first flag decision to the final verdict: the provisional verdict, what the
 * student reads of it (no notes, names or detector detail) and their one response, which
 * reopens the review; the final verdict given after it, or after 14 days without one; the bus
 * message and audit entry of every step.
 */
describe.each(engines())('review workflow on %s', (engine) => {
  const exam = useReviewExam(engine);
  const { finished, queueOf, decide } = exam;

  it('provisional verdict → student reads and responds once → re-review → final verdict', async () => {
    const s = await finished(2, 'Sam Student');
    // Before any verdict the student cannot read the review.
    expectError(await s.student.get(`${s.path}/review`), 404, 'NOT_FOUND');
    // A proctor's note (written directly: notes have their own API); never shown to the student.
    await exam.server.instance.database.db.insert(sessionNotes).values({
      sessionId: s.sessionId,
      authorId: exam.proctor.userId,
      body: 'secret proctor note',
    });

    // A verdict while flags are undecided is refused with the flags listed.
    const early = await exam.proctor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'ok' });
    expectError(early, 409, 'FLAGS_UNDECIDED');
    expect(early.body.details.flags.map((f: { id: string }) => f.id).sort()).toEqual(
      [...s.flagIds].sort(),
    );

    // Dismissing needs a comment; the first decision starts the review.
    expectError(await decide(exam.proctor, s.flagIds[0]!, 'dismissed'), 400, 'VALIDATION_FAILED');
    const first = await decide(
      exam.proctor,
      s.flagIds[0]!,
      'dismissed',
      'Looked down at notes allowed',
    );
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.session.state).toBe('under_review');
    expect(first.body.undecided).toBe(1);
    const second = await decide(exam.instructor, s.flagIds[1]!, 'confirmed', 'Left the room');
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.flags[1]).toMatchObject({
      decision: 'confirmed',
      comment: 'Left the room',
      detail: { decidedBy: { id: exam.instructor.userId, name: 'Ida Instructor' } },
    });

    const verdicts: BusTopics['review.verdict'][] = [];
    const off = await exam.server.instance.bus.subscribe('review.verdict', (m) => {
      if (m.sessionId === s.sessionId) verdicts.push(m);
    });
    const given = await exam.proctor.post(`${s.path}/verdict`, {
      verdict: 'suspicious',
      reason: 'Absent for 20 s',
    });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    expect(given.body.session.state).toBe('reviewed');
    expect(given.body.verdict).toMatchObject({
      verdict: 'suspicious',
      final: false,
      finalAt: null,
      reviewer: { id: exam.proctor.userId, name: 'Pat Proctor' },
    });
    expect(
      Date.parse(given.body.verdict.respondBy) - Date.parse(given.body.verdict.decidedAt),
    ).toBe(14 * DAY);
    await eventually(async () => expect(verdicts).toHaveLength(1));
    expect(verdicts[0]).toMatchObject({ examId: exam.examId, verdict: 'suspicious', final: false });

    // Decisions are closed while the verdict awaits the student.
    expectError(await decide(exam.proctor, s.flagIds[0]!, 'confirmed'), 409, 'REVIEW_NOT_OPEN');
    expectError(
      await exam.proctor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'again' }),
      409,
      'REVIEW_NOT_OPEN',
    );

    // The student sees flags, decisions and the verdict, but no notes, names or detector detail.
    const seen = await s.student.get(`${s.path}/review`);
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect(seen.body.canRespond).toBe(true);
    expect(seen.body.verdict).toMatchObject({ verdict: 'suspicious', reason: 'Absent for 20 s' });
    expect(seen.body.verdict.reviewer).toBeUndefined();
    expect(seen.body.notes).toBeUndefined();
    expect(seen.body.risk).toBeUndefined();
    expect(seen.body.identity.faceEnrolled).toBeUndefined();
    expect(seen.body.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['dismissed', 'Looked down at notes allowed'],
      ['confirmed', 'Left the room'],
    ]);
    for (const f of seen.body.flags) expect(f.detail).toBeUndefined();
    const raw = JSON.stringify(seen.body);
    for (const hidden of ['secret proctor note', 'Pat Proctor', 'Ida Instructor', 'test-model']) {
      expect(raw).not.toContain(hidden);
    }
    // The staff view has them.
    const staffView = await exam.instructor.get(`${s.path}/review`);
    expect(staffView.body.notes.map((n: any) => n.body)).toEqual(['secret proctor note']);
    expect(staffView.body.canRespond).toBe(false);

    // Another student sees nothing; the generic transitions endpoint cannot reopen.
    const stranger = await exam.server.signedIn('student');
    expectError(await stranger.get(`${s.path}/review`), 404, 'NOT_FOUND');
    expectError(await stranger.post(`${s.path}/response`, { text: 'not mine' }), 404, 'NOT_FOUND');
    expectError(
      await s.student.post(`${s.path}/transitions`, { to: 'under_review' }),
      403,
      'FORBIDDEN',
    );
    expect((await s.student.get('/api/me/reviews')).body).toEqual([
      {
        sessionId: s.sessionId,
        examId: exam.examId,
        verdict: 'suspicious',
        final: false,
        canRespond: true,
      },
    ]);

    // One response, which reopens the review.
    const responded = await s.student.post(`${s.path}/response`, {
      text: 'I was fetching my allowed calculator.',
    });
    expect(responded.status, JSON.stringify(responded.body)).toBe(200);
    expect(responded.body.session.state).toBe('under_review');
    expect(responded.body.canRespond).toBe(false);
    expect(responded.body.verdict).toMatchObject({ verdict: 'suspicious', final: false });
    expectError(
      await s.student.post(`${s.path}/response`, { text: 'And another thing' }),
      409,
      'RESPONSE_ALREADY_SENT',
    );

    // The reviewer sees it first in the queue and on the review.
    const queue = await queueOf(exam.proctor);
    expect(queue[0]).toMatchObject({
      session: { id: s.sessionId, state: 'under_review' },
      awaitingReReview: true,
      verdict: 'suspicious',
      final: false,
      flags: { open: 0, confirmed: 1, dismissed: 1 },
    });
    const reread = await exam.proctor.get(`${s.path}/review`);
    expect(reread.body.response.text).toBe('I was fetching my allowed calculator.');

    // "Clean" next to a confirmed flag would contradict it: refused until the reviewer either
    // explains it or re-decides the flag, which the reopened review allows.
    const contradicting = await exam.proctor.post(`${s.path}/verdict`, {
      verdict: 'clean',
      reason: 'The calculator was allowed',
    });
    expectError(contradicting, 409, 'VERDICT_NEEDS_REASON');
    expect(contradicting.body.details).toEqual({
      conflict: 'clean_with_confirmed_flags',
      confirmed: 1,
      dismissed: 1,
    });
    const redecided = await decide(exam.proctor, s.flagIds[1]!, 'dismissed', 'Calculator allowed');
    expect(redecided.status, JSON.stringify(redecided.body)).toBe(200);

    // The verdict given after the response is final.
    const final = await exam.proctor.post(`${s.path}/verdict`, {
      verdict: 'clean',
      reason: 'The calculator was allowed',
    });
    expect(final.status, JSON.stringify(final.body)).toBe(200);
    expect(final.body.verdict).toMatchObject({ verdict: 'clean', final: true, respondBy: null });
    expect(final.body.verdict.finalAt).not.toBeNull();
    await eventually(async () => expect(verdicts).toHaveLength(2));
    expect(verdicts[1]).toMatchObject({ verdict: 'clean', final: true });
    await off();
    const after = (await queueOf(exam.instructor)).find((e) => e.session.id === s.sessionId);
    expect(after).toMatchObject({ verdict: 'clean', final: true, awaitingReReview: false });
    const studentAfter = await s.student.get(`${s.path}/review`);
    expect(studentAfter.body.verdict).toMatchObject({ verdict: 'clean', final: true });
    expect(studentAfter.body.response.text).toBe('I was fetching my allowed calculator.');
    expect(studentAfter.body.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['dismissed', 'Looked down at notes allowed'],
      ['dismissed', 'Calculator allowed'],
    ]);

    // Every step is in the audit log.
    const audit = (await exam.admin.get(`/api/audit?examId=${exam.examId}&limit=1000`))
      .body as any[];
    const mine = audit.filter((a) => a.entityId === s.sessionId || s.flagIds.includes(a.entityId));
    const actions = mine.map((a) => a.action);
    expect(actions.filter((a) => a === 'flag.review')).toHaveLength(3);
    expect(actions.filter((a) => a === 'review.verdict')).toHaveLength(2);
    expect(actions).toContain('review.response');
    const moves = mine
      .filter((a) => a.action === 'session.transition')
      .map((a) => `${a.data.from}→${a.data.to}`)
      .reverse();
    expect(moves).toEqual([
      'registered→checking_in',
      'checking_in→terminated',
      'terminated→under_review',
      'under_review→reviewed',
      'reviewed→under_review',
      'under_review→reviewed',
    ]);
    const review = mine.find((a) => a.action === 'flag.review' && a.entityId === s.flagIds[0]);
    expect(review).toMatchObject({
      actorId: exam.proctor.userId,
      data: { decision: 'dismissed', comment: 'Looked down at notes allowed' },
    });
    const changed = mine.filter((a) => a.action === 'flag.review' && a.entityId === s.flagIds[1]);
    expect(changed.map((a) => [a.data.from, a.data.to])).toEqual([
      ['confirmed', 'dismissed'],
      ['open', 'confirmed'],
    ]);
    expect(changed[0]).toMatchObject({
      actorId: exam.proctor.userId,
      data: {
        comment: 'Calculator allowed',
        previous: { decidedBy: exam.instructor.userId, comment: 'Left the room' },
      },
    });
  });

  it('a provisional verdict becomes final after 14 days without a response', async () => {
    const s = await finished(0);
    const given = await exam.instructor.post(`${s.path}/verdict`, {
      verdict: 'clean',
      reason: 'ok',
    });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    expect(given.body.verdict.final).toBe(false);
    exam.server.clock.advance(14 * DAY + 1000);
    try {
      // Sign-in sessions do not last two weeks either.
      await s.student.login(s.student.email, TEST_PASSWORD);
      const read = await s.student.get(`${s.path}/review`);
      expect(read.body.verdict).toMatchObject({ final: true, respondBy: null });
      expect(read.body.canRespond).toBe(false);
      expectError(
        await s.student.post(`${s.path}/response`, { text: 'Too late?' }),
        409,
        'RESPONSE_WINDOW_CLOSED',
      );
    } finally {
      exam.server.clock.advance(-(14 * DAY + 1000));
    }
  });
});
