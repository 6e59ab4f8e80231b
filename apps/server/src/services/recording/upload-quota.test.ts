import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@invigil/contracts';
import {
  attemptSeconds,
  EVENT_DATA_MAX_BYTES,
  EVENT_HEADROOM_COUNT,
  eventQuota,
  HEADROOM_SECONDS,
  ID_PHOTO_MAX_SEQ,
  judgeEvents,
  judgeUpload,
  QUOTA_FACTOR,
  segmentQuota,
  snapshotQuota,
  type QuotaInputs,
} from './upload-quota.js';

const MIN = 60_000;
const t0 = new Date('2030-03-01T09:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

const build = (overrides: Partial<QuotaInputs> = {}): QuotaInputs => ({
  policy: DEFAULT_POLICY,
  durationMinutes: 60,
  extraTimeMinutes: 0,
  pausedMs: 0,
  startedAt: t0,
  endedAt: null,
  ...overrides,
});

/** What an honest browser records on a track in `seconds` (bitrate plus Opus), in bytes. */
const honestBytes = (kbps: number, seconds: number) => ((kbps * 1000) / 8) * seconds;

describe('attemptSeconds', () => {
  it('runs from the start to now, stops at the end, is zero before the start', () => {
    expect(attemptSeconds(build(), at(10))).toBe(600);
    expect(attemptSeconds(build({ endedAt: at(30) }), at(90))).toBe(1800);
    expect(attemptSeconds(build({ startedAt: null }), at(10))).toBe(0);
    expect(attemptSeconds(build(), at(-5))).toBe(0);
  });
});

describe('segmentQuota', () => {
  it('allows several times what the policy records so far, plus check-in headroom', () => {
    const q = segmentQuota(build(), 'webcam', at(30));
    const honest = honestBytes(DEFAULT_POLICY.webcamBitrateKbps + 32, 30 * 60);
    expect(q.maxBytes).toBeGreaterThan(honest * QUOTA_FACTOR);
    expect(q.maxBytes).toBeLessThan(honest * QUOTA_FACTOR * 2);
    const screen = segmentQuota(build(), 'screen', at(30));
    expect(screen.maxBytes).toBeGreaterThan(honestBytes(250, 1800) * QUOTA_FACTOR);
    expect(screen.maxBytes).toBeLessThan(q.maxBytes);
  });

  it('grows with the time the attempt has run, and stops growing at its end', () => {
    const early = segmentQuota(build(), 'webcam', at(1)).maxBytes;
    const later = segmentQuota(build(), 'webcam', at(20)).maxBytes;
    expect(later).toBeGreaterThan(early * 5);
    const ended = build({ endedAt: at(20) });
    expect(segmentQuota(ended, 'webcam', at(500)).maxBytes).toBe(later);
  });

  it('before the start, leaves room for a room scan and a few segments only', () => {
    const q = segmentQuota(build({ startedAt: null }), 'room_scan', at(0));
    // The guided room scan is 20 s of webcam video.
    expect(q.maxBytes).toBeGreaterThan(honestBytes(432, 20) * 10);
    expect(q.maxBytes).toBeLessThan(honestBytes(432, HEADROOM_SECONDS) * QUOTA_FACTOR * 2);
  });

  it('bounds sequence numbers by how long the attempt may last, pauses and extra time included', () => {
    const base = segmentQuota(build(), 'webcam', at(0)).maxSeq;
    // 60 min of 6 s segments = 600, with headroom, times the factor.
    expect(base).toBe(Math.ceil(((3600 + HEADROOM_SECONDS) / 6) * QUOTA_FACTOR));
    expect(segmentQuota(build({ extraTimeMinutes: 30 }), 'webcam', at(0)).maxSeq).toBe(
      Math.ceil(((5400 + HEADROOM_SECONDS) / 6) * QUOTA_FACTOR),
    );
    expect(segmentQuota(build({ pausedMs: 30 * MIN }), 'webcam', at(0)).maxSeq).toBe(
      Math.ceil(((5400 + HEADROOM_SECONDS) / 6) * QUOTA_FACTOR),
    );
    // An attempt already longer than planned (a pause still running) is not cut short.
    expect(segmentQuota(build(), 'webcam', at(180)).maxSeq).toBe(
      Math.ceil(((10_800 + HEADROOM_SECONDS) / 6) * QUOTA_FACTOR),
    );
    const shortSegments = { ...DEFAULT_POLICY, segmentSeconds: 2 };
    expect(segmentQuota(build({ policy: shortSegments }), 'webcam', at(0)).maxSeq).toBe(base * 3);
  });
});

describe('snapshotQuota', () => {
  it('counts periodic snapshots by interval, with headroom', () => {
    const q = snapshotQuota(build(), 'webcam', at(60));
    // 60 min every 10 s = 360 honest snapshots.
    expect(q.maxSeq).toBeGreaterThan(360 * QUOTA_FACTOR);
    expect(q.maxSeq).toBeLessThan(360 * QUOTA_FACTOR + 100);
    expect(q.maxBytes).toBeGreaterThan(360 * 50_000 * QUOTA_FACTOR);
    const slower = { ...DEFAULT_POLICY, snapshotIntervalSeconds: 60 };
    expect(snapshotQuota(build({ policy: slower }), 'screen', at(60)).maxSeq).toBeLessThan(
      q.maxSeq / 4,
    );
  });

  it('gives identity photos a fixed allowance', () => {
    expect(snapshotQuota(build({ startedAt: null }), 'id_face', at(0)).maxSeq).toBe(
      ID_PHOTO_MAX_SEQ,
    );
    expect(snapshotQuota(build(), 'id_document', at(600))).toEqual(
      snapshotQuota(build({ startedAt: null }), 'id_document', at(0)),
    );
  });
});

describe('judgeUpload', () => {
  const quota = { maxSeq: 10, maxBytes: 1000 };

  it('accepts up to the last sequence number and byte', () => {
    expect(judgeUpload(quota, { seq: 10, sizeBytes: 400, usedBytes: 600 })).toEqual({ ok: true });
  });

  it('names the limit broken, with what was asked', () => {
    expect(judgeUpload(quota, { seq: 11, sizeBytes: 1, usedBytes: 0 })).toEqual({
      ok: false,
      limit: 'seq',
      max: 10,
      seq: 11,
    });
    expect(judgeUpload(quota, { seq: 3, sizeBytes: 401, usedBytes: 600 })).toEqual({
      ok: false,
      limit: 'bytes',
      max: 1000,
      used: 600,
      size: 401,
    });
  });
});

describe('eventQuota', () => {
  /** The browser's rate, generously: a batch of five events every 2 s. */
  const HONEST_PER_SECOND = 5 / 2;
  /** Events an honest browser has numbered `seconds` into the attempt (after check-in's 40). */
  const honestSeq = (seconds: number) => 40 + Math.ceil(seconds * HONEST_PER_SECOND);

  it('before the start, allows the headroom only', () => {
    const q = eventQuota(build({ startedAt: null }), at(30));
    expect(q.maxSeq).toBe(Math.ceil(HEADROOM_SECONDS * 2.5 * QUOTA_FACTOR) + EVENT_HEADROOM_COUNT);
    expect(q.maxDataBytes).toBe(EVENT_DATA_MAX_BYTES);
  });

  it('fits a 2-hour exam at the browser’s rate at every moment, a reload and an outage included', () => {
    const exam = build({ durationMinutes: 120 });
    for (let s = 0; s <= 2 * 3600; s += 2) {
      expect(honestSeq(s), `${s} s`).toBeLessThanOrEqual(eventQuota(exam, at(s / 60)).maxSeq);
    }
    // 30 minutes offline, then a reload: the backlog and the new page's events arrive at once.
    const backlog = honestSeq(90 * 60) + 20;
    expect(backlog).toBeLessThanOrEqual(eventQuota(exam, at(90)).maxSeq);
    // The confirmation page after the end still reports a little.
    const ended = build({ durationMinutes: 120, endedAt: at(120) });
    expect(honestSeq(2 * 3600) + 200).toBeLessThanOrEqual(eventQuota(ended, at(135)).maxSeq);
  });

  it('grows with the time the attempt has run and stops at its end: no exam’s worth up front', () => {
    const early = eventQuota(build(), at(1)).maxSeq;
    const later = eventQuota(build(), at(60)).maxSeq;
    expect(later).toBeGreaterThan(early * 10);
    expect(eventQuota(build({ endedAt: at(60) }), at(600)).maxSeq).toBe(later);
    // A flood of 10 000 events at the start does not fit.
    expect(early).toBeLessThan(10_000);
  });
});

describe('judgeEvents', () => {
  const quota = { maxSeq: 10, maxDataBytes: 100 };
  const event = (seq: number, data: Record<string, unknown> = {}) => ({ seq, data });

  it('accepts a batch up to the last sequence number', () => {
    expect(judgeEvents(quota, [event(9), event(10, { note: 'x'.repeat(80) })])).toEqual({
      ok: true,
    });
  });

  it('refuses the whole batch past the last sequence number, naming the highest', () => {
    expect(judgeEvents(quota, [event(12), event(3), event(11)])).toEqual({
      ok: false,
      limit: 'events',
      max: 10,
      seq: 12,
    });
  });

  it('refuses an event carrying more data than allowed', () => {
    const big = event(4, { note: 'x'.repeat(100) });
    expect(judgeEvents(quota, [event(3), big])).toEqual({
      ok: false,
      limit: 'event_size',
      max: 100,
      seq: 4,
      size: JSON.stringify(big.data).length,
    });
  });
});
