import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVIDENCE_EVENTS,
  type Flag,
  type ProctoringPolicyInput,
  type SessionEvent,
} from '@invigil/contracts';
import { FULLSCREEN_GRACE_MS } from '../src/services/detection/evidence-watch.js';
import { completeCheckIn } from './helpers/check-in.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * The student's exam page, server side: the restrictions an exam sets reach the student's
 * browser, a full-screen exit becomes evidence (an event always, a flag when the exam requires
 * full screen), and "marked for review" is stored with the attempt for the student and staff.
 */
describe.each(requestEngines())('exam page on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine, { flagSweepMs: 200 });
  });
  afterAll(async () => server?.close());

  const now = () => server.clock.now().getTime();

  /** A running attempt on an exam with two questions and the given policy. */
  async function attempt(policy: ProctoringPolicyInput = {}) {
    const f = await recordingFixture(server, buildExam({ policy }, now()));
    const set = await f.admin.put(`/api/exams/${f.examId}/questions`, {
      questions: [
        { kind: 'short_text', prompt: 'First' },
        { kind: 'short_text', prompt: 'Second' },
      ],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: now() });
    const started = await f.move(f.student, 'in_progress');
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const view = await f.student.get(`/api/sessions/${f.sessionId}/exam`);
    const questionIds = (view.body.questions as { id: string }[]).map((q) => q.id);
    // Check-in used client event 0.
    let seq = 1;
    const send = async (...events: { type: string; at: number; data?: object }[]) => {
      const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: events.map((e) => ({ seq: seq++, data: {}, ...e })),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    const flags = async () => {
      const res = await f.proctor.get(`/api/sessions/${f.sessionId}/flags`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body as Flag[]).filter((flag) => flag.type === 'fullscreen_exit');
    };
    const events = async () => {
      const res = await f.proctor.get(`/api/sessions/${f.sessionId}/events`);
      expect(res.status).toBe(200);
      return (res.body as SessionEvent[]).filter((e) => e.type.startsWith('fullscreen.'));
    };
    const mark = (questionId: string, marked: boolean, as: HttpClient = f.student) =>
      as.put(`/api/sessions/${f.sessionId}/marks/${questionId}`, { marked });
    return { ...f, questionIds, send, flags, events, mark };
  }

  it('gives the student’s browser the exam-page restrictions the exam sets', async () => {
    const f = await attempt({ requireFullscreen: true, blockClipboard: true });
    const mine = await f.student.get('/api/me/registrations');
    const exam = (mine.body as { exam: { id: string; policy: object } }[]).find(
      (r) => r.exam.id === f.examId,
    )?.exam;
    expect(exam?.policy).toMatchObject({ requireFullscreen: true, blockClipboard: true });
    const stored = await f.admin.get(`/api/exams/${f.examId}`);
    expect(stored.body.policy).toMatchObject({ requireFullscreen: true, blockClipboard: true });
    // Off unless chosen: an exam created without them has neither.
    const plain = await f.admin.post('/api/exams', buildExam({}, now()));
    expect(plain.body.policy).toMatchObject({ requireFullscreen: false, blockClipboard: false });
    expectValidationDetails(
      await f.admin.patch(`/api/exams/${f.examId}`, { policy: { requireFullscreen: 'yes' } }),
    );
  });

  it('turns a full-screen exit into a flag when the exam requires full screen', async () => {
    const f = await attempt({ requireFullscreen: true });
    const leftAt = now() - 6000;
    await f.send({ type: 'fullscreen.exit', at: leftAt });
    const [open] = await f.flags();
    expect(open).toMatchObject({ startMs: leftAt, endMs: null, severity: 'medium' });
    expect(open?.message).toContain('Left full screen');

    const backAt = now();
    await f.send({ type: 'fullscreen.enter', at: backAt });
    const [closed] = await f.flags();
    expect(closed).toMatchObject({ startMs: leftAt, endMs: backAt });
    // The timeline holds both events for the proctor and the reviewer.
    expect((await f.events()).map((e) => e.type)).toEqual(['fullscreen.exit', 'fullscreen.enter']);
  });

  it('keeps a full-screen exit as an event but raises no flag when full screen is not required', async () => {
    const f = await attempt({
      detectors: { fullscreen_exit: { enabled: true, minSeconds: 0, severity: 'high' } },
    });
    await f.send(
      { type: 'fullscreen.exit', at: now() - 6000 },
      { type: 'fullscreen.enter', at: now() },
    );
    expect(await f.flags()).toEqual([]);
    expect((await f.events()).map((e) => e.type)).toEqual(['fullscreen.exit', 'fullscreen.enter']);
  });

  it('stores marks for review with the attempt: idempotent, cleared, read by the student and staff', async () => {
    const f = await attempt();
    const [first, second] = f.questionIds as [string, string];
    const set = await f.mark(second, true);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ questionId: second, marked: true });
    // Marking again keeps the first time.
    const again = await f.mark(second, true);
    expect(again.body.markedAt).toBe(set.body.markedAt);
    expect((await f.mark(first, true)).status).toBe(200);
    expect((await f.mark(first, false)).body).toEqual({
      questionId: first,
      marked: false,
      markedAt: null,
    });

    for (const reader of [f.student, f.proctor, f.instructor, f.admin]) {
      const list = await reader.get(`/api/sessions/${f.sessionId}/marks`);
      expect(list.status, JSON.stringify(list.body)).toBe(200);
      expect(list.body.marks).toEqual([{ questionId: second, markedAt: set.body.markedAt }]);
    }

    const other = await server.signedIn('student');
    expectError(await other.get(`/api/sessions/${f.sessionId}/marks`), 404, 'NOT_FOUND');
    expectError(
      await other.put(`/api/sessions/${f.sessionId}/marks/${first}`, { marked: true }),
      404,
      'NOT_FOUND',
    );
    expectError(await f.mark(first, true, f.proctor), 403, 'FORBIDDEN');
    // A question of another exam is not this attempt's.
    const elsewhere = await attempt();
    expectError(await f.mark(elsewhere.questionIds[0]!, true), 404, 'NOT_FOUND');
    expectValidationDetails(
      await f.student.put(`/api/sessions/${f.sessionId}/marks/${first}`, { marked: 'yes' }),
    );

    // Once submitted the marks are kept but no longer change.
    expect((await f.move(f.student, 'submitted')).status).toBe(200);
    expectError(await f.mark(first, true), 409, 'SESSION_NOT_ACTIVE');
    const kept = await f.proctor.get(`/api/sessions/${f.sessionId}/marks`);
    expect(kept.body.marks).toHaveLength(1);
  });

  it('refuses marks after the deadline with EXAM_TIME_OVER', async () => {
    const f = await attempt();
    server.clock.advance(91 * 60_000);
    expectError(await f.mark(f.questionIds[0]!, true), 409, 'EXAM_TIME_OVER');
  });

  it('raises evidence when an attempt that must run in full screen never enters it', async () => {
    const never = await attempt({ requireFullscreen: true });
    const entered = await attempt({ requireFullscreen: true });
    const notRequired = await attempt({});
    await entered.send({ type: 'fullscreen.enter', at: now() });
    const startedAt = async (f: typeof never) =>
      Date.parse((await f.proctor.get(`/api/sessions/${f.sessionId}`)).body.startedAt as string);
    const serverEvents = async (f: typeof never) =>
      ((await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body as SessionEvent[])
        .filter((e) => e.type === EVIDENCE_EVENTS.fullscreenMissing)
        .map((e) => e.data);

    // Within the grace period nothing is missing yet.
    await server.instance.evidence.sweep();
    expect(await never.flags()).toEqual([]);
    expect(await serverEvents(never)).toEqual([]);

    server.clock.advance(FULLSCREEN_GRACE_MS + 1_000);
    await server.instance.evidence.sweep();
    const from = await startedAt(never);
    expect(await serverEvents(never)).toEqual([
      expect.objectContaining({ subject: 'page', fromMs: from, toMs: null }),
    ]);
    const [open] = await never.flags();
    expect(open).toMatchObject({ source: 'server', startMs: from, endMs: null });
    expect(open?.message).toContain('never entered full screen');
    // Entered in time, or not required: nothing.
    expect(await entered.flags()).toEqual([]);
    expect(await serverEvents(entered)).toEqual([]);
    expect(await serverEvents(notRequired)).toEqual([]);
    expect(await notRequired.flags()).toEqual([]);

    // Entering full screen late ends it (kept for review); further sweeps add nothing.
    await never.send({ type: 'fullscreen.enter', at: now() });
    await server.instance.evidence.sweep();
    await server.instance.evidence.sweep();
    const ended = await serverEvents(never);
    expect(ended).toHaveLength(2);
    expect(ended[1]).toMatchObject({ fromMs: from, toMs: expect.any(Number) });
    // Ended on the student's clock (the server's receipt mapped by the estimated offset).
    const [closed] = await never.flags();
    expect(closed).toMatchObject({ startMs: from, endMs: expect.any(Number) });
    expect(closed!.endMs!).toBeGreaterThan(from);
  });
});
