import { describe, expect, it } from 'vitest';
import { expectError } from './helpers/matrix-errors.js';
import { useReviewExam } from './helpers/review-fixture.js';
import { engines } from './helpers/test-server.js';

/**
 * Flag decisions and the verdicts given on them: after the student's response every flag can be
 * re-decided (staff see the replaced decisions as history, the student only the final ones), a
 * verdict against the decisions needs the reviewer's explicit comment, and a flag an
 * accommodation withdrew can be decided again.
 */
describe.each(engines())('review workflow on %s', (engine) => {
  const exam = useReviewExam(engine);
  const { finished, decide } = exam;

  it('after the response every flag can be re-decided; the student sees the final state, staff the history', async () => {
    const s = await finished(2, 'Rita Redecided');
    expect(
      (await decide(exam.proctor, s.flagIds[0]!, 'confirmed', 'Away from the desk')).status,
    ).toBe(200);
    expect((await decide(exam.proctor, s.flagIds[1]!, 'confirmed')).status).toBe(200);
    const provisional = await exam.proctor.post(`${s.path}/verdict`, {
      verdict: 'violation',
      reason: 'Away twice',
    });
    expect(provisional.status, JSON.stringify(provisional.body)).toBe(200);
    const responded = await s.student.post(`${s.path}/response`, {
      text: 'The fire alarm went off; the building was evacuated.',
    });
    expect(responded.body.session.state).toBe('under_review');

    // Re-deciding: dismissing still needs a comment; confirm ↔ dismiss both ways.
    expectError(
      await decide(exam.instructor, s.flagIds[0]!, 'dismissed'),
      400,
      'VALIDATION_FAILED',
    );
    const flipped = await decide(
      exam.instructor,
      s.flagIds[0]!,
      'dismissed',
      'Fire alarm: verified',
    );
    expect(flipped.status, JSON.stringify(flipped.body)).toBe(200);
    expect(
      (await decide(exam.proctor, s.flagIds[1]!, 'dismissed', 'Superseded comment')).status,
    ).toBe(200);
    const back = await decide(
      exam.proctor,
      s.flagIds[1]!,
      'confirmed',
      'Second absence unexplained',
    );
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    // The same decision again changes nothing (no new audit entry below).
    expect(
      (await decide(exam.proctor, s.flagIds[1]!, 'confirmed', 'Second absence unexplained')).status,
    ).toBe(200);

    // Staff see the current decisions and, as history, the ones they replaced.
    const staff = (await exam.instructor.get(`${s.path}/review`)).body;
    expect(staff.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['dismissed', 'Fire alarm: verified'],
      ['confirmed', 'Second absence unexplained'],
    ]);
    expect(staff.flags[0].detail.decidedBy).toEqual({
      id: exam.instructor.userId,
      name: 'Ida Instructor',
    });
    expect(staff.flags[0].detail.history).toEqual([
      {
        decision: 'confirmed',
        comment: 'Away from the desk',
        decidedBy: { id: exam.proctor.userId, name: 'Pat Proctor' },
        decidedAt: expect.any(String),
      },
    ]);
    expect(
      staff.flags[1].detail.history.map((h: any) => [h.decision, h.comment, h.decidedBy.name]),
    ).toEqual([
      ['confirmed', null, 'Pat Proctor'],
      ['dismissed', 'Superseded comment', 'Pat Proctor'],
    ]);

    // Until the final verdict the student keeps seeing the decisions the provisional one was
    // given on: a verdict never stands beside decisions it was not given on.
    const meanwhile = (await s.student.get(`${s.path}/review`)).body;
    expect(meanwhile.verdict).toMatchObject({ verdict: 'violation', final: false });
    expect(meanwhile.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['confirmed', 'Away from the desk'],
      ['confirmed', null],
    ]);
    expect(meanwhile.undecided).toBe(0);

    const final = await exam.instructor.post(`${s.path}/verdict`, {
      verdict: 'suspicious',
      reason: 'One absence is explained by the fire alarm, the other is not',
    });
    expect(final.status, JSON.stringify(final.body)).toBe(200);
    expect(final.body.verdict).toMatchObject({ final: true, overrideComment: null });
    expectError(
      await decide(exam.proctor, s.flagIds[0]!, 'confirmed', 'too late'),
      409,
      'REVIEW_NOT_OPEN',
    );

    // The student: each flag's final decision and the final verdict; no history, no names.
    const seen = (await s.student.get(`${s.path}/review`)).body;
    expect(seen.verdict).toMatchObject({ verdict: 'suspicious', final: true });
    expect(seen.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['dismissed', 'Fire alarm: verified'],
      ['confirmed', 'Second absence unexplained'],
    ]);
    for (const f of seen.flags) expect(f.detail).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain('Superseded comment');

    // The report: final decisions, the replaced ones as history, the final verdict.
    const report = (await exam.instructor.get(`${s.path}/report`)).body;
    expect(report.flags.map((f: any) => f.decision)).toEqual(['dismissed', 'confirmed']);
    expect(report.flags[1].detail.history).toHaveLength(2);
    expect(report.verdict).toMatchObject({ verdict: 'suspicious', final: true });
    const page = String((await exam.instructor.get(`${s.path}/report.html`)).body);
    expect(page).toContain('Suspicious (final)');
    expect(page).toContain('Replaced decisions');
    expect(page).toContain('Superseded comment');
    expect(page).not.toContain('Against the flag decisions');

    // Each change is one flag.review entry with from and to.
    const audit = (await exam.admin.get(`/api/audit?examId=${exam.examId}&limit=1000`))
      .body as any[];
    const reviews = audit
      .filter((a) => a.action === 'flag.review' && s.flagIds.includes(a.entityId))
      .reverse();
    expect(reviews.map((a) => [s.flagIds.indexOf(a.entityId), a.data.from, a.data.to])).toEqual([
      [0, 'open', 'confirmed'],
      [1, 'open', 'confirmed'],
      [0, 'confirmed', 'dismissed'],
      [1, 'confirmed', 'dismissed'],
      [1, 'dismissed', 'confirmed'],
    ]);
  });

  it('a verdict against the flag decisions needs the reviewer’s explicit comment', async () => {
    // Clean while a flag is confirmed.
    const a = await finished(1);
    await decide(exam.proctor, a.flagIds[0]!, 'confirmed');
    const refused = await exam.proctor.post(`${a.path}/verdict`, {
      verdict: 'clean',
      reason: 'Fine',
    });
    expectError(refused, 409, 'VERDICT_NEEDS_REASON');
    expect(refused.body.message).toMatch(/clean verdict goes against 1 confirmed flag/);
    expect((await exam.proctor.get(`${a.path}/review`)).body).toMatchObject({
      session: { state: 'under_review' },
      verdict: null,
    });
    expectError(
      await exam.proctor.post(`${a.path}/verdict`, {
        verdict: 'clean',
        reason: 'Fine',
        overrideComment: '   ',
      }),
      400,
      'VALIDATION_FAILED',
    );
    const explained = await exam.proctor.post(`${a.path}/verdict`, {
      verdict: 'clean',
      reason: 'Fine',
      overrideComment: 'The absence was a <b>permitted</b> break announced before the exam',
    });
    expect(explained.status, JSON.stringify(explained.body)).toBe(200);
    expect(explained.body.verdict.overrideComment).toBe(
      'The absence was a <b>permitted</b> break announced before the exam',
    );
    const studentView = (await a.student.get(`${a.path}/review`)).body;
    expect(studentView.verdict).toMatchObject({
      verdict: 'clean',
      overrideComment: 'The absence was a <b>permitted</b> break announced before the exam',
    });
    expect(studentView.flags[0].decision).toBe('confirmed');
    expect((await exam.instructor.get(`${a.path}/report`)).body.verdict.overrideComment).toMatch(
      /permitted/,
    );
    const page = String((await exam.instructor.get(`${a.path}/report.html`)).body);
    expect(page).toContain('Against the flag decisions');
    expect(page).toContain('A clean verdict goes against 1 confirmed flag.');
    expect(page).toContain('&lt;b&gt;permitted&lt;/b&gt;');
    const audit = (await exam.admin.get(`/api/audit?examId=${exam.examId}&limit=1000`))
      .body as any[];
    expect(
      audit.find((e) => e.action === 'review.verdict' && e.entityId === a.sessionId),
    ).toMatchObject({
      data: { verdict: 'clean', conflict: 'clean_with_confirmed_flags', overrideComment: /break/ },
    });

    // Violation while every flag is dismissed, or with no flag at all.
    const b = await finished(1);
    await decide(exam.proctor, b.flagIds[0]!, 'dismissed', 'A reflection');
    const noEvidence = await exam.proctor.post(`${b.path}/verdict`, {
      verdict: 'violation',
      reason: 'Notes seen on the screen recording',
    });
    expectError(noEvidence, 409, 'VERDICT_NEEDS_REASON');
    expect(noEvidence.body.details).toMatchObject({
      conflict: 'violation_without_confirmed_flag',
      confirmed: 0,
      dismissed: 1,
    });
    const c = await finished(0);
    expectError(
      await exam.proctor.post(`${c.path}/verdict`, { verdict: 'violation', reason: 'x' }),
      409,
      'VERDICT_NEEDS_REASON',
    );
    expect(
      (
        await exam.proctor.post(`${c.path}/verdict`, {
          verdict: 'violation',
          reason: 'Notes seen on the screen recording',
          overrideComment: 'No detector covers paper notes; see the recording at 12:30',
        })
      ).status,
    ).toBe(200);
    // Suspicious never contradicts; clean with everything dismissed does not either.
    expect(
      (await exam.proctor.post(`${b.path}/verdict`, { verdict: 'suspicious', reason: 'Unclear' }))
        .status,
    ).toBe(200);
    const d = await finished(1);
    await decide(exam.proctor, d.flagIds[0]!, 'dismissed', 'A reflection');
    const clean = await exam.proctor.post(`${d.path}/verdict`, { verdict: 'clean', reason: 'ok' });
    expect(clean.status, JSON.stringify(clean.body)).toBe(200);
    expect(clean.body.verdict.overrideComment).toBeNull();
  });

  it('a flag an accommodation withdrew can be re-decided; the withdrawal stays in its history', async () => {
    const s = await finished(1);
    const registrationId = (await exam.proctor.get(`${s.path}`)).body.registrationId as string;
    const granted = await exam.admin.put(`/api/registrations/${registrationId}/accommodations`, {
      detectors: { no_face: { enabled: false } },
    });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    const withdrawn = (await exam.proctor.get(`${s.path}/review`)).body.flags[0];
    expect(withdrawn).toMatchObject({ decision: 'dismissed', detail: { history: [] } });
    const confirmed = await decide(exam.proctor, s.flagIds[0]!, 'confirmed', 'Not covered by it');
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.flags[0]).toMatchObject({
      decision: 'confirmed',
      detail: {
        decidedBy: { id: exam.proctor.userId },
        history: [
          {
            decision: 'dismissed',
            comment: expect.stringMatching(/accommodations/),
            decidedBy: { id: exam.admin.userId },
          },
        ],
      },
    });
  });
});
