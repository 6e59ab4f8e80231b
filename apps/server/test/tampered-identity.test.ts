import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Intervention, ProctoringPolicyInput } from '@invigil/contracts';
import { WorkerPoolDetector } from '../src/adapters/worker-pool.detector.js';
import { auditLog, liveMessages } from '../src/db/schema.js';
import { inProgress } from './helpers/check-in.js';
import { facePhoto, idDocumentPhoto } from './helpers/detection-images.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient, TestResponse } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { getRaw, putSegment, putSnapshot, recordingFixture } from './helpers/recording.js';
import { registerAndCheckIn } from './helpers/sessions.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MINUTE = 60_000;

// One detector worker for the whole file (both engines): the models cost ~1 s and ~300 MB.
const detector = new WorkerPoolDetector({ size: 1 });
afterAll(() => detector.close());

describe.each(requestEngines())(
  'identity and check-in a tampered client cannot skip, on %s',
  (engine) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => server?.close());

    /** A session of an exam with `policy`, checking in, with the student's consent. */
    async function checkingIn(policy: ProctoringPolicyInput = {}) {
      const f = await recordingFixture(server, buildExam({ policy }, server.clock.now().getTime()));
      const path = `/api/sessions/${f.sessionId}`;
      expect((await f.move(f.student, 'checking_in')).status).toBe(200);
      expect((await f.student.post(`${path}/consent`)).status).toBe(200);
      let seq = 0;
      const event = (type: string, at = Date.now()) =>
        f.student.post(`${path}/events`, { events: [{ seq: seq++, type, at, data: {} }] });
      const photo = (kind: 'id_face' | 'id_document', n = 0) =>
        putSnapshot(f.student, f.sessionId, kind, n, jpegBytes(`${f.sessionId} ${kind} ${n}`), {
          takenMs: Date.now(),
        });
      const start = () => f.move(f.student, 'in_progress');
      return { ...f, path, event, photo, start };
    }

    const missingOf = (res: TestResponse) => {
      expectError(res, 409, 'CHECK_IN_INCOMPLETE');
      return res.body.details.missing as string[];
    };

    it('refuses to start until the identity photos the policy requires were received', async () => {
      const f = await checkingIn();
      expect((await f.event('system_check.passed')).status).toBe(200);
      const refused = await f.start();
      expect(missingOf(refused)).toEqual(['identity_face', 'identity_document']);
      expect(refused.body.message).toMatch(/photo of your face.*identity document/);
      expect((await f.photo('id_face')).status).toBe(201);
      expect(missingOf(await f.start())).toEqual(['identity_document']);
      expect((await f.photo('id_document')).status).toBe(201);
      const started = await f.start();
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect(started.body.state).toBe('in_progress');
      // Refusals changed nothing and were not audited as transitions.
      const audit = await server.instance.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.entityId, f.sessionId), eq(auditLog.action, 'session.transition')));
      expect(audit.map((a) => (a.data as { to: string }).to)).toEqual([
        'checking_in',
        'in_progress',
      ]);
    });

    it('requires a passed system check; a failure reported after the pass undoes it', async () => {
      const f = await checkingIn();
      await f.photo('id_face');
      await f.photo('id_document');
      expect(missingOf(await f.start())).toEqual(['system_check']);
      expect((await f.event('system_check.passed')).status).toBe(200);
      expect((await f.event('system_check.failed')).status).toBe(200);
      const refused = await f.start();
      expect(missingOf(refused)).toEqual(['system_check']);
      expect(refused.body.message).toMatch(/a passed system check/);
      expect((await f.event('system_check.passed')).status).toBe(200);
      expect((await f.start()).status).toBe(200);
    });

    it('requires a room scan segment only when the policy asks for one', async () => {
      const f = await checkingIn({ roomScan: true });
      await f.event('system_check.passed');
      await f.photo('id_face');
      await f.photo('id_document');
      expect(missingOf(await f.start())).toEqual(['room_scan']);
      const scan = await putSegment(
        f.student,
        f.sessionId,
        'room_scan',
        0,
        webmBytes(f.sessionId),
        {
          startMs: Date.now(),
        },
      );
      expect(scan.status, JSON.stringify(scan.body)).toBe(201);
      expect((await f.start()).status).toBe(200);

      // Neither identity photos nor a room scan: only the system check (and consent) remain.
      const g = await checkingIn({ identityCheck: false, roomScan: false });
      expect(missingOf(await g.start())).toEqual(['system_check']);
      await g.event('system_check.passed');
      expect((await g.start()).status).toBe(200);
    });

    it('still asks for consent first, and leaves a proctor’s resume alone', async () => {
      const f = await recordingFixture(server);
      await f.move(f.student, 'checking_in');
      expectError(await f.move(f.student, 'in_progress'), 409, 'CONSENT_REQUIRED');

      const g = await inProgress(server);
      expect((await g.move(g.proctor, 'paused')).status).toBe(200);
      expect((await g.move(g.proctor, 'in_progress')).status).toBe(200);
    });

    it('locks the identity photos at the start; a proctor’s re_enrol opens them once', async () => {
      const f = await inProgress(server);
      const path = `/api/sessions/${f.sessionId}`;
      const newPhoto = (kind: 'id_face' | 'id_document', seq: number, takenMs = Date.now()) =>
        putSnapshot(f.student, f.sessionId, kind, seq, jpegBytes(`${f.sessionId} new ${kind}`), {
          takenMs,
        });
      expectError(await newPhoto('id_face', 1), 409, 'IDENTITY_LOCKED');

      // Only the exam's assigned proctors (and admins, on any exam: staff-tools.test.ts) may ask;
      // the others as for every intervention.
      const body = { kind: 're_enrol', message: 'The light was too dim' };
      const otherProctor = await server.signedIn('proctor');
      expectError(await otherProctor.post(`${path}/interventions`, body), 404, 'NOT_FOUND');
      expectError(await f.instructor.post(`${path}/interventions`, body), 403, 'FORBIDDEN');
      expectError(await f.student.post(`${path}/interventions`, body), 403, 'FORBIDDEN');
      server.clock.advance(1000);
      const sent = await f.proctor.post(`${path}/interventions`, body);
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      const request = sent.body as Intervention;
      expect(request).toMatchObject({ kind: 're_enrol', message: body.message, completedAt: null });
      const complete = () => f.student.post(`${path}/interventions/${request.id}/complete`);

      const none = await complete();
      expectError(none, 409, 'IDENTITY_PHOTOS_MISSING');
      expect(none.body.details.missing).toEqual(['identity_face', 'identity_document']);
      // A photo taken before the request and held back does not answer it.
      const heldBack = await newPhoto('id_face', 1, Date.now() - 10 * MINUTE);
      expect(heldBack.status, JSON.stringify(heldBack.body)).toBe(201);
      expect((await complete()).body.details?.missing).toEqual([
        'identity_face',
        'identity_document',
      ]);
      expect((await newPhoto('id_face', 2)).status).toBe(201);
      expect((await complete()).body.details?.missing).toEqual(['identity_document']);
      expect((await newPhoto('id_document', 1)).status).toBe(201);
      const done = await complete();
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body).toMatchObject({ completedAt: expect.any(String) });
      expect(done.body.acknowledgedAt).not.toBeNull();
      expect((await complete()).body.completedAt).toBe(done.body.completedAt);

      // Locked again; the photos of check-in are still there and served to staff.
      expectError(await newPhoto('id_face', 3), 409, 'IDENTITY_LOCKED');
      const old = await getRaw(f.proctor, `${path}/snapshots/id_face/0`);
      expect(old.status).toBe(200);
      const manifest = await f.proctor.get(`${path}/recording`);
      expect(
        manifest.body.snapshots
          .filter((s: { kind: string }) => s.kind.startsWith('id_'))
          .map((s: { kind: string; seq: number }) => `${s.kind}/${s.seq}`)
          .sort(),
      ).toEqual(['id_document/0', 'id_document/1', 'id_face/0', 'id_face/1', 'id_face/2']);

      const db = server.instance.database.db;
      const audit = await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.examId, f.examId), like(auditLog.action, 'intervention.%')))
        .orderBy(asc(auditLog.id));
      expect(audit.map((a) => [a.action, a.actorId])).toEqual([
        ['intervention.re_enrol', f.proctor.userId],
        ['intervention.complete', f.student.userId],
      ]);
      expect(audit[1]?.data).toMatchObject({ kind: 're_enrol', idFaceSeq: 2, idDocumentSeq: 1 });
      // The request and its completion reached the student's live feed.
      const live = await db
        .select()
        .from(liveMessages)
        .where(and(eq(liveMessages.sessionId, f.sessionId), eq(liveMessages.topic, 'intervention')))
        .orderBy(asc(liveMessages.id));
      expect(live.map((m) => [m.audience, (m.data as Intervention).completedAt !== null])).toEqual([
        ['student', false],
        ['student', true],
      ]);
    });

    it('asks for new photos only while the attempt runs or is paused; one set answers every open request', async () => {
      const f = await checkingIn();
      const send = (as: HttpClient = f.proctor) =>
        as.post(`${f.path}/interventions`, { kind: 're_enrol' });
      expectError(await send(), 409, 'SESSION_NOT_ACTIVE');
      await f.event('system_check.passed');
      await f.photo('id_face');
      await f.photo('id_document');
      expect((await f.start()).status).toBe(200);
      expect((await f.move(f.proctor, 'paused')).status).toBe(200);
      const first = (await send()).body as Intervention;
      server.clock.advance(1000);
      const second = (await send()).body as Intervention;
      server.clock.advance(1000);
      expect((await f.photo('id_face', 1)).status).toBe(201);
      expect((await f.photo('id_document', 1)).status).toBe(201);
      const done = await f.student.post(`${f.path}/interventions/${second.id}/complete`);
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const list = (await f.student.get(`${f.path}/interventions`)).body as Intervention[];
      expect(list.find((i) => i.id === first.id)?.completedAt).toBe(done.body.completedAt);
      expectError(await f.photo('id_face', 2), 409, 'IDENTITY_LOCKED');
      expect((await f.move(f.proctor, 'in_progress')).status).toBe(200);
      expect((await f.move(f.student, 'submitted')).status).toBe(200);
      expectError(await send(), 409, 'SESSION_NOT_ACTIVE');
    });

    it('closes a re-enrolment after one full set of new photos, or after 15 minutes', async () => {
      const f = await inProgress(server);
      const path = `/api/sessions/${f.sessionId}`;
      const photo = (kind: 'id_face' | 'id_document', seq: number) =>
        putSnapshot(f.student, f.sessionId, kind, seq, jpegBytes(`${f.sessionId} ${kind} ${seq}`), {
          takenMs: Date.now(),
        });
      const ask = async () => {
        server.clock.advance(1000);
        const sent = await f.proctor.post(`${path}/interventions`, { kind: 're_enrol' });
        expect(sent.status, JSON.stringify(sent.body)).toBe(201);
        return sent.body as Intervention;
      };
      const first = await ask();
      // Retakes are fine until the set is complete…
      expect((await photo('id_face', 1)).status).toBe(201);
      expect((await photo('id_face', 2)).status).toBe(201);
      expect((await photo('id_document', 1)).status).toBe(201);
      // …then the request has its answer, even before the student reports it done.
      const more = await photo('id_face', 3);
      expectError(more, 409, 'IDENTITY_LOCKED');
      expect(more.body.message).toMatch(/have been received/);
      expectError(await photo('id_document', 2), 409, 'IDENTITY_LOCKED');
      // A retry of a stored photo is still acknowledged.
      expect((await photo('id_face', 2)).status).toBe(200);
      expect((await f.student.post(`${path}/interventions/${first.id}/complete`)).status).toBe(200);

      // A request nobody answers closes after 15 minutes on the server's clock.
      const second = await ask();
      server.clock.advance(15 * MINUTE + 1000);
      const expired = await photo('id_face', 3);
      expectError(expired, 409, 'IDENTITY_LOCKED');
      expect(expired.body.message).toMatch(/expired/);
      expectError(
        await f.student.post(`${path}/interventions/${second.id}/complete`),
        409,
        'IDENTITY_PHOTOS_MISSING',
      );
      // A new request opens it again, for one set.
      await ask();
      expect((await photo('id_document', 2)).status).toBe(201);
      expect((await photo('id_face', 3)).status).toBe(201);
      expectError(await photo('id_face', 4), 409, 'IDENTITY_LOCKED');
      const manifest = await f.proctor.get(`${path}/recording`);
      expect(
        manifest.body.snapshots
          .filter((s: { kind: string }) => s.kind.startsWith('id_'))
          .map((s: { kind: string; seq: number }) => `${s.kind}/${s.seq}`)
          .sort(),
      ).toEqual([
        'id_document/0',
        'id_document/1',
        'id_document/2',
        'id_face/0',
        'id_face/1',
        'id_face/2',
        'id_face/3',
      ]);
    });

    it('answers a room scan request only with a scan recorded after it', async () => {
      const f = await inProgress(server);
      const path = `/api/sessions/${f.sessionId}`;
      server.clock.advance(1000);
      const request = (await f.proctor.post(`${path}/interventions`, { kind: 'room_scan' }))
        .body as Intervention;
      const complete = () => f.student.post(`${path}/interventions/${request.id}/complete`);
      const requestedMs = Date.parse(request.createdAt);
      // Uploaded after the request, but recorded five minutes before it: held back.
      const early = await putSegment(f.student, f.sessionId, 'room_scan', 0, webmBytes('early'), {
        startMs: requestedMs - 5 * MINUTE,
        endMs: requestedMs - 5 * MINUTE + 6000,
      });
      expect(early.status, JSON.stringify(early.body)).toBe(201);
      const refused = await complete();
      expectError(refused, 409, 'ROOM_SCAN_MISSING');
      expect(refused.body.message).toMatch(/recorded before it was requested/);
      const scan = await putSegment(f.student, f.sessionId, 'room_scan', 1, webmBytes('fresh'), {
        startMs: requestedMs + 2000,
      });
      expect(scan.status).toBe(201);
      expect((await complete()).status).toBe(200);
    });
  },
);

describe.each(requestEngines())('the ID document compared with the face photo on %s', (engine) => {
  let server: TestServer;
  let examId: string;
  let proctor: HttpClient & { userId: string };

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      { detection: { enabled: true, workers: 1, pollMs: 500 }, flagSweepMs: 300 },
      { detector },
    );
    const admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor');
    const exam = await admin.post('/api/exams', buildExam({}, server.clock.now().getTime()));
    expect(exam.status, JSON.stringify(exam.body)).toBe(201);
    examId = exam.body.id;
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
  });
  afterAll(async () => server?.close());

  // The models run on a loaded machine: wait generously.
  const settled = <T>(check: () => Promise<T>) => eventually(check, 90_000, 250);

  /** A student checking in whose identity photos are `face` and `document`. */
  async function checkInWith(face: Buffer, document: Buffer) {
    const student = await server.signedIn('student');
    const { sessionId } = await registerAndCheckIn(student, examId);
    const path = `/api/sessions/${sessionId}`;
    const at = Date.now();
    expect(
      (await putSnapshot(student, sessionId, 'id_face', 0, face, { takenMs: at })).status,
    ).toBe(201);
    expect(
      (await putSnapshot(student, sessionId, 'id_document', 0, document, { takenMs: at + 1 }))
        .status,
    ).toBe(201);
    return { student, sessionId, path };
  }

  const comparisons = async (path: string, n: number) =>
    settled(async () => {
      const events = (await proctor.get(`${path}/events`)).body as any[];
      const found = events.filter((e) => e.type === 'detect.id_document').map((e) => e.data);
      expect(found).toHaveLength(n);
      return found;
    });
  const flagsOf = async (path: string) =>
    (await proctor.get(`${path}/flags`)).body as { type: string; message: string }[];

  /** Start the attempt of a student who checked in, and have the proctor ask for new photos. */
  async function startAndAskForNewPhotos(student: HttpClient, path: string) {
    expect((await student.post(`${path}/consent`)).status).toBe(200);
    const passed = { seq: 0, type: 'system_check.passed', at: Date.now(), data: {} };
    expect((await student.post(`${path}/events`, { events: [passed] })).status).toBe(200);
    expect((await student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(200);
    server.clock.advance(1000);
    const request = await proctor.post(`${path}/interventions`, { kind: 're_enrol' });
    expect(request.status, JSON.stringify(request.body)).toBe(201);
  }

  const enrolmentsOf = async (path: string, n: number) =>
    settled(async () => {
      const events = (await proctor.get(`${path}/events`)).body as any[];
      const found = events.filter((e) => e.type === 'detect.enrolment').map((e) => e.data);
      expect(found).toHaveLength(n);
      return found.sort((a, b) => a.snapshotSeq - b.snapshotSeq);
    });

  it('a matching pair raises nothing; the same person re-enrolling becomes the reference', async () => {
    const { student, sessionId, path } = await checkInWith(facePhoto(0), idDocumentPhoto(0));
    const [match] = await comparisons(path, 1);
    expect(match).toMatchObject({ faces: 1, faceSnapshotSeq: 0, match: true });
    expect(match.similarity).toBeGreaterThanOrEqual(0.555);
    expect(JSON.stringify(match)).not.toMatch(/embedding/);
    expect((await flagsOf(path)).map((f) => f.type)).toEqual([]);

    await startAndAskForNewPhotos(student, path);
    const again = await putSnapshot(student, sessionId, 'id_face', 1, facePhoto(0), {
      takenMs: Date.now(),
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    // Compared with the check-in face photo, it matches and becomes the reference.
    const [first, second] = await enrolmentsOf(path, 2);
    expect(first).toMatchObject({ snapshotSeq: 0, enrolled: true });
    expect(first.checkIn).toBeUndefined();
    expect(second).toMatchObject({
      snapshotSeq: 1,
      enrolled: true,
      checkIn: { snapshotId: first.snapshotId, snapshotSeq: 0, faces: 1, match: true },
    });
    const [, recompared] = await comparisons(path, 2);
    expect(recompared).toMatchObject({ faces: 1, faceSnapshotSeq: 1, match: true });
    expect((await flagsOf(path)).map((f) => f.type)).toEqual([]);
  });

  it('a stand-in re-enrolling with their own face and ID is flagged and never becomes the reference', async () => {
    const { student, sessionId, path } = await checkInWith(facePhoto(0), idDocumentPhoto(0));
    await comparisons(path, 1);
    await startAndAskForNewPhotos(student, path);
    for (const [kind, bytes] of [
      ['id_face', facePhoto(2)],
      ['id_document', idDocumentPhoto(2)],
    ] as const) {
      const res = await putSnapshot(student, sessionId, kind, 1, bytes, { takenMs: Date.now() });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const [checkIn, swap] = await enrolmentsOf(path, 2);
    expect(swap).toMatchObject({
      snapshotSeq: 1,
      faces: 1,
      enrolled: false,
      checkIn: { snapshotId: checkIn.snapshotId, faces: 1, match: false },
    });
    expect(swap.checkIn.similarity).toBeLessThan(0.555);
    // The stand-in's ID is compared with the check-in face, still the reference.
    const documents = await comparisons(path, 2);
    expect(documents.find((d) => d.snapshotSeq === 1)).toMatchObject({
      faceSnapshotSeq: 0,
      match: false,
    });
    const flags = await settled(async () => {
      const list = (await proctor.get(`${path}/flags`)).body as any[];
      expect(list.map((f) => f.type).sort()).toEqual(['id_document_mismatch', 'identity_mismatch']);
      return list;
    });
    const swapped = flags.find((f) => f.type === 'identity_mismatch');
    expect(swapped).toMatchObject({ severity: 'high', source: 'server' });
    expect(swapped.evidence.snapshotIds).toEqual([checkIn.snapshotId, swap.snapshotId]);
    expect(swapped.message).toMatch(
      /^The face did not match the identity photo \(new identity photo against the check-in photo: similarity 0\.\d\d\)$/,
    );
    // Both photos stay as evidence, for staff.
    for (const seq of [0, 1]) {
      expect((await getRaw(proctor, `${path}/snapshots/id_face/${seq}`)).status).toBe(200);
    }
  });

  it('an ID document showing someone else becomes an id_document_mismatch flag', async () => {
    const { path } = await checkInWith(facePhoto(2), idDocumentPhoto(0));
    const [result] = await comparisons(path, 1);
    expect(result).toMatchObject({ faces: 1, match: false });
    expect(result.similarity).toBeLessThan(0.555);
    const flags = await settled(async () => {
      const list = await flagsOf(path);
      expect(list.map((f) => f.type)).toEqual(['id_document_mismatch']);
      return list;
    });
    expect(flags[0]).toMatchObject({ severity: 'high', source: 'server' });
    expect(flags[0]?.message).toMatch(
      /^The ID document does not match the face photo \(similarity/,
    );
    expect((flags[0] as any).evidence.snapshotIds).toHaveLength(2);
  });

  it('an ID document without a face becomes a flag too', async () => {
    const { path } = await checkInWith(facePhoto(0), idDocumentPhoto(null));
    const [result] = await comparisons(path, 1);
    expect(result).toMatchObject({ faces: 0, similarity: null });
    await settled(async () => {
      const list = await flagsOf(path);
      expect(list.map((f) => [f.type, f.message])).toEqual([
        [
          'id_document_mismatch',
          'The ID document does not match the face photo (no face found on the ID document)',
        ],
      ]);
    });
  });
});
