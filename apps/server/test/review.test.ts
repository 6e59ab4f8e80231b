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
    // Recent enough to be trusted on arrival (events dated minutes back would only be evidence).
    const t0 = server.clock.now().getTime() - 100_000;
    const events = Array.from({ length: noFace }, (_, i) => [
      { at: t0 + i * 30_000, active: true },
      { at: t0 + i * 30_000 + 20_000, active: false },
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

    // "Clean" next to a confirmed flag would contradict it: refused until the reviewer either
    // explains it or re-decides the flag, which the reopened review allows.
    const contradicting = await proctor.post(`${s.path}/verdict`, {
      verdict: 'clean',
      reason: 'The calculator was allowed',
    });
    expectError(contradicting, 409, 'VERDICT_NEEDS_REASON');
    expect(contradicting.body.details).toEqual({
      conflict: 'clean_with_confirmed_flags',
      confirmed: 1,
      dismissed: 1,
    });
    const redecided = await decide(proctor, s.flagIds[1]!, 'dismissed', 'Calculator allowed');
    expect(redecided.status, JSON.stringify(redecided.body)).toBe(200);

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
    expect(studentAfter.body.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['dismissed', 'Looked down at notes allowed'],
      ['dismissed', 'Calculator allowed'],
    ]);

    // Every step is in the audit log.
    const audit = (await admin.get(`/api/audit?examId=${examId}&limit=1000`)).body as any[];
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
      actorId: proctor.userId,
      data: { decision: 'dismissed', comment: 'Looked down at notes allowed' },
    });
    const changed = mine.filter((a) => a.action === 'flag.review' && a.entityId === s.flagIds[1]);
    expect(changed.map((a) => [a.data.from, a.data.to])).toEqual([
      ['confirmed', 'dismissed'],
      ['open', 'confirmed'],
    ]);
    expect(changed[0]).toMatchObject({
      actorId: proctor.userId,
      data: {
        comment: 'Calculator allowed',
        previous: { decidedBy: instructor.userId, comment: 'Left the room' },
      },
    });
  });

  it('after the response every flag can be re-decided; the student sees the final state, staff the history', async () => {
    const s = await finished(2, 'Rita Redecided');
    expect((await decide(proctor, s.flagIds[0]!, 'confirmed', 'Away from the desk')).status).toBe(
      200,
    );
    expect((await decide(proctor, s.flagIds[1]!, 'confirmed')).status).toBe(200);
    const provisional = await proctor.post(`${s.path}/verdict`, {
      verdict: 'violation',
      reason: 'Away twice',
    });
    expect(provisional.status, JSON.stringify(provisional.body)).toBe(200);
    const responded = await s.student.post(`${s.path}/response`, {
      text: 'The fire alarm went off; the building was evacuated.',
    });
    expect(responded.body.session.state).toBe('under_review');

    // Re-deciding: dismissing still needs a comment; confirm ↔ dismiss both ways.
    expectError(await decide(instructor, s.flagIds[0]!, 'dismissed'), 400, 'VALIDATION_FAILED');
    const flipped = await decide(instructor, s.flagIds[0]!, 'dismissed', 'Fire alarm: verified');
    expect(flipped.status, JSON.stringify(flipped.body)).toBe(200);
    expect((await decide(proctor, s.flagIds[1]!, 'dismissed', 'Superseded comment')).status).toBe(
      200,
    );
    const back = await decide(proctor, s.flagIds[1]!, 'confirmed', 'Second absence unexplained');
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    // The same decision again changes nothing (no new audit entry below).
    expect(
      (await decide(proctor, s.flagIds[1]!, 'confirmed', 'Second absence unexplained')).status,
    ).toBe(200);

    // Staff see the current decisions and, as history, the ones they replaced.
    const staff = (await instructor.get(`${s.path}/review`)).body;
    expect(staff.flags.map((f: any) => [f.decision, f.comment])).toEqual([
      ['dismissed', 'Fire alarm: verified'],
      ['confirmed', 'Second absence unexplained'],
    ]);
    expect(staff.flags[0].detail.decidedBy).toEqual({
      id: instructor.userId,
      name: 'Ida Instructor',
    });
    expect(staff.flags[0].detail.history).toEqual([
      {
        decision: 'confirmed',
        comment: 'Away from the desk',
        decidedBy: { id: proctor.userId, name: 'Pat Proctor' },
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

    const final = await instructor.post(`${s.path}/verdict`, {
      verdict: 'suspicious',
      reason: 'One absence is explained by the fire alarm, the other is not',
    });
    expect(final.status, JSON.stringify(final.body)).toBe(200);
    expect(final.body.verdict).toMatchObject({ final: true, overrideComment: null });
    expectError(
      await decide(proctor, s.flagIds[0]!, 'confirmed', 'too late'),
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
    const report = (await instructor.get(`${s.path}/report`)).body;
    expect(report.flags.map((f: any) => f.decision)).toEqual(['dismissed', 'confirmed']);
    expect(report.flags[1].detail.history).toHaveLength(2);
    expect(report.verdict).toMatchObject({ verdict: 'suspicious', final: true });
    const page = String((await instructor.get(`${s.path}/report.html`)).body);
    expect(page).toContain('Suspicious (final)');
    expect(page).toContain('Replaced decisions');
    expect(page).toContain('Superseded comment');
    expect(page).not.toContain('Against the flag decisions');

    // Each change is one flag.review entry with from and to.
    const audit = (await admin.get(`/api/audit?examId=${examId}&limit=1000`)).body as any[];
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
    await decide(proctor, a.flagIds[0]!, 'confirmed');
    const refused = await proctor.post(`${a.path}/verdict`, { verdict: 'clean', reason: 'Fine' });
    expectError(refused, 409, 'VERDICT_NEEDS_REASON');
    expect(refused.body.message).toMatch(/clean verdict goes against 1 confirmed flag/);
    expect((await proctor.get(`${a.path}/review`)).body).toMatchObject({
      session: { state: 'under_review' },
      verdict: null,
    });
    expectError(
      await proctor.post(`${a.path}/verdict`, {
        verdict: 'clean',
        reason: 'Fine',
        overrideComment: '   ',
      }),
      400,
      'VALIDATION_FAILED',
    );
    const explained = await proctor.post(`${a.path}/verdict`, {
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
    expect((await instructor.get(`${a.path}/report`)).body.verdict.overrideComment).toMatch(
      /permitted/,
    );
    const page = String((await instructor.get(`${a.path}/report.html`)).body);
    expect(page).toContain('Against the flag decisions');
    expect(page).toContain('A clean verdict goes against 1 confirmed flag.');
    expect(page).toContain('&lt;b&gt;permitted&lt;/b&gt;');
    const audit = (await admin.get(`/api/audit?examId=${examId}&limit=1000`)).body as any[];
    expect(
      audit.find((e) => e.action === 'review.verdict' && e.entityId === a.sessionId),
    ).toMatchObject({
      data: { verdict: 'clean', conflict: 'clean_with_confirmed_flags', overrideComment: /break/ },
    });

    // Violation while every flag is dismissed, or with no flag at all.
    const b = await finished(1);
    await decide(proctor, b.flagIds[0]!, 'dismissed', 'A reflection');
    const noEvidence = await proctor.post(`${b.path}/verdict`, {
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
      await proctor.post(`${c.path}/verdict`, { verdict: 'violation', reason: 'x' }),
      409,
      'VERDICT_NEEDS_REASON',
    );
    expect(
      (
        await proctor.post(`${c.path}/verdict`, {
          verdict: 'violation',
          reason: 'Notes seen on the screen recording',
          overrideComment: 'No detector covers paper notes; see the recording at 12:30',
        })
      ).status,
    ).toBe(200);
    // Suspicious never contradicts; clean with everything dismissed does not either.
    expect(
      (await proctor.post(`${b.path}/verdict`, { verdict: 'suspicious', reason: 'Unclear' }))
        .status,
    ).toBe(200);
    const d = await finished(1);
    await decide(proctor, d.flagIds[0]!, 'dismissed', 'A reflection');
    const clean = await proctor.post(`${d.path}/verdict`, { verdict: 'clean', reason: 'ok' });
    expect(clean.status, JSON.stringify(clean.body)).toBe(200);
    expect(clean.body.verdict.overrideComment).toBeNull();
  });

  it('a flag an accommodation withdrew can be re-decided; the withdrawal stays in its history', async () => {
    const s = await finished(1);
    const registrationId = (await proctor.get(`${s.path}`)).body.registrationId as string;
    const granted = await admin.put(`/api/registrations/${registrationId}/accommodations`, {
      detectors: { no_face: { enabled: false } },
    });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    const withdrawn = (await proctor.get(`${s.path}/review`)).body.flags[0];
    expect(withdrawn).toMatchObject({ decision: 'dismissed', detail: { history: [] } });
    const confirmed = await decide(proctor, s.flagIds[0]!, 'confirmed', 'Not covered by it');
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.flags[0]).toMatchObject({
      decision: 'confirmed',
      detail: {
        decidedBy: { id: proctor.userId },
        history: [
          {
            decision: 'dismissed',
            comment: expect.stringMatching(/accommodations/),
            decidedBy: { id: admin.userId },
          },
        ],
      },
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
