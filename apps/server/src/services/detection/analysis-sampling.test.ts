import { describe, expect, it } from 'vitest';
import {
  bucketStartMs,
  sampleBucket,
  samplePointMs,
  samplingOffsetMs,
  type SamplingOrigin,
} from './analysis-sampling.js';

const MIN = 60_000;
const created = Date.UTC(2026, 0, 1, 9, 0, 0);
const started = created + 25 * MIN + 1234;
const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

describe('sampleBucket', () => {
  const running: SamplingOrigin = { startedMs: started, createdMs: created };
  const checkingIn: SamplingOrigin = { startedMs: null, createdMs: created };

  it('counts buckets from the start of the attempt, on the server clock', () => {
    expect(sampleBucket(started, running, MIN)).toBe(0);
    expect(sampleBucket(started + MIN - 1, running, MIN)).toBe(0);
    expect(sampleBucket(started + MIN, running, MIN)).toBe(1);
    expect(sampleBucket(started + 10 * MIN + 5, running, MIN)).toBe(10);
  });

  it('puts check-in (before the start) in buckets −1, −2 … from the session’s creation', () => {
    expect(sampleBucket(created, checkingIn, MIN)).toBe(-1);
    expect(sampleBucket(created + MIN, checkingIn, MIN)).toBe(-2);
    // The same receipt keeps its bucket once the attempt has started.
    expect(sampleBucket(created + MIN, running, MIN)).toBe(-2);
    expect(sampleBucket(started - 1, running, MIN)).toBe(-26);
    // A receipt a moment before the row's creation (another process's clock) stays pre-start.
    expect(sampleBucket(created - 5000, checkingIn, MIN)).toBe(-1);
  });

  it('is inverted by bucketStartMs', () => {
    for (const b of [-26, -3, -1]) {
      expect(sampleBucket(bucketStartMs(b, checkingIn, MIN), checkingIn, MIN)).toBe(b);
    }
    for (const b of [0, 1, 7, 120]) {
      expect(sampleBucket(bucketStartMs(b, running, MIN), running, MIN)).toBe(b);
      expect(bucketStartMs(b, running, MIN)).toBe(started + b * MIN);
    }
  });
});

describe('samplingOffsetMs', () => {
  const a = '6f1c1a52-7a55-4d1e-9b53-0d8c6e7a2a11';
  const b = '0b7f5f0e-3c4e-4f2a-8d55-9a1f3c2b4d66';

  it('lies within the interval and is the same every time (restarts, other processes)', () => {
    for (let bucket = -5; bucket < 50; bucket++) {
      const offset = samplingOffsetMs(key, a, bucket, MIN);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(MIN);
      expect(samplingOffsetMs(Buffer.from(key), a, bucket, MIN)).toBe(offset);
    }
  });

  it('differs between buckets, sessions and keys', () => {
    const buckets = Array.from({ length: 40 }, (_, i) => i);
    const ofA = buckets.map((i) => samplingOffsetMs(key, a, i, MIN));
    const ofB = buckets.map((i) => samplingOffsetMs(key, b, i, MIN));
    const withOtherKey = buckets.map((i) => samplingOffsetMs(otherKey, a, i, MIN));
    expect(new Set(ofA).size).toBeGreaterThan(35);
    expect(ofA.filter((o, i) => o === ofB[i]).length).toBeLessThan(3);
    expect(ofA.filter((o, i) => o === withOtherKey[i]).length).toBeLessThan(3);
  });

  it('spreads over the whole interval, not only its start', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => samplingOffsetMs(key, a, i, MIN));
    expect(offsets.filter((o) => o < MIN / 2).length).toBeGreaterThan(60);
    expect(offsets.filter((o) => o >= MIN / 2).length).toBeGreaterThan(60);
  });

  it('places the sample point at the bucket start plus the offset', () => {
    const origin = { startedMs: started, createdMs: created };
    expect(samplePointMs(key, a, 3, origin, MIN)).toBe(
      started + 3 * MIN + samplingOffsetMs(key, a, 3, MIN),
    );
  });
});
