import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_DETECTORS } from '@invigil/contracts';
import { appendServerEvents } from '../src/services/recording/session-events.service.js';
import { completeCheckIn, inProgress } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { connectLive } from './helpers/live-socket.js';
import { webmBytes } from './helpers/media-bytes.js';
import { putSegment, recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * A tampered client learns nothing from the server that helps it cheat: its live feed moves
 * only with its own messages, its policy carries only what its browser runs, its recording
 * and events come without the server's judgement, and answer keys stay with the staff who
 * grade (instructors, admins), not with proctors.
 */

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

describe.each(requestEngines())(
  'nothing that helps a cheater leaks to the student on %s',
  (engine) => {
    let server: TestServer;
    /** Every raw message any student socket of this file received. */
    const studentFrames: Record<string, unknown>[] = [];

    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => server?.close());

    const connect = (client: HttpClient, query: string, student = false) =>
      connectLive(
        server.url,
        client,
        query,
        student ? { onFrame: (json) => studentFrames.push(json) } : {},
      );

    /** A student socket resuming after `since` (or from now, without it). */
    const studentSocket = (f: { student: HttpClient; sessionId: string }, since?: number) =>
      connect(
        f.student,
        `sessionId=${f.sessionId}${since === undefined ? '' : `&since=${since}`}`,
        true,
      );

    /** A no-face condition 8 s long already: the batch itself raises a flag (staff only). */
    async function raiseFlag(f: { student: HttpClient; sessionId: string }, seq: number) {
      const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: [
          {
            seq,
            type: 'detect.state',
            at: server.clock.now().getTime() - 8000,
            data: { detector: 'no_face', active: true, confidence: 0.9, model: 'test-model' },
          },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }

    describe('the live feed', () => {
      it('a student’s ids and cursor count only their own messages: staff-only writes move neither', async () => {
        const f = await inProgress(server);
        const staff = await connect(f.proctor, `examId=${f.examId}`);
        await staff.untilReady();

        // From the start: the student's messages so far, numbered 1, 2, … without holes.
        const all = await studentSocket(f, 0);
        const replayed = await all.untilReady();
        expect(replayed.before.map((m) => m.id)).toEqual(range(1, replayed.cursor));
        expect(replayed.before.every((m) => m.topic === 'session.state')).toBe(true);
        const start = replayed.cursor;
        expect(start).toBeGreaterThan(0);

        // Staff-only writes: a flag (flag.created, session.risk), its acknowledgement, a note.
        await raiseFlag(f, 100);
        const created = await staff.waitFor(
          (m) => m.topic === 'flag.created' && m.sessionId === f.sessionId,
        );
        if (created.topic !== 'flag.created') throw new Error('narrowing');
        const ack = await f.proctor.post(`/api/flags/${created.data.flag.id}/acknowledge`);
        expect(ack.status, JSON.stringify(ack.body)).toBe(200);
        await staff.waitFor((m) => m.topic === 'alert.updated' && m.sessionId === f.sessionId);
        const note = await f.proctor.post(`/api/sessions/${f.sessionId}/notes`, { body: 'Watch' });
        expect(note.status).toBe(201);
        expect(created.id).toBeGreaterThan(start);

        // A fresh connection's cursor, and a resume from the last id, have not moved.
        const fresh = await studentSocket(f);
        expect(await fresh.untilReady()).toEqual({ before: [], cursor: start });
        const resumed = await studentSocket(f, start);
        expect(await resumed.untilReady()).toEqual({ before: [], cursor: start });

        // The next message the student may see is the next number, on every socket.
        const warned = await f.proctor.post(`/api/sessions/${f.sessionId}/interventions`, {
          kind: 'warning',
          message: 'Eyes on your screen',
        });
        expect(warned.status, JSON.stringify(warned.body)).toBe(201);
        for (const socket of [all, fresh, resumed]) {
          const got = await socket.waitFor((m) => m.topic === 'intervention');
          expect(got.id).toBe(start + 1);
          expect(socket.messages.filter((m) => m.id > 0 && m.topic !== 'intervention')).toEqual(
            socket === all ? replayed.before : [],
          );
        }
        // Staff see the same message under the global id, which the flag moved on.
        const staffCopy = await staff.waitFor((m) => m.topic === 'intervention');
        expect(staffCopy.id).toBeGreaterThan(created.id);
        for (const s of [staff, all, fresh, resumed]) await s.close();
      });

      it('a student reconnecting with its last id gets every message of its own it missed, and nothing else', async () => {
        const f = await inProgress(server);
        const first = await studentSocket(f);
        const { cursor: last } = await first.untilReady();
        await first.close();

        // While away: interventions and state changes for the student, flags for staff between them.
        const act = async (body: object) => {
          const res = await f.proctor.post(`/api/sessions/${f.sessionId}/interventions`, body);
          expect(res.status, JSON.stringify(res.body)).toBe(201);
        };
        await act({ kind: 'warning', message: 'First warning' });
        await raiseFlag(f, 200);
        await act({ kind: 'pause', message: 'Hold on' });
        await raiseFlag(f, 201);
        await act({ kind: 'resume' });
        await act({ kind: 'room_scan' });
        const interventions = await f.student.get(`/api/sessions/${f.sessionId}/interventions`);
        expect(interventions.body).toHaveLength(4);

        const back = await studentSocket(f, last);
        const { before, cursor } = await back.untilReady();
        const ids = before.map((m) => m.id);
        expect(ids).toEqual(range(last + 1, cursor));
        expect(new Set(before.map((m) => m.topic))).toEqual(
          new Set(['intervention', 'session.state']),
        );
        const kinds = before.flatMap((m) => (m.topic === 'intervention' ? [m.data.kind] : []));
        expect(kinds.sort()).toEqual(['pause', 'resume', 'room_scan', 'warning']);
        const states = before.flatMap((m) => (m.topic === 'session.state' ? [m.data.state] : []));
        expect(states).toEqual(['paused', 'in_progress']);

        // From the very start: the same, after everything before it; the numbers never skip.
        const again = await studentSocket(f, 0);
        const whole = await again.untilReady();
        expect(whole.cursor).toBe(cursor);
        expect(whole.before.map((m) => m.id)).toEqual(range(1, cursor));
        expect(whole.before.slice(last)).toEqual(before);

        // A position the student cannot have seen (such as a global id) is a resync, not silence.
        const staffView = await connect(f.proctor, `examId=${f.examId}`);
        const { cursor: globalCursor } = await staffView.untilReady();
        expect(globalCursor).toBeGreaterThan(cursor);
        const bogus = await studentSocket(f, globalCursor);
        const resync = await bogus.untilReady();
        expect(resync.before.map((m) => m.topic)).toEqual(['resync']);
        expect(resync.cursor).toBe(cursor);
        for (const s of [back, again, staffView, bogus]) await s.close();
      });

      it('heartbeats and control messages to a student carry no position of the staff feed', async () => {
        const f = await inProgress(server);
        await raiseFlag(f, 300);
        const socket = await studentSocket(f);
        const { cursor } = await socket.untilReady();
        // Heartbeats come every 15 s: wait for one, however long that takes.
        await eventually(() => {
          if (!socket.raw.some((m) => m.topic === 'heartbeat')) throw new Error('no heartbeat');
        }, 30_000);
        const beat = socket.raw.find((m) => m.topic === 'heartbeat');
        expect(Object.keys(beat ?? {}).sort()).toEqual([
          'at',
          'data',
          'examId',
          'id',
          'sessionId',
          'topic',
        ]);
        expect(beat).toMatchObject({ id: 0, data: { serverTime: expect.any(String) } });
        expect(Object.keys(beat?.data as object)).toEqual(['serverTime']);
        expect(socket.raw.find((m) => m.topic === 'ready')).toMatchObject({
          id: 0,
          data: { cursor },
        });
        await socket.close();

        // Across every student socket of this file: nothing addressed, no cursor but `ready`'s.
        expect(studentFrames.length).toBeGreaterThan(0);
        for (const frame of studentFrames) {
          expect(frame).not.toHaveProperty('audience');
          expect(frame).not.toHaveProperty('studentSeq');
          expect(['session.state', 'intervention', 'heartbeat', 'ready', 'resync']).toContain(
            frame.topic,
          );
          if (frame.topic !== 'ready') expect(JSON.stringify(frame)).not.toContain('cursor');
        }
      });
    });

    describe('the policy', () => {
      const policy = {
        serverAnalysisSeconds: 17,
        gazeAwaySeconds: 9,
        maxFaces: 2,
        flagTabSwitch: false,
        roomScan: true,
        snapshotIntervalSeconds: 12,
        webcamBitrateKbps: 450,
        allowedUrls: ['https://calculator.example/'],
        detectors: {
          spoof: { enabled: true, minSeconds: 7, severity: 'high' as const, threshold: 0.42 },
          head_turned: { enabled: true, minSeconds: 9, severity: 'low' as const, threshold: 25 },
          phone: { enabled: true, minSeconds: 3, severity: 'high' as const, threshold: 0.3 },
          clock_skew: { enabled: true, minSeconds: 0, severity: 'high' as const },
          recording_gap: { enabled: true, minSeconds: 4, severity: 'high' as const },
        },
      };
      const SERVER_ONLY = [
        'serverAnalysisSeconds',
        'gazeAwaySeconds',
        'maxFaces',
        'flagTabSwitch',
        'minSeconds',
        'severity',
        'spoof',
        'client_integrity',
        'tab_switch',
        'recording_gap',
        'clock_skew',
        'late_event',
        'detection_silent',
      ];

      it('a student gets the capture settings and the browser detectors’ rules after accommodations; staff keep the full policy', async () => {
        const f = await recordingFixture(
          server,
          buildExam({ policy }, server.clock.now().getTime()),
        );
        const reg = (await f.student.get('/api/me/registrations')).body[0];
        const accommodations = await f.admin.put(`/api/registrations/${reg.id}/accommodations`, {
          detectors: {
            head_turned: { threshold: 35, minSeconds: 20 },
            voice: { enabled: false },
            spoof: { threshold: 0.2 },
            clock_skew: { enabled: false },
          },
        });
        expect(accommodations.status, JSON.stringify(accommodations.body)).toBe(200);

        const mine = await f.student.get('/api/me/registrations');
        expect(mine.status).toBe(200);
        const own = mine.body[0];
        expect(own.exam.policy).toEqual({
          webcam: true,
          microphone: true,
          screen: true,
          identityCheck: true,
          roomScan: true,
          snapshotIntervalSeconds: 12,
          webcamBitrateKbps: 450,
          screenBitrateKbps: 250,
          screenFrameRate: 5,
          segmentSeconds: 6,
          allowedUrls: ['https://calculator.example/'],
          // What the student's page must apply and what the consent notice names.
          facePhotoCheck: true,
          practiceRun: false,
          requireFullscreen: false,
          blockClipboard: false,
          // Live communication the exam page offers.
          chat: true,
          raiseHand: true,
          studentMayDeclineCalls: false,
          detectors: expect.any(Object),
        });
        const rules = own.exam.policy.detectors;
        expect(Object.keys(rules).sort()).toEqual([...BROWSER_DETECTORS].sort());
        // The exam's rules with the student's accommodations, as the browser applies them.
        expect(rules.head_turned).toEqual({ enabled: true, threshold: 35 });
        expect(rules.voice).toEqual({ enabled: false, threshold: 0.5 });
        expect(rules.phone).toEqual({ enabled: true, threshold: 0.3 });
        expect(rules.multiple_faces).toEqual({ enabled: true, threshold: 2 });
        // Their own accommodations: the browser's part only.
        expect(own.detectors).toEqual({
          head_turned: { threshold: 35 },
          voice: { enabled: false },
        });
        const single = await f.student.get(`/api/registrations/${own.id}`);
        expect(single.body.detectors).toEqual(own.detectors);
        const again = await f.student.post(`/api/exams/${f.examId}/registrations`);
        expect(again.status).toBe(200);
        expect(again.body.detectors).toEqual(own.detectors);
        for (const text of [JSON.stringify(mine.body), JSON.stringify(single.body)]) {
          for (const word of SERVER_ONLY) expect(text).not.toContain(`"${word}"`);
        }

        // Staff keep the exam's whole policy and the whole accommodations.
        const exam = await f.instructor.get(`/api/exams/${f.examId}`);
        expect(exam.body.policy).toMatchObject({
          serverAnalysisSeconds: 17,
          detectors: { spoof: policy.detectors.spoof, clock_skew: policy.detectors.clock_skew },
        });
        const roster = await f.proctor.get(`/api/exams/${f.examId}/registrations`);
        expect(roster.body[0].detectors).toMatchObject({
          spoof: { threshold: 0.2 },
          clock_skew: { enabled: false },
          head_turned: { minSeconds: 20 },
        });
        const staffView = await f.admin.get(`/api/registrations/${own.id}`);
        expect(staffView.body.detectors.spoof).toEqual({ threshold: 0.2 });
      });
    });

    describe('the recording', () => {
      it('a student’s manifest and events list what was stored, never the server’s judgement of it', async () => {
        const f = await inProgress(server);
        const t = server.clock.now().getTime();
        for (const seq of [0, 2]) {
          const res = await putSegment(
            f.student,
            f.sessionId,
            'webcam',
            seq,
            webmBytes(`w${seq}`),
            {
              startMs: t + seq * 6000,
            },
          );
          expect(res.status, JSON.stringify(res.body)).toBe(201);
        }
        const url = `/api/sessions/${f.sessionId}/recording`;
        const staff = await f.proctor.get(url);
        expect(staff.body.gaps).toEqual([expect.objectContaining({ missingSeqs: [1] })]);
        expect(staff.body.complete).toBe(false);
        const own = await f.student.get(url);
        expect(own.status).toBe(200);
        expect(own.body).not.toHaveProperty('gaps');
        expect(own.body).not.toHaveProperty('complete');
        // What the client needs to raise its counters is all there.
        expect(own.body.segments).toEqual(staff.body.segments);
        expect(own.body.snapshots).toEqual(staff.body.snapshots);
        expect(own.body.segments[0]).toMatchObject({
          track: 'webcam',
          seq: 0,
          sha256: expect.any(String),
        });

        // Server events are the server's judgement: staff see them, the student none of them.
        await appendServerEvents(server.instance.database.db, f.sessionId, [
          {
            type: 'recording.gap',
            clientMs: t + 6000,
            data: { track: 'webcam', missingSeqs: [1] },
          },
          { type: 'upload.refused', data: { code: 'CONTENT_MISMATCH' } },
          { type: 'detect.analysis', data: { faces: 1 } },
        ]);
        const staffEvents = (await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body as {
          source: string;
          type: string;
        }[];
        expect(staffEvents.filter((e) => e.source === 'server').map((e) => e.type)).toEqual(
          expect.arrayContaining(['recording.gap', 'upload.refused', 'detect.analysis']),
        );
        const ownEvents = (await f.student.get(`/api/sessions/${f.sessionId}/events`)).body as {
          source: string;
        }[];
        expect(ownEvents.length).toBeGreaterThan(0);
        expect(ownEvents.filter((e) => e.source !== 'client')).toEqual([]);
        // Nor whether the server trusted their events' times.
        expect(ownEvents.filter((e) => 'untrustedReason' in e)).toEqual([]);

        // Flags and risk stay staff-only.
        expect((await f.student.get(`/api/sessions/${f.sessionId}/flags`)).status).toBe(404);
        expect((await f.student.get(`/api/sessions/${f.sessionId}/risk`)).status).toBe(404);
      });
    });

    describe('answer keys', () => {
      it('instructors and admins get the key and the scoring; proctors the questions and answers only', async () => {
        const f = await recordingFixture(server);
        const set = await f.admin.put(`/api/exams/${f.examId}/questions`, {
          questions: [
            { kind: 'multiple_choice', prompt: '2 + 2 = ?', options: ['3', '4'], correctOption: 1 },
            { kind: 'multiple_choice', prompt: '3 · 3 = ?', options: ['9', '6'], correctOption: 0 },
            { kind: 'short_text', prompt: 'Explain', points: 2 },
          ],
        });
        expect(set.status, JSON.stringify(set.body)).toBe(200);
        const [q1, q2, q3] = set.body as { id: string }[];
        expect((await f.move(f.student, 'checking_in')).status).toBe(200);
        await completeCheckIn(f.student, f.sessionId, { takenMs: server.clock.now().getTime() });
        const started = await f.move(f.student, 'in_progress');
        expect(started.status, JSON.stringify(started.body)).toBe(200);
        const path = `/api/sessions/${f.sessionId}`;
        const answers = [
          [q1, { choice: 1 }],
          [q2, { choice: 1 }],
          [q3, { text: 'Because' }],
        ] as const;
        for (const [q, value] of answers) {
          expect((await f.student.put(`${path}/answers/${q?.id}`, { value })).status).toBe(200);
        }
        expect((await f.move(f.student, 'submitted')).status).toBe(200);

        for (const holder of [f.instructor, f.admin]) {
          const questions = await holder.get(`/api/exams/${f.examId}/questions`);
          expect(questions.body.map((q: { correctOption: unknown }) => q.correctOption)).toEqual([
            1,
            0,
            null,
          ]);
          const scored = await holder.get(`${path}/answers`);
          expect(scored.body).toMatchObject({ answerKey: true, score: 1, maxScore: 4 });
          expect(scored.body.items.map((i: { correct: unknown }) => i.correct)).toEqual([
            true,
            false,
            null,
          ]);
          const roster = await holder.get(`/api/exams/${f.examId}/registrations`);
          expect(roster.body[0]).toMatchObject({ score: 1, maxScore: 4 });
        }

        const questions = await f.proctor.get(`/api/exams/${f.examId}/questions`);
        expect(questions.status).toBe(200);
        expect(questions.body.map((q: { prompt: string }) => q.prompt)).toEqual([
          '2 + 2 = ?',
          '3 · 3 = ?',
          'Explain',
        ]);
        expect(
          questions.body.every((q: { correctOption: unknown }) => q.correctOption === null),
        ).toBe(true);
        const watched = await f.proctor.get(`${path}/answers`);
        expect(watched.status).toBe(200);
        expect(watched.body).toMatchObject({ answerKey: false, score: null, maxScore: null });
        expect(watched.body.items).toEqual(
          answers.map(([, value]) =>
            expect.objectContaining({
              question: expect.objectContaining({ correctOption: null }),
              value,
              correct: null,
              points: null,
            }),
          ),
        );
        const roster = await f.proctor.get(`/api/exams/${f.examId}/registrations`);
        expect(roster.body[0]).toMatchObject({
          sessionState: 'submitted',
          score: null,
          maxScore: null,
        });
      });
    });
  },
);
