import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusTopics } from '../src/ports/event-bus.port.js';
import { WorkerPoolDetector } from '../src/adapters/worker-pool.detector.js';
import type { AddOptions } from '../src/ports/job-queue.port.js';
import { AnalysisQueue, LeaseLostError } from '../src/services/detection/analysis-queue.js';
import { ROUTINE_PRIORITY } from '../src/services/detection/analysis-turns.js';
import { detectionImages } from './helpers/detection-images.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectValidationDetails } from './helpers/matrix-errors.js';
import { jpegBytes } from './helpers/media-bytes.js';
import { getRaw, putSnapshot } from './helpers/recording.js';
import { toSamplePoint } from './helpers/sampling.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';
import { eventually as within } from './helpers/eventually.js';
import { registerAndCheckIn } from './helpers/sessions.js';

// One detector worker for the whole file (both engines): the models cost ~1 s and ~300 MB.
const detector = new WorkerPoolDetector({ size: 1 });
afterAll(() => detector.close());

// Server analysis runs the real models on a loaded machine: wait longer than elsewhere.
const eventually = <T>(check: () => Promise<T>, ms = 45_000) => within(check, ms, 250);

type Client = HttpClient & { userId: string };

describe.each(requestEngines())('detection on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let proctor: Client;
  let examId: string;
  const images = detectionImages();

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      { detection: { enabled: true, workers: 1, pollMs: 500 }, flagSweepMs: 300 },
      { detector },
    );
    admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor');
    const exam = await admin.post('/api/exams', buildExam({}, server.clock.now().getTime()));
    expect(exam.status, JSON.stringify(exam.body)).toBe(201);
    examId = exam.body.id;
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
  });
  afterAll(async () => server?.close());

  /** A new student registered for the exam and checking in (uploads accepted). */
  async function studentSession() {
    const student = (await server.signedIn('student')) as Client;
    const { sessionId, registrationId } = await registerAndCheckIn(student, examId);
    let seq = 0;
    const send = (type: string, at: number, data: Record<string, unknown> = {}) =>
      student.post(`/api/sessions/${sessionId}/events`, {
        events: [{ seq: seq++, type, at, data }],
      });
    return { student, sessionId, registrationId, send };
  }

  const flagsOf = async (sessionId: string) => {
    const res = await proctor.get(`/api/sessions/${sessionId}/flags`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { type: string; source: string; endMs: number | null; message: string }[];
  };
  const types = async (sessionId: string) => (await flagsOf(sessionId)).map((f) => f.type).sort();
  const serverEvents = async (sessionId: string, type: string) =>
    ((await proctor.get(`/api/sessions/${sessionId}/events`)).body as any[]).filter(
      (e) => e.source === 'server' && e.type === type,
    );
  const noFace = (active: boolean) => ({
    detector: 'no_face',
    active,
    confidence: 0.9,
    model: 'test-model',
  });

  describe('detection assets', () => {
    it('serves the models and the wasm binaries from our origin, cacheable', async () => {
      const anon = server.anonymous();
      const model = await getRaw(anon, '/detection/models/blazeface.json');
      expect(model.status).toBe(200);
      expect(model.headers.get('content-type')).toContain('application/json');
      expect(model.headers.get('cache-control')).toMatch(/max-age=604800/);
      expect(model.headers.get('etag')).toBeTruthy();
      const wasm = await getRaw(anon, '/detection/wasm/tfjs-backend-wasm-simd.wasm');
      expect(wasm.status).toBe(200);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect(wasm.bytes.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
      const weights = await getRaw(
        anon,
        '/detection/face-recognition/face_recognition_model-weights_manifest.json',
      );
      expect(weights.status).toBe(200);
      expect(weights.headers.get('content-type')).toContain('application/json');
    });

    it('answers 404 in JSON for anything else, never the web app', async () => {
      for (const path of [
        '/detection/models/missing.json',
        '/detection/models/README.md',
        '/detection/wasm/index.js',
        '/detection/wasm/../package.json',
        '/detection/face-recognition/ssd_mobilenetv1_model-weights_manifest.json',
      ]) {
        const res = await getRaw(server.anonymous(), path);
        expect(res.status, path).toBe(404);
        expect(res.json?.code, path).toBe('ROUTE_NOT_FOUND');
      }
    });

    it('lets the page compile wasm and start module workers (CSP)', async () => {
      const res = await getRaw(server.anonymous(), '/healthz');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
      expect(csp).toMatch(/worker-src 'self' blob:/);
    });
  });

  it('a webcam snapshot with two faces becomes a server multiple_faces flag', async () => {
    const { student, sessionId } = await studentSession();
    const risk: BusTopics['session.risk'][] = [];
    const off = await server.instance.bus.subscribe('session.risk', (m) => {
      if (m.sessionId === sessionId) risk.push(m);
    });
    // The server picks which snapshot it samples (a secret offset into each bucket of its
    // own clock): upload at that moment, and put the clock back once analysed.
    const moved = await toSamplePoint(server, sessionId);
    const res = await putSnapshot(student, sessionId, 'webcam', 0, images.twoFaces, {
      takenMs: server.clock.now().getTime(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const flags = await eventually(async () => {
      const list = await flagsOf(sessionId);
      expect(list.map((f) => f.type)).toContain('multiple_faces');
      return list;
    }).finally(() => server.clock.advance(-moved));
    const flag = flags.find((f) => f.type === 'multiple_faces');
    expect(flag).toMatchObject({ source: 'server', severity: 'high', reviewStatus: 'open' });
    expect((flag as any).evidence.snapshotIds).toHaveLength(1);
    expect((flag as any).model).toMatch(/human/);
    // No client report for this snapshot: nothing to contradict.
    expect(flags.map((f) => f.type)).not.toContain('client_integrity');
    const [analysis] = await serverEvents(sessionId, 'detect.analysis');
    expect(analysis.data).toMatchObject({ snapshotSeq: 0, faces: 2, identity: null });
    // The student's own timeline leaves the server's analysis out.
    const own = await student.get(`/api/sessions/${sessionId}/events`);
    expect(own.status).toBe(200);
    expect((own.body as any[]).filter((e) => e.type.startsWith('detect.'))).toEqual([]);
    const score = (await proctor.get(`/api/sessions/${sessionId}/risk`)).body;
    expect(score.score).toBeGreaterThan(0);
    expect(score.contributions[0]).toMatchObject({ type: 'multiple_faces', severity: 'high' });
    expect(score.explanation[0]).toMatch(/More than one face in view.*points/);
    await eventually(async () => expect(risk.at(-1)?.score).toBe(score.score), 5000);
    expect(risk.at(-1)?.examId).toBe(examId);
    await off();
  });

  it('a client report contradicted by the snapshot becomes a client_integrity flag', async () => {
    const { student, sessionId, send } = await studentSession();
    const moved = await toSamplePoint(server, sessionId);
    const at = server.clock.now().getTime();
    const report = {
      snapshotSeq: 0,
      faces: 1,
      headTurned: false,
      phone: false,
      book: false,
      persons: 1,
      model: 'browser-model',
    };
    expect((await send('detect.snapshot', at, report)).status).toBe(200);
    expect(
      (await putSnapshot(student, sessionId, 'webcam', 0, images.twoFaces, { takenMs: at })).status,
    ).toBe(201);
    const flags = await eventually(async () => {
      const list = await flagsOf(sessionId);
      expect(list.map((f) => f.type)).toContain('client_integrity');
      return list;
    }).finally(() => server.clock.advance(-moved));
    const integrity = flags.find((f) => f.type === 'client_integrity');
    expect(integrity).toMatchObject({ source: 'rules', severity: 'high' });
    expect(integrity?.message).toMatch(/browser reported 1 face\(s\), the server found 2/);
  });

  it('a report arriving after the server analysed its snapshot is judged with the batch', async () => {
    const { student, sessionId, send } = await studentSession();
    const moved = await toSamplePoint(server, sessionId);
    const at = server.clock.now().getTime();
    try {
      expect(
        (await putSnapshot(student, sessionId, 'webcam', 0, images.twoFaces, { takenMs: at }))
          .status,
      ).toBe(201);
      await eventually(async () =>
        expect(await serverEvents(sessionId, 'detect.analysis')).toHaveLength(1),
      );
    } finally {
      server.clock.advance(-moved);
    }
    // Before the report nothing contradicts the analysis; the report's own request re-judges.
    expect((await flagsOf(sessionId)).map((f) => f.type)).not.toContain('client_integrity');
    const report = { snapshotSeq: 0, faces: 1, headTurned: false, phone: false, book: false };
    const sent = await send('detect.snapshot', at, { ...report, persons: 1, model: 'browser' });
    expect(sent.status).toBe(200);
    expect((await flagsOf(sessionId)).map((f) => f.type)).toContain('client_integrity');
  });

  it('no face for longer than minSeconds becomes a flag, on time even without new events', async () => {
    const { sessionId, send } = await studentSession();
    // Already long enough when it arrives: flagged with the batch.
    expect((await send('detect.state', Date.now() - 8000, noFace(true))).status).toBe(200);
    expect(await types(sessionId)).toEqual(['no_face']);
    const [open] = await flagsOf(sessionId);
    expect(open).toMatchObject({ source: 'client', endMs: null });
    expect((await proctor.get(`/api/sessions/${sessionId}/risk`)).body.score).toBeGreaterThan(0);

    // Started 2 s ago: not yet a flag; the sweeper makes it one after 5 s with no new event.
    const other = await studentSession();
    expect((await other.send('detect.state', Date.now() - 2000, noFace(true))).status).toBe(200);
    expect(await types(other.sessionId)).toEqual([]);
    await eventually(async () => expect(await types(other.sessionId)).toEqual(['no_face']), 10_000);

    // The face comes back: the same flag closes.
    expect((await send('detect.state', Date.now(), noFace(false))).status).toBe(200);
    const [closed] = await flagsOf(sessionId);
    expect(closed?.endMs).toEqual(expect.any(Number));
    expect((closed as any).id).toBe((open as any).id);
    expect(closed?.message).toMatch(/^No face in view for \d+ s$/);
  });

  it('an accommodation switching no_face off applies to that student only', async () => {
    const a = await studentSession();
    const b = await studentSession();
    const set = await admin.put(`/api/registrations/${a.registrationId}/accommodations`, {
      detectors: { no_face: { enabled: false } },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.detectors).toEqual({ no_face: { enabled: false } });
    expect(set.body.extraTimeMinutes).toBe(0);
    for (const s of [a, b]) {
      expect((await s.send('detect.state', Date.now() - 9000, noFace(true))).status).toBe(200);
      expect((await s.send('detect.state', Date.now(), noFace(false))).status).toBe(200);
    }
    expect(await types(a.sessionId)).toEqual([]);
    expect(await types(b.sessionId)).toEqual(['no_face']);
    expect((await proctor.get(`/api/sessions/${a.sessionId}/risk`)).body.score).toBe(0);

    // Switching it off later withdraws the student's open flag (kept, dismissed); back on,
    // new stretches are flagged again.
    const offB = await admin.put(`/api/registrations/${b.registrationId}/accommodations`, {
      detectors: { no_face: { enabled: false } },
    });
    expect(offB.status).toBe(200);
    const withdrawn = await flagsOf(b.sessionId);
    expect(withdrawn.map((f) => [f.type, (f as any).reviewStatus])).toEqual([
      ['no_face', 'dismissed'],
    ]);
    expect((await proctor.get(`/api/sessions/${b.sessionId}/risk`)).body.score).toBe(0);
    await admin.put(`/api/registrations/${b.registrationId}/accommodations`, { detectors: {} });
    expect((await b.send('detect.state', Date.now(), noFace(true))).status).toBe(200);
    await eventually(async () => {
      const again = await flagsOf(b.sessionId);
      expect(again.map((f) => [f.type, (f as any).reviewStatus])).toEqual([
        ['no_face', 'dismissed'],
        ['no_face', 'open'],
      ]);
    }, 15_000);

    const audit = await admin.get(`/api/audit?examId=${examId}`);
    const entry = (audit.body as any[]).find(
      (e) => e.action === 'registration.accommodations' && e.entityId === a.registrationId,
    );
    expect(entry?.data).toMatchObject({ detectors: { no_face: { enabled: false } } });
  });

  it('refuses an accommodation stricter than the exam rule, and stores nothing', async () => {
    const a = await studentSession();
    const path = `/api/registrations/${a.registrationId}/accommodations`;
    const stricter = await admin.put(path, {
      extraTimeMinutes: 15,
      detectors: { no_face: { minSeconds: 1 }, identity_mismatch: { threshold: 0.9 } },
    });
    expect(stricter.status).toBe(400);
    expect(stricter.body).toMatchObject({
      code: 'ACCOMMODATION_STRICTER',
      details: { detectors: ['no_face', 'identity_mismatch'] },
    });
    const relaxed = await admin.put(path, {
      detectors: { no_face: { minSeconds: 20 }, identity_mismatch: { threshold: 0.4 } },
    });
    expect(relaxed.status, JSON.stringify(relaxed.body)).toBe(200);
    expect(relaxed.body.extraTimeMinutes).toBe(0);
  });

  it('takes detector rules from the exam policy (validated and saved by the exam update)', async () => {
    const policy = {
      detectors: { no_face: { enabled: true, minSeconds: 3, severity: 'high' } },
      serverAnalysisSeconds: 0,
    };
    const patched = await admin.patch(`/api/exams/${examId}`, { policy });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.policy).toMatchObject(policy);
    expect((await admin.get(`/api/exams/${examId}`)).body.policy).toMatchObject(policy);
    try {
      const { sessionId, send } = await studentSession();
      const at = Date.now() - 10_000;
      await send('detect.state', at, noFace(true));
      await send('detect.state', at + 4000, noFace(false));
      const [flag] = await flagsOf(sessionId);
      expect(flag).toMatchObject({ type: 'no_face', severity: 'high' });
    } finally {
      await admin.patch(`/api/exams/${examId}`, { policy: {} });
    }
  });

  it('refuses detector events whose data breaks the contract, storing none of the batch', async () => {
    const { student, sessionId } = await studentSession();
    const res = await student.post(`/api/sessions/${sessionId}/events`, {
      events: [
        { seq: 0, type: 'page.load', at: Date.now() },
        { seq: 1, type: 'detect.state', at: Date.now(), data: { ...noFace(true), confidence: 3 } },
        { seq: 2, type: 'detect.snapshot', at: Date.now(), data: { snapshotSeq: 'x' } },
      ],
    });
    const details = expectValidationDetails(res);
    expect(details.map((d) => d.path)).toEqual(
      expect.arrayContaining(['events.1.data.confidence', 'events.2.data.snapshotSeq']),
    );
    expect((await student.get(`/api/sessions/${sessionId}/events`)).body).toEqual([]);
  });

  it('enrols the identity photo and checks later snapshots against it', async () => {
    const { student, sessionId } = await studentSession();
    const moved = await toSamplePoint(server, sessionId);
    const at = server.clock.now().getTime();
    expect(
      (await putSnapshot(student, sessionId, 'id_face', 0, images.oneFace, { takenMs: at })).status,
    ).toBe(201);
    const [enrolment] = await eventually(async () => {
      const list = await serverEvents(sessionId, 'detect.enrolment');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(enrolment.data).toMatchObject({ faces: 1, enrolled: true });
    expect(JSON.stringify(enrolment.data)).not.toMatch(/embedding/);
    expect(
      (await putSnapshot(student, sessionId, 'webcam', 0, images.oneFace, { takenMs: at + 1000 }))
        .status,
    ).toBe(201);
    const [analysis] = await eventually(async () => {
      const list = await serverEvents(sessionId, 'detect.analysis');
      expect(list).toHaveLength(1);
      return list;
    }).finally(() => server.clock.advance(-moved));
    expect(analysis.data.identity).toMatchObject({
      match: true,
      status: 'match',
      quality: { ok: true, failed: null },
    });
    // The main face's anti-spoof and liveness scores are kept; spoof is off by default.
    expect(analysis.data).toMatchObject({ real: expect.any(Number), live: expect.any(Number) });
    expect(await types(sessionId)).toEqual([]);
  });

  it('samples one webcam snapshot per serverAnalysisSeconds, and a bad image is given up', async () => {
    const { student, sessionId } = await studentSession();
    // Same sampling bucket of the server's clock, both after its sample point: only the first
    // is analysed, whatever times the client gives; the unreadable one fails for good. Its
    // header is whole (so the upload is taken) but the image data ends before the scan.
    const whole = jpegBytes('broken', 64, 64);
    const truncated = whole.subarray(0, whole.indexOf(Buffer.from([0xff, 0xc4])));
    const moved = await toSamplePoint(server, sessionId);
    const takenMs = server.clock.now().getTime();
    const stored = await putSnapshot(student, sessionId, 'webcam', 0, truncated, { takenMs });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    await putSnapshot(student, sessionId, 'webcam', 1, images.noFace, { takenMs: takenMs + 1 });
    const [failed] = await eventually(async () => {
      const list = await serverEvents(sessionId, 'detect.failed');
      expect(list).toHaveLength(1);
      return list;
    }).finally(() => server.clock.advance(-moved));
    expect(failed.data).toMatchObject({ snapshotSeq: 0, reason: 'not a readable image' });
    expect(await serverEvents(sessionId, 'detect.analysis')).toEqual([]);
  });

  describe('analysis queue', () => {
    it('dispatches each analysis once, lets only the latest run write, and re-dispatches a lost job', async () => {
      const { student, sessionId } = await studentSession();
      // Disabled sampling would be cleaner; instead a snapshot of another kind is queued by hand.
      await putSnapshot(student, sessionId, 'screen', 0, images.noFace, { takenMs: Date.now() });
      const db = server.instance.database.db;
      const added: { type: string; payload: unknown; key?: string; priority?: number }[] = [];
      const jobs = {
        add: async (type: string, payload: unknown, opts: AddOptions = {}) => {
          added.push({ type, payload, key: opts.key, priority: opts.priority });
          return { id: String(added.length), added: true };
        },
      };
      const queue = new AnalysisQueue(db, jobs);
      const manifest = await student.get(`/api/sessions/${sessionId}/recording`);
      const snapshotId = manifest.body.snapshots[0].id as string;
      const future = new Date(Date.now() + 3_600_000);
      expect(await queue.enqueue([{ sessionId, snapshotId, reason: 'sample' }], future)).toBe(1);
      expect(
        await queue.enqueue([{ sessionId, snapshotId, reason: 'client_report' }], future),
      ).toBe(0);
      expect(added).toHaveLength(1);
      const [job] = added;
      const analysisJobId = (job?.payload as { analysisJobId: number }).analysisJobId;
      expect(job).toMatchObject({ type: 'analysis.snapshot', key: String(analysisJobId) });
      expect(job?.priority).toBeGreaterThanOrEqual(ROUTINE_PRIORITY);

      // A run stalls past the queue's lease, and the job runs again: the later run writes.
      const first = await queue.begin({ analysisJobId }, future);
      expect(first).toMatchObject({ snapshotId, attempts: 1 });
      const second = await queue.begin({ analysisJobId }, future);
      expect(second).toMatchObject({ id: first?.id, attempts: 2 });
      let wrote = 0;
      await expect(
        queue.complete(first!, future, async () => {
          wrote += 1;
        }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      await queue.complete(second!, future, async () => {
        wrote += 1;
      });
      expect(wrote).toBe(1);
      // Done: a further run of its job finds nothing to do.
      expect(await queue.begin({ analysisJobId }, future)).toBeUndefined();
      expect(await queue.begin({ snapshotId }, future)).toBeUndefined();

      // A row whose job never reached the queue is dispatched again once it is stale.
      await putSnapshot(student, sessionId, 'screen', 1, images.noFace, { takenMs: Date.now() });
      const again = await student.get(`/api/sessions/${sessionId}/recording`);
      const other = again.body.snapshots.find((x: { seq: number }) => x.seq === 1).id as string;
      await queue.enqueue([{ sessionId, snapshotId: other, reason: 'client_report' }], future);
      const lost = added.at(-1);
      expect(lost?.priority).toBe(0);
      // (Other tests' rows of this server may be swept too: only this one is looked at.)
      const sweep = async (at: Date) => {
        const before = added.length;
        await queue.redispatch(at, 5 * 60_000);
        return added.slice(before);
      };
      expect(await sweep(new Date(future.getTime() + 60_000))).not.toContainEqual(lost);
      const stale = new Date(future.getTime() + 6 * 60_000);
      expect(await sweep(stale)).toContainEqual(lost);
      // Touched: the next sweep at the same time leaves it alone.
      expect(await sweep(stale)).not.toContainEqual(lost);
    });
  });
});
