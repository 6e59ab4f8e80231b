import type { ProctoringPolicyInput } from '@invigil/contracts';
import { facePhoto } from './detection-images.js';
import { buildExam } from './factories.js';
import type { HttpClient } from './http-client.js';
import { jpegBytes, webmBytes } from './media-bytes.js';
import { putSegment, putSnapshot, recordingFixture } from './recording.js';
import type { TestServer } from './test-server.js';

/**
 * Do every check-in step a policy can require, as the student's browser does: consent, a
 * passed system check (a client event), the face and ID document photos, and a room scan
 * segment. Steps the policy does not need are harmless. Throws on any refusal.
 */
export async function completeCheckIn(
  student: HttpClient,
  sessionId: string,
  /** `eventSeq`: the system check event's sequence number (when the test sent events already). */
  opts: { roomScan?: boolean; takenMs?: number; eventSeq?: number } = {},
): Promise<void> {
  const takenMs = opts.takenMs ?? Date.now();
  const ok = (what: string, res: { status: number; body: unknown }) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  ok('consent', await student.post(`/api/sessions/${sessionId}/consent`));
  ok(
    'system check',
    await student.post(`/api/sessions/${sessionId}/events`, {
      events: [{ seq: opts.eventSeq ?? 0, type: 'system_check.passed', at: takenMs, data: {} }],
    }),
  );
  for (const kind of ['id_face', 'id_document'] as const) {
    // A real face: with server analysis on, a face photo without one is refused (422).
    const bytes = kind === 'id_face' ? facePhoto(0) : jpegBytes(`${sessionId} ${kind}`);
    ok(kind, await putSnapshot(student, sessionId, kind, 0, bytes, { takenMs }));
  }
  if (opts.roomScan) {
    ok(
      'room scan',
      await putSegment(student, sessionId, 'room_scan', 0, webmBytes(`${sessionId} room`), {
        startMs: takenMs,
        endMs: takenMs + 6000,
      }),
    );
  }
}

/**
 * A recording fixture (published exam, assigned proctor and instructor, one student) whose
 * session has passed check-in and is in progress. `policy` overrides the exam's policy.
 */
export async function inProgress(server: TestServer, policy: ProctoringPolicyInput = {}) {
  const f = await recordingFixture(server, buildExam({ policy }, server.clock.now().getTime()));
  const moved = await f.move(f.student, 'checking_in');
  if (moved.status !== 200)
    throw new Error(`check-in: ${moved.status} ${JSON.stringify(moved.body)}`);
  await completeCheckIn(f.student, f.sessionId, {
    roomScan: policy.roomScan === true,
    takenMs: server.clock.now().getTime(),
  });
  const started = await f.move(f.student, 'in_progress');
  if (started.status !== 200)
    throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  return f;
}
