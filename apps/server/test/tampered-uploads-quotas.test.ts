import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type ProctoringPolicyInput } from '@invigil/contracts';
import {
  segmentQuota,
  snapshotQuota,
  type QuotaInputs,
} from '../src/services/recording/upload-quota.js';
import { inProgress } from './helpers/check-in.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { blobFiles, getRaw, putSegment, putSnapshot } from './helpers/recording.js';
import { MIN, useTamperedUploadsServer } from './helpers/tampered-uploads-fixture.js';
import { requestEngines } from './helpers/test-server.js';

/**
 * How much recording a tampered browser can store: every session has an allowance per track
 * and kind, in bytes and in sequence numbers, derived from the exam's length and policy; an
 * upload past it is refused (and recorded as evidence) while what was stored stays, and the
 * running totals it is checked against are exact under concurrent uploads.
 */
describe.each(requestEngines())('tampered uploads on %s', (engine) => {
  const uploads = useTamperedUploadsServer(engine);
  const { segmentRows, snapshotRows, refusals } = uploads;

  /** The quota inputs of a started session, as the server derives them. */
  async function quotaOf(
    f: { student: HttpClient; admin: HttpClient; examId: string; sessionId: string },
    policy: ProctoringPolicyInput,
  ): Promise<QuotaInputs> {
    const exam = (await f.admin.get(`/api/exams/${f.examId}`)).body;
    const session = (await f.student.get(`/api/sessions/${f.sessionId}`)).body;
    return {
      policy: { ...DEFAULT_POLICY, ...policy },
      durationMinutes: exam.durationMinutes,
      extraTimeMinutes: 0,
      pausedMs: 0,
      startedAt: new Date(session.startedAt),
      endedAt: null,
    };
  }

  it('refuses a segment past the session’s byte allowance (413 QUOTA_EXCEEDED), keeping the rest', async () => {
    const policy = { webcamBitrateKbps: 100 };
    const f = await inProgress(uploads.server, policy);
    const first = webmBytes('within the allowance');
    expect((await putSegment(f.student, f.sessionId, 'webcam', 0, first)).status).toBe(201);
    // More than the whole allowance a minute from now: over it whatever the timing.
    const inputs = await quotaOf(f, policy);
    const ahead = new Date(uploads.server.clock.now().getTime() + MIN);
    const size = segmentQuota(inputs, 'webcam', ahead).maxBytes + 1;
    const big = Buffer.concat([webmBytes('too much'), Buffer.alloc(size)]);
    const res = await putSegment(f.student, f.sessionId, 'webcam', 1, big);
    expectError(res, 413, 'QUOTA_EXCEEDED');
    expect(res.body.message).toMatch(/allowance.*contact your proctor/);
    expect(res.body.details).toMatchObject({
      limit: 'bytes',
      used: first.length,
      size: big.length,
    });
    expect(res.body.details.max).toBeLessThan(big.length);
    expect((await segmentRows(f.sessionId)).map((r) => r.seq)).toEqual([0]);
    expect(
      (await blobFiles(uploads.server, f.sessionId)).filter((b) => b.startsWith('media')),
    ).toHaveLength(1);
    const kept = await getRaw(f.student, `/api/sessions/${f.sessionId}/media/webcam/0`);
    expect(kept.bytes.equals(first)).toBe(true);
    expect((await refusals(f.sessionId)).map((e) => e.data)).toEqual([
      {
        target: 'media',
        track: 'webcam',
        seq: 1,
        code: 'QUOTA_EXCEEDED',
        sizeBytes: big.length,
        declaredType: 'video/webm',
      },
    ]);
    // The other tracks have their own allowance.
    expect(
      (await putSegment(f.student, f.sessionId, 'screen', 0, webmBytes('screen'))).status,
    ).toBe(201);
  });

  it('refuses sequence numbers past what the exam’s length allows (413 QUOTA_EXCEEDED)', async () => {
    const f = await inProgress(uploads.server);
    const inputs = await quotaOf(f, {});
    const now = uploads.server.clock.now();
    const { maxSeq } = segmentQuota(inputs, 'screen', now);
    // 90 minutes of 6 s segments, with headroom, three times over.
    expect(maxSeq).toBeGreaterThan(900 * 3);
    expect(
      (await putSegment(f.student, f.sessionId, 'screen', maxSeq, webmBytes('last'))).status,
    ).toBe(201);
    const past = await putSegment(f.student, f.sessionId, 'screen', maxSeq + 1, webmBytes('past'));
    expectError(past, 413, 'QUOTA_EXCEEDED');
    expect(past.body.details).toEqual({ limit: 'seq', max: maxSeq, seq: maxSeq + 1 });
    const shots = snapshotQuota(inputs, 'webcam', now).maxSeq;
    const shot = await putSnapshot(f.student, f.sessionId, 'webcam', shots + 1, jpegBytes('past'));
    expectError(shot, 413, 'QUOTA_EXCEEDED');
    expect(await blobFiles(uploads.server, f.sessionId)).toEqual(
      expect.not.arrayContaining([expect.stringContaining(`${maxSeq + 1}-`)]),
    );
  });

  it('counts what each track holds with a running total, exact under concurrent uploads', async () => {
    const f = await inProgress(uploads.server);
    const bodies = Array.from({ length: 12 }, (_, i) =>
      Buffer.concat([webmBytes(`parallel ${i}`), Buffer.alloc(1000 * (i + 1))]),
    );
    const shots = Array.from({ length: 6 }, (_, i) => jpegBytes(`parallel shot ${i}`));
    const results = await Promise.all([
      ...bodies.map((b, i) => putSegment(f.student, f.sessionId, 'webcam', i, b)),
      ...shots.map((b, i) => putSnapshot(f.student, f.sessionId, 'webcam', i, b)),
    ]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    // One upload after the other: each total is the one before plus its own size.
    const webcam = (await segmentRows(f.sessionId))
      .filter((r) => r.track === 'webcam')
      .sort((a, b) => a.trackBytes - b.trackBytes);
    expect(webcam).toHaveLength(bodies.length);
    webcam.forEach((r, i) =>
      expect(r.trackBytes - (webcam[i - 1]?.trackBytes ?? 0)).toBe(r.sizeBytes),
    );
    expect(webcam.at(-1)?.trackBytes).toBe(bodies.reduce((a, b) => a + b.length, 0));
    const kindTotals = (await snapshotRows(f.sessionId))
      .filter((r) => r.kind === 'webcam')
      .map((r) => r.kindBytes);
    expect(Math.max(...kindTotals)).toBe(shots.reduce((a, b) => a + b.length, 0));
    // The check-in photos count under their own kind.
    const face = (await snapshotRows(f.sessionId)).find((r) => r.kind === 'id_face');
    expect(face?.kindBytes).toBe(face?.sizeBytes);
  });
});
