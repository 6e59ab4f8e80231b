import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionReview } from '@invigil/contracts';
import { rtcLinks } from '../src/db/schema.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

type Client = HttpClient & { userId: string; email: string };

describe.each(requestEngines())('voice flags during a call with a proctor on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let proctor: Client;
  let examId: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor', 'Pat Proctor');
    const now = server.clock.now().getTime();
    examId = (await admin.post('/api/exams', buildExam({ title: 'Calls' }, now))).body.id;
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
  });
  afterAll(async () => server?.close());

  it('marks the voice flag raised while a call was connected, and only that one', async () => {
    const student = (await server.signedIn('student', 'Sam Student')) as Client;
    const reg = await student.post(`/api/exams/${examId}/registrations`);
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const sessionId = reg.body.sessionId as string;
    const path = `/api/sessions/${sessionId}`;
    expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);

    // Two stretches of voice, 20 s each: at t0 (before the call) and at t0 + 50 s (in it).
    const t0 = server.clock.now().getTime() - 100_000;
    const voice = (seq: number, at: number, active: boolean) => ({
      seq,
      type: 'detect.state',
      at,
      data: { detector: 'voice', active, confidence: 0.9, model: 'test-model' },
    });
    const sent = await student.post(`${path}/events`, {
      events: [
        voice(0, t0, true),
        voice(1, t0 + 20_000, false),
        voice(2, t0 + 50_000, true),
        voice(3, t0 + 70_000, false),
      ],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);

    // The proctor's call rang at 40 s, connected at 45 s and ended at 80 s (server clock); a
    // live view over the first stretch, where the proctor only listened.
    const link = {
      sessionId,
      examId,
      proctorId: proctor.userId,
      state: 'ended',
      endReason: 'hung_up',
    };
    const db = server.instance.database.db;
    await db.insert(rtcLinks).values({
      ...link,
      kind: 'view',
      startedAt: new Date(t0 - 5_000),
      connectedAt: new Date(t0 - 4_000),
      endedAt: new Date(t0 + 30_000),
    });
    const [call] = await db
      .insert(rtcLinks)
      .values({
        ...link,
        kind: 'call',
        startedAt: new Date(t0 + 40_000),
        connectedAt: new Date(t0 + 45_000),
        endedAt: new Date(t0 + 80_000),
      })
      .returning({ id: rtcLinks.id });

    const ended = await proctor.post(`${path}/transitions`, { to: 'terminated', reason: 'test' });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    await eventually(async () => {
      const res = await proctor.get(`${path}/flags`);
      expect(res.body).toHaveLength(2);
    });

    const res = await proctor.get(`${path}/review`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const review = SessionReview.parse(res.body);
    const [before, during] = review.flags;
    expect(before).toMatchObject({ type: 'voice', startMs: t0, duringCall: null });
    // Marked, and otherwise as raised: same severity, still to be decided.
    expect(during).toMatchObject({
      type: 'voice',
      startMs: t0 + 50_000,
      severity: 'low',
      decision: 'open',
      duringCall: { linkId: call?.id, proctorName: 'Pat Proctor' },
    });
    expect(review.undecided).toBe(2);

    const page = String((await proctor.get(`${path}/report.html`)).body);
    expect(page.match(/During a call with Pat Proctor \(proctor\)/g)).toHaveLength(1);

    // The student, reading their result, is told the same.
    for (const f of review.flags) {
      const decided = await proctor.post(`/api/flags/${f.id}/review`, {
        decision: 'dismissed',
        comment: 'Talking to the proctor',
      });
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    }
    const verdict = await proctor.post(`${path}/verdict`, { verdict: 'clean', reason: 'ok' });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);
    const mine = SessionReview.parse((await student.get(`${path}/review`)).body);
    expect(mine.flags.map((f) => f.duringCall?.proctorName ?? null)).toEqual([null, 'Pat Proctor']);
  });
});
