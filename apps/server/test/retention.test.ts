import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetentionRunReport } from '@invigil/contracts';
import { deletionRecords, examSessions, sessionReviews } from '../src/db/schema.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  auditEntries,
  deletionRecordsOf,
  evidenceOf,
  finishedAttempt,
} from './helpers/retention-fixtures.js';
import { sha256 } from './helpers/recording.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

const DAY = 24 * 3_600_000;

describe.each(engines())('retention and legal holds on %s', (engine) => {
  let server: TestServer;
  let admin: HttpClient;
  let examId: string;
  let heldExamId: string;
  /** Reviewed, no hold: its identity evidence goes after 90 days, its media after 365. */
  let expiring: string;
  /** Reviewed, under a legal hold of its own. */
  let held: string;
  /** Reviewed, on an exam under a legal hold. */
  let onHeldExam: string;
  /** Finished with an undecided flag: kept while the review waits. */
  let undecided: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    const now = server.clock.now().getTime();
    examId = (await admin.post('/api/exams', buildExam({ title: 'Kept a while' }, now))).body.id;
    heldExamId = (await admin.post('/api/exams', buildExam({ title: 'Disputed' }, now))).body.id;
    const attempt = async (exam: string, opts: { flagged?: boolean; verdict?: boolean }) =>
      finishedAttempt(server, admin, exam, await server.signedIn('student'), opts);
    expiring = await attempt(examId, { verdict: true });
    held = await attempt(examId, { verdict: true });
    onHeldExam = await attempt(heldExamId, { verdict: true });
    undecided = await attempt(examId, { flagged: true });
    // A face descriptor, as server analysis would have enrolled (it is off in tests).
    await server.instance.database.db
      .update(examSessions)
      .set({ enrolledEmbedding: [0.1, 0.2, 0.3] })
      .where(eq(examSessions.id, expiring));
  });
  afterAll(async () => server?.close());

  /** Move the clock, sign in again (sessions expire meanwhile) and run the sweep. */
  async function sweepAfter(days: number): Promise<RetentionRunReport> {
    server.clock.advance(days * DAY);
    admin = await server.signedIn('admin');
    const res = await admin.post('/api/retention/run');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as RetentionRunReport;
  }

  it('places legal holds with a reason, audited; staff read them', async () => {
    expectError(
      await admin.put(`/api/sessions/${held}/hold`, { reason: ' ' }),
      400,
      'VALIDATION_FAILED',
    );
    const placed = await admin.put(`/api/sessions/${held}/hold`, { reason: 'Appeal pending' });
    expect(placed.status, JSON.stringify(placed.body)).toBe(200);
    expect(placed.body).toMatchObject({ reason: 'Appeal pending', placedBy: expect.any(String) });
    const onExam = await admin.put(`/api/exams/${heldExamId}/hold`, { reason: 'Court order 7' });
    expect(onExam.status, JSON.stringify(onExam.body)).toBe(200);

    const read = await admin.get(`/api/sessions/${onHeldExam}/hold`);
    expect(read.body).toMatchObject({ session: null, exam: { reason: 'Court order 7' } });
    const exam = await admin.get(`/api/exams/${heldExamId}`);
    expect(exam.body.legalHold).toMatchObject({ reason: 'Court order 7' });
    expectError(await admin.delete(`/api/sessions/${expiring}/hold`), 409, 'LEGAL_HOLD_NOT_PLACED');

    const entries = await auditEntries(server, ['legal_hold.place']);
    expect(entries.map((e) => [e.entityType, e.entityId, e.data])).toEqual([
      ['session', held, { reason: 'Appeal pending' }],
      ['exam', heldExamId, { reason: 'Court order 7' }],
    ]);
  });

  it('sets per-exam retention through the exam and institution defaults through settings', async () => {
    const defaults = await admin.get('/api/settings/retention');
    expect(defaults.body).toEqual({
      mediaDaysAfterVerdict: 365,
      identityDays: 90,
      undecidedDays: 730,
    });
    const patched = await admin.patch(`/api/exams/${heldExamId}`, {
      retention: { mediaDaysAfterVerdict: 30, identityDays: 30, undecidedDays: null },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.retention).toEqual({
      mediaDaysAfterVerdict: 30,
      identityDays: 30,
      undecidedDays: null,
    });
    expectError(
      await admin.patch(`/api/exams/${examId}`, {
        retention: { mediaDaysAfterVerdict: 0, identityDays: 1, undecidedDays: 1 },
      }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('deletes identity evidence after its days, keeping media, verdicts and held sessions', async () => {
    const report = await sweepAfter(91);
    expect(report.sessions.identity).toBe(1);
    expect(report.sessions.media_after_verdict).toBe(0);
    // Counted per rule: the held session's identity, the held exam's identity and media (its
    // 30 days are up), the flagged attempt's identity.
    expect(report.skipped).toEqual({ legalHold: 3, undecidedReview: 1 });

    const gone = await evidenceOf(server, expiring);
    expect(gone).toMatchObject({ identity: 0, segments: 1, media: 1 });
    expect(gone.blobs.filter((b) => b.startsWith('snapshots/id_'))).toEqual([]);
    const [row] = await server.instance.database.db
      .select()
      .from(examSessions)
      .where(eq(examSessions.id, expiring));
    expect(row?.enrolledEmbedding).toBeNull();
    for (const kept of [held, onHeldExam, undecided]) {
      expect(await evidenceOf(server, kept)).toMatchObject({ identity: 2, segments: 1, media: 1 });
    }
  });

  it('deletes media a year after the verdict (blobs and rows); the verdict and records stay', async () => {
    const before = (await evidenceOf(server, held)).blobs;
    const report = await sweepAfter(275);
    expect(report.sessions.media_after_verdict).toBe(1);
    expect(report.deleted.segments).toBe(1);
    expect(report.deleted.snapshots).toBe(1);

    const after = await evidenceOf(server, expiring);
    expect(after).toMatchObject({
      segments: 0,
      media: 0,
      identity: 0,
      blobs: [],
      state: 'reviewed',
    });
    const [review] = await server.instance.database.db
      .select()
      .from(sessionReviews)
      .where(eq(sessionReviews.sessionId, expiring));
    expect(review?.verdict).toBe('clean');
    expect((await evidenceOf(server, held)).blobs).toEqual(before);
    expect(await evidenceOf(server, undecided)).toMatchObject({ identity: 2, segments: 1 });

    const records = await deletionRecordsOf(server, expiring);
    expect(records.map((r) => [r.rule, r.trigger, r.items, r.pendingKeys])).toEqual([
      ['identity', 'admin', 3, []],
      ['media_after_verdict', 'admin', 2, []],
    ]);
    expect(records[0]?.kinds).toEqual({
      'snapshots.id_face': 1,
      'snapshots.id_document': 1,
      faceDescriptor: 1,
    });
    expect(records.every((r) => r.completedAt !== null && r.bytes >= 0)).toBe(true);
    const deletes = await auditEntries(server, ['retention.delete']);
    expect(deletes.filter((e) => e.entityId === expiring).map((e) => e.data.rule)).toEqual([
      'identity',
      'media_after_verdict',
    ]);
    const runs = await auditEntries(server, ['retention.run']);
    expect(runs.at(-1)?.data).toMatchObject({ runId: report.runId, skipped: report.skipped });
  });

  it('resumes once a hold is lifted, finishes interrupted deletions, and tolerates missing blobs', async () => {
    // An interrupted run: rows gone and recorded, one blob still stored.
    const orphan = `sessions/${held}/media/webcam/99-orphan.webm`;
    const bytes = Buffer.from('left behind');
    await server.instance.blobs.put(orphan, bytes, {
      contentType: 'video/webm',
      sha256: sha256(bytes),
    });
    await server.instance.database.db.insert(deletionRecords).values({
      runId: randomUUID(),
      sessionId: held,
      examId,
      rule: 'media_after_verdict',
      trigger: 'job',
      kinds: { 'segments.webcam': 1 },
      items: 1,
      bytes: bytes.length,
      pendingKeys: [orphan, `sessions/${held}/media/webcam/98-already-gone.webm`],
      createdAt: server.clock.now(),
    });
    const lifted = await admin.delete(`/api/sessions/${held}/hold`);
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);

    const report = await sweepAfter(1);
    expect(report.resumed).toBe(1);
    expect(report.sessions).toMatchObject({ media_after_verdict: 1, identity: 1 });
    expect(report.skipped).toEqual({ legalHold: 2, undecidedReview: 1 });
    expect(await evidenceOf(server, held)).toMatchObject({ segments: 0, identity: 0, blobs: [] });
    expect(await evidenceOf(server, onHeldExam)).toMatchObject({ segments: 1, identity: 2 });
    const lifts = await auditEntries(server, ['legal_hold.lift']);
    expect(lifts.map((e) => [e.entityId, e.data.reason])).toEqual([[held, 'Appeal pending']]);

    const again = await sweepAfter(0);
    expect(again.resumed).toBe(0);
    expect(Object.values(again.sessions).every((n) => n === 0)).toBe(true);
  });

  it('deletes what an attempt without a verdict left once its undecided days run out', async () => {
    // Deciding the flag leaves the attempt without a verdict and without a pending decision.
    const flags = await admin.get(`/api/sessions/${undecided}/flags`);
    const decided = await admin.post(`/api/flags/${flags.body[0].id}/review`, {
      decision: 'dismissed',
      comment: 'glare',
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    // Under review now (a reviewer started): still waiting for a verdict, so kept.
    let report = await sweepAfter(1);
    expect(report.sessions.undecided).toBe(0);
    expect(report.skipped.undecidedReview).toBe(1);
    await server.instance.database.db
      .update(examSessions)
      .set({ state: 'submitted' })
      .where(eq(examSessions.id, undecided));
    report = await sweepAfter(366);
    expect(report.sessions.undecided).toBe(1);
    expect(await evidenceOf(server, undecided)).toMatchObject({
      segments: 0,
      media: 0,
      identity: 0,
      blobs: [],
    });
  });
});
