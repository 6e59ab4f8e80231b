import { describe, expect, it } from 'vitest';
import { expectError } from './helpers/matrix-errors.js';
import { useReviewExam } from './helpers/review-fixture.js';
import { engines } from './helpers/test-server.js';

/**
 * The reviewers' side of a review: the exported report (JSON, and escaped printable HTML, each
 * view audited), the queue's order, and who may see the queue, decide and read reports — only
 * the exam's reviewers, and only once the attempt has ended.
 */
describe.each(engines())('review workflow on %s', (engine) => {
  const exam = useReviewExam(engine);
  const { finished, queueOf, decide } = exam;

  it('exports the report as JSON and as escaped, printable HTML (audited)', async () => {
    const s = await finished(1, '<script>alert("x")</script> Mallory');
    await decide(exam.proctor, s.flagIds[0]!, 'confirmed', 'Away <b>twice</b> & "long"');
    await exam.proctor.post(`${s.path}/verdict`, {
      verdict: 'violation',
      reason: 'Left <img src=x>',
    });
    const json = await exam.instructor.get(`${s.path}/report`);
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    expect(json.body).toMatchObject({
      exam: { id: exam.examId, title: 'Algebra <final>' },
      student: { id: s.student.userId, name: '<script>alert("x")</script> Mallory' },
      session: { id: s.sessionId, state: 'reviewed' },
      identity: { snapshots: [], flagIds: [], faceEnrolled: false },
      verdict: {
        verdict: 'violation',
        final: false,
        reviewer: { id: exam.proctor.userId, name: 'Pat Proctor' },
      },
      response: null,
    });
    expect(json.body.flags).toHaveLength(1);
    expect(json.body.flags[0]).toMatchObject({ type: 'no_face', decision: 'confirmed' });
    expect(json.body.session.endedAt).not.toBeNull();

    const html = await exam.instructor.get(`${s.path}/report.html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = String(html.body);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>twice');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Mallory');
    expect(page).toContain('Away &lt;b&gt;twice&lt;/b&gt; &amp; &quot;long&quot;');
    expect(page).toContain('Algebra &lt;final&gt;');
    expect(page).toContain('@media print');
    expect(page).toContain('Violation (provisional)');
    expect(page).not.toMatch(/<(link|script|img|iframe)\b/i);

    const audit = (await exam.admin.get(`/api/audit?examId=${exam.examId}&limit=200`))
      .body as any[];
    const views = audit.filter(
      (a) => a.action === 'session.report_view' && a.entityId === s.sessionId,
    );
    expect(views.map((v) => v.data.format).sort()).toEqual(['html', 'json']);
    expect(views.every((v) => v.actorId === exam.instructor.userId)).toBe(true);
  });

  // That responses come first is checked with the re-review, in review-verdicts.
  it('orders the queue: unreviewed by risk, then the reviewed ones', async () => {
    const done = await finished(2, 'Already Reviewed');
    for (const id of done.flagIds) {
      const res = await decide(exam.proctor, id, 'dismissed', 'Thinking, eyes closed');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const verdict = await exam.proctor.post(`${done.path}/verdict`, {
      verdict: 'clean',
      reason: 'Looked away to think',
    });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
    const low = await finished(1, 'Low Risk');
    const high = await finished(3, 'High Risk');
    const queue = await queueOf(exam.proctor);
    const ids = queue.map((e) => e.session.id);
    const unreviewed = queue.filter((e) => e.verdict === null);
    const reviewed = queue.filter((e) => e.verdict !== null && !e.awaitingReReview);
    // Both groups are there, so the order between them is really compared.
    expect(reviewed.map((e) => e.session.id)).toContain(done.sessionId);
    expect(unreviewed.map((e) => e.session.id)).toEqual(
      expect.arrayContaining([low.sessionId, high.sessionId]),
    );
    // Unreviewed come before reviewed ones, each group by risk, highest first.
    expect(ids.indexOf(high.sessionId)).toBeLessThan(ids.indexOf(low.sessionId));
    const lastUnreviewed = Math.max(...unreviewed.map((e) => ids.indexOf(e.session.id)));
    const firstReviewed = Math.min(...reviewed.map((e) => ids.indexOf(e.session.id)));
    expect(lastUnreviewed).toBeLessThan(firstReviewed);
    for (const group of [unreviewed, reviewed]) {
      const risks = group.map((e) => e.risk);
      expect(risks).toEqual([...risks].sort((a, b) => b - a));
    }
    const highEntry = queue.find((e) => e.session.id === high.sessionId);
    expect(highEntry).toMatchObject({
      student: { name: 'High Risk' },
      flags: { open: 3, confirmed: 0, dismissed: 0 },
      verdict: null,
      final: false,
    });
    expect(highEntry.risk).toBeGreaterThan(queue.find((e) => e.session.id === low.sessionId).risk);
  });

  it('lets only the exam’s reviewers see the queue and decide', async () => {
    const s = await finished(1);
    expect((await queueOf(exam.admin)).length).toBeGreaterThan(0);
    expect((await queueOf(exam.instructor)).length).toBeGreaterThan(0);
    // Staff of another exam do not learn this one exists.
    expectError(
      await exam.otherProctor.get(`/api/exams/${exam.examId}/review-queue`),
      404,
      'NOT_FOUND',
    );
    expectError(await decide(exam.otherProctor, s.flagIds[0]!, 'confirmed'), 404, 'NOT_FOUND');
    expectError(
      await exam.otherProctor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    expectError(await exam.otherProctor.get(`${s.path}/review`), 404, 'NOT_FOUND');
    expectError(await exam.otherProctor.get(`${s.path}/report`), 404, 'NOT_FOUND');
    // Students never see the queue, decide or read reports.
    expectError(await s.student.get(`/api/exams/${exam.examId}/review-queue`), 403, 'FORBIDDEN');
    expectError(await decide(s.student, s.flagIds[0]!, 'dismissed', 'me'), 403, 'FORBIDDEN');
    expectError(
      await s.student.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'x' }),
      403,
      'FORBIDDEN',
    );
    expectError(await s.student.get(`${s.path}/report`), 403, 'FORBIDDEN');
    expectError(await s.student.get(`${s.path}/report.html`), 403, 'FORBIDDEN');
    // Staff cannot respond for the student.
    expectError(await exam.proctor.post(`${s.path}/response`, { text: 'x' }), 403, 'FORBIDDEN');
  });

  it('refuses decisions on a running attempt', async () => {
    const student = await exam.server.signedIn('student');
    const reg = await student.post(`/api/exams/${exam.examId}/registrations`);
    const path = `/api/sessions/${reg.body.sessionId}`;
    await student.post(`${path}/transitions`, { to: 'checking_in' });
    const res = await exam.proctor.post(`${path}/verdict`, { verdict: 'clean', reason: 'early' });
    expectError(res, 409, 'REVIEW_NOT_OPEN');
    expectError(await decide(exam.proctor, crypto.randomUUID(), 'confirmed'), 404, 'NOT_FOUND');
  });
});
