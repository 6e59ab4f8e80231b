import { eq, inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import {
  auditLog,
  deletionRecords,
  examSessions,
  mediaSegments,
  snapshots,
} from '../../src/db/schema.js';
import { completeCheckIn } from './check-in.js';
import { eventually } from './eventually.js';
import type { HttpClient } from './http-client.js';
import { jpegBytes, webmBytes } from './media-bytes.js';
import { blobFiles, putSegment, putSnapshot } from './recording.js';
import type { TestServer } from './test-server.js';

type Client = HttpClient & { userId: string; email: string };

/**
 * A finished attempt of `student` on `examId` with identity photos, a webcam segment and a
 * webcam snapshot. `flagged`: a no-face flag left undecided; `verdict`: the admin gives a
 * clean verdict (the attempt is reviewed).
 */
export async function finishedAttempt(
  server: TestServer,
  reviewer: HttpClient,
  examId: string,
  student: Client,
  opts: { flagged?: boolean; verdict?: boolean } = {},
): Promise<string> {
  const reg = await student.post(`/api/exams/${examId}/registrations`);
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const sessionId = reg.body.sessionId as string;
  const path = `/api/sessions/${sessionId}`;
  const now = server.clock.now().getTime();
  expect((await student.post(`${path}/transitions`, { to: 'checking_in' })).status).toBe(200);
  await completeCheckIn(student, sessionId, { takenMs: now });
  expect((await student.post(`${path}/transitions`, { to: 'in_progress' })).status).toBe(200);
  const seg = await putSegment(student, sessionId, 'webcam', 0, webmBytes(`${sessionId} cam`), {
    startMs: now,
    endMs: now + 6000,
  });
  expect(seg.status, JSON.stringify(seg.body)).toBe(201);
  const shot = await putSnapshot(student, sessionId, 'webcam', 0, jpegBytes(`${sessionId} shot`), {
    takenMs: now,
  });
  expect(shot.status, JSON.stringify(shot.body)).toBe(201);
  if (opts.flagged) {
    const t0 = now - 60_000;
    const sent = await student.post(`${path}/events`, {
      events: [true, false].map((active, i) => ({
        seq: i + 1,
        type: 'detect.state',
        at: t0 + i * 20_000,
        data: { detector: 'no_face', active, confidence: 0.9, model: 'test-model' },
      })),
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    await eventually(async () => {
      expect((await reviewer.get(`${path}/flags`)).body).toHaveLength(1);
    });
  }
  const ended = await student.post(`${path}/transitions`, { to: 'submitted' });
  expect(ended.status, JSON.stringify(ended.body)).toBe(200);
  if (opts.verdict) {
    const v = await reviewer.post(`${path}/verdict`, { verdict: 'clean', reason: 'all fine' });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
  }
  return sessionId;
}

/** What a session still holds: rows per kind, its blob files and whether a face descriptor is kept. */
export async function evidenceOf(server: TestServer, sessionId: string) {
  const db = server.instance.database.db;
  const segs = await db.select().from(mediaSegments).where(eq(mediaSegments.sessionId, sessionId));
  const shots = await db.select().from(snapshots).where(eq(snapshots.sessionId, sessionId));
  const [session] = await db.select().from(examSessions).where(eq(examSessions.id, sessionId));
  return {
    segments: segs.length,
    media: shots.filter((s) => s.kind === 'webcam' || s.kind === 'screen').length,
    identity: shots.filter((s) => s.kind === 'id_face' || s.kind === 'id_document').length,
    blobs: await blobFiles(server, sessionId),
    state: session?.state,
  };
}

/** The deletion records of a session, oldest first. */
export async function deletionRecordsOf(server: TestServer, sessionId: string) {
  const rows = await server.instance.database.db
    .select()
    .from(deletionRecords)
    .where(eq(deletionRecords.sessionId, sessionId));
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** Audit entries with one of `actions`, oldest first. */
export async function auditEntries(server: TestServer, actions: string[]) {
  const rows = await server.instance.database.db
    .select()
    .from(auditLog)
    .where(inArray(auditLog.action, actions))
    .orderBy(auditLog.id);
  return rows.map((r) => ({ ...r, data: r.data as Record<string, unknown> }));
}
