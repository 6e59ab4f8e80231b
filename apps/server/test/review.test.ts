import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionNotes } from '../src/db/schema.js';
import type { BusTopics } from '../src/ports/event-bus.port.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { engines, startTestServer, TEST_PASSWORD, type TestServer } from './helpers/test-server.js';
import { eventually } from './helpers/eventually.js';

type Client = HttpClient & { userId: string; email: string };

const DAY = 24 * 3_600_000;

describe.each(engines())('review workflow on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let proctor: Client;
  let instructor: Client;
  let otherProctor: Client;
  let examId: string;
  let otherExamId: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor', 'Pat Proctor');
    instructor = await server.signedIn('instructor', 'Ida Instructor');
    otherProctor = await server.signedIn('proctor', 'Other Proctor');
    const now = server.clock.now().getTime();
    examId = (await admin.post('/api/exams', buildExam({ title: 'Algebra <final>' }, now))).body.id;
    otherExamId = (await admin.post('/api/exams', buildExam({ title: 'Other exam' }, now))).body.id;
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
    await admin.put(`/api/exams/${examId}/staff/${instructor.userId}`, { role: 'instructor' });
    await admin.put(`/api/exams/${otherExamId}/staff/${otherProctor.userId}`, { role: 'proctor' });
  });
  afterAll(async () => server?.close());

  /**
   * A student's attempt, terminated by the proctor after `noFace` separate stretches without a
   * face (each a closed no_face flag).
   */
  async function finished(noFace: number, name?: string) {
    const student = (await server.signedIn('student', name)) as Client;
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const sessionId = reg.body.sessionId as string;
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
    const t0 = Date.now() - 10 * 60_000;
    const events = Array.from({ length: noFace }, (_, i) => [
      { at: t0 + i * 60_000, active: true },
      { at: t0 + i * 60_000 + 20_000, active: false },
    ])
      .flat()
      .map((e, seq) => ({
        seq,
        type: 'detect.state',
        at: e.at,
        data: { detector: 'no_face', active: e.active, confidence: 0.9, model: 'test-model' },
      }));
    if (events.length > 0) {
      const sent = await student.post(`${path}/events`, { events });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
    const ended = await proctor.post(`${path}/transitions`, { to: 'terminated', reason: 'test' });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    const flags = await eventually(async () => {
      const res = await proctor.get(`${path}/flags`);
      expect(res.body).toHaveLength(noFace);
      return res.body as { id: string; type: string }[];
    });
    return { student, sessionId, path, flagIds: flags.map((f) => f.id) };
  }

  const queueOf = async (c: HttpClient) => {
    const res = await c.get(`/api/exams/${examId}/review-queue`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as any[];
  };

  const decide = (c: HttpClient, flagId: string, decision: string, comment?: string) =>
    c.post(`/api/flags/${flagId}/review`, { decision, ...(comment && { comment }) });

  it('provisional verdict → student reads and responds once → re-review → final verdict', async () => {
    const s = await finished(2, 'Sam Student');
    // Before any verdict the student cannot read the review.
    expectError(await s.student.get(`${s.path}/review`), 404, 'NOT_FOUND');
    // A proctor's note (written directly: notes have their own API); never shown to the student.
    await server.instance.database.db
      .insert(sessionNotes)
      .values({ sessionId: s.sessionId, authorId: proctor.userId, body: 'secret proctor note' });

    // A verdict while flags are undecided is refused with the flags listed.
    const early = await proctor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'ok' });
    expectError(early, 409, 'FLAGS_UNDECIDED');
    expect(early.body.details.flags.map((f: { id: string }) => f.id).sort()).toEqual(
      [...s.flagIds].sort(),
    );

    // Dismissing needs a comment; the first decision starts the review.
    expectError(await decide(proctor, s.flagIds[0]!, 'dismissed'), 400, 'VALIDATION_FAILED');
    const first = await decide(proctor, s.flagIds[0]!, 'dismissed', 'Looked down at notes allowed');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.session.state).toBe('under_review');
    expect(first.body.undecided).toBe(1);
    const second = await decide(instructor, s.flagIds[1]!, 'confirmed', 'Left the room');
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.flags[1]).toMatchObject({
      decision: 'confirmed',
      comment: 'Left the room',
      detail: { decidedBy: { id: instructor.userId, name: 'Ida Instructor' } },
    });

    const verdicts: BusTopics['review.verdict'][] = [];
    const off = await server.instance.bus.subscribe('review.verdict', (m) => {
      if (m.sessionId === s.sessionId) verdicts.push(m);
    });
    const given = await proctor.post(`${s.path}/verdict`, {
      verdict: 'suspicious',
      reason: 'Absent for 20 s',
    });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    expect(given.body.session.state).toBe('reviewed');
    expect(given.body.verdict).toMatchObject({
      verdict: 'suspicious',
      final: false,
      finalAt: null,
      reviewer: { id: proctor.userId, name: 'Pat Proctor' },
    });
    expect(
      Date.parse(given.body.verdict.respondBy) - Date.parse(given.body.verdict.decidedAt),
    ).toBe(14 * DAY);
    await eventually(async () => expect(verdicts).toHaveLength(1));
    expect(verdicts[0]).toMatchObject({ examId, verdict: 'suspicious', final: false });

    // Decisions are closed while the verdict awaits the student.
    expectError(await decide(proctor, s.flagIds[0]!, 'confirmed'), 409, 'REVIEW_NOT_OPEN');
    expectError(
      await proctor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'again' }),
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
    const staffView = await instructor.get(`${s.path}/review`);
    expect(staffView.body.notes.map((n: any) => n.body)).toEqual(['secret proctor note']);
    expect(staffView.body.canRespond).toBe(false);

    // Another student sees nothing; the generic transitions endpoint cannot reopen.
    const stranger = await server.signedIn('student');
    expectError(await stranger.get(`${s.path}/review`), 404, 'NOT_FOUND');
    expectError(await stranger.post(`${s.path}/response`, { text: 'not mine' }), 404, 'NOT_FOUND');
    expectError(
      await s.student.post(`${s.path}/transitions`, { to: 'under_review' }),
      403,
      'FORBIDDEN',
    );
    expect((await s.student.get('/api/me/reviews')).body).toEqual([
      { sessionId: s.sessionId, examId, verdict: 'suspicious', final: false, canRespond: true },
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
    const queue = await queueOf(proctor);
    expect(queue[0]).toMatchObject({
      session: { id: s.sessionId, state: 'under_review' },
      awaitingReReview: true,
      verdict: 'suspicious',
      final: false,
      flags: { open: 0, confirmed: 1, dismissed: 1 },
    });
    const reread = await proctor.get(`${s.path}/review`);
    expect(reread.body.response.text).toBe('I was fetching my allowed calculator.');

    // The verdict given after the response is final.
    const final = await proctor.post(`${s.path}/verdict`, {
      verdict: 'clean',
      reason: 'The calculator was allowed',
    });
    expect(final.status, JSON.stringify(final.body)).toBe(200);
    expect(final.body.verdict).toMatchObject({ verdict: 'clean', final: true, respondBy: null });
    expect(final.body.verdict.finalAt).not.toBeNull();
    await eventually(async () => expect(verdicts).toHaveLength(2));
    expect(verdicts[1]).toMatchObject({ verdict: 'clean', final: true });
    await off();
    const after = (await queueOf(instructor)).find((e) => e.session.id === s.sessionId);
    expect(after).toMatchObject({ verdict: 'clean', final: true, awaitingReReview: false });
    const studentAfter = await s.student.get(`${s.path}/review`);
    expect(studentAfter.body.verdict).toMatchObject({ verdict: 'clean', final: true });
    expect(studentAfter.body.response.text).toBe('I was fetching my allowed calculator.');

    // Every step is in the audit log.
    const audit = (await admin.get(`/api/audit?examId=${examId}&limit=1000`)).body as any[];
    const mine = audit.filter((a) => a.entityId === s.sessionId || s.flagIds.includes(a.entityId));
    const actions = mine.map((a) => a.action);
    expect(actions.filter((a) => a === 'flag.review')).toHaveLength(2);
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
      actorId: proctor.userId,
      data: { decision: 'dismissed', comment: 'Looked down at notes allowed' },
    });
  });

  it('a provisional verdict becomes final after 14 days without a response', async () => {
    const s = await finished(0);
    const given = await instructor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'ok' });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    expect(given.body.verdict.final).toBe(false);
    server.clock.advance(14 * DAY + 1000);
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
      server.clock.advance(-(14 * DAY + 1000));
    }
  });

  it('orders the queue: responses first, then unreviewed by risk, then the rest', async () => {
    const low = await finished(1, 'Low Risk');
    const high = await finished(3, 'High Risk');
    const queue = await queueOf(proctor);
    const ids = queue.map((e) => e.session.id);
    const unreviewed = queue.filter((e) => e.verdict === null);
    const reviewed = queue.filter((e) => e.verdict !== null && !e.awaitingReReview);
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
    expect((await queueOf(admin)).length).toBeGreaterThan(0);
    expect((await queueOf(instructor)).length).toBeGreaterThan(0);
    // Staff of another exam do not learn this one exists.
    expectError(await otherProctor.get(`/api/exams/${examId}/review-queue`), 404, 'NOT_FOUND');
    expectError(await decide(otherProctor, s.flagIds[0]!, 'confirmed'), 404, 'NOT_FOUND');
    expectError(
      await otherProctor.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    expectError(await otherProctor.get(`${s.path}/review`), 404, 'NOT_FOUND');
    expectError(await otherProctor.get(`${s.path}/report`), 404, 'NOT_FOUND');
    // Students never see the queue, decide or read reports.
    expectError(await s.student.get(`/api/exams/${examId}/review-queue`), 403, 'FORBIDDEN');
    expectError(await decide(s.student, s.flagIds[0]!, 'dismissed', 'me'), 403, 'FORBIDDEN');
    expectError(
      await s.student.post(`${s.path}/verdict`, { verdict: 'clean', reason: 'x' }),
      403,
      'FORBIDDEN',
    );
    expectError(await s.student.get(`${s.path}/report`), 403, 'FORBIDDEN');
    expectError(await s.student.get(`${s.path}/report.html`), 403, 'FORBIDDEN');
    // Staff cannot respond for the student.
    expectError(await proctor.post(`${s.path}/response`, { text: 'x' }), 403, 'FORBIDDEN');
  });

  it('refuses decisions on a running attempt', async () => {
    const student = await server.signedIn('student');
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    const path = `/api/sessions/${reg.body.sessionId}`;
    await student.post(`${path}/transitions`, { to: 'checking_in' });
    const res = await proctor.post(`${path}/verdict`, { verdict: 'clean', reason: 'early' });
    expectError(res, 409, 'REVIEW_NOT_OPEN');
    expectError(await decide(proctor, crypto.randomUUID(), 'confirmed'), 404, 'NOT_FOUND');
  });

  it('exports the report as JSON and as escaped, printable HTML (audited)', async () => {
    const s = await finished(1, '<script>alert("x")</script> Mallory');
    await decide(proctor, s.flagIds[0]!, 'confirmed', 'Away <b>twice</b> & "long"');
    await proctor.post(`${s.path}/verdict`, { verdict: 'violation', reason: 'Left <img src=x>' });
    const json = await instructor.get(`${s.path}/report`);
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    expect(json.body).toMatchObject({
      exam: { id: examId, title: 'Algebra <final>' },
      student: { id: s.student.userId, name: '<script>alert("x")</script> Mallory' },
      session: { id: s.sessionId, state: 'reviewed' },
      identity: { snapshots: [], flagIds: [], faceEnrolled: false },
      verdict: {
        verdict: 'violation',
        final: false,
        reviewer: { id: proctor.userId, name: 'Pat Proctor' },
      },
      response: null,
    });
    expect(json.body.flags).toHaveLength(1);
    expect(json.body.flags[0]).toMatchObject({ type: 'no_face', decision: 'confirmed' });
    expect(json.body.session.endedAt).not.toBeNull();

    const html = await instructor.get(`${s.path}/report.html`);
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

    const audit = (await admin.get(`/api/audit?examId=${examId}&limit=200`)).body as any[];
    const views = audit.filter(
      (a) => a.action === 'session.report_view' && a.entityId === s.sessionId,
    );
    expect(views.map((v) => v.data.format).sort()).toEqual(['html', 'json']);
    expect(views.every((v) => v.actorId === instructor.userId)).toBe(true);
  });
});
