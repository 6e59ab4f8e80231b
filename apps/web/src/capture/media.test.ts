import { describe, expect, it } from 'vitest';
import { describeMediaError, pickMimeType } from './media';
import { healthHeadline } from './upload-health';
import type { QueueStatus } from './upload-queue';

describe('recording formats', () => {
  it('prefers WebM VP8 with Opus for the webcam and VP8 alone for the screen', () => {
    const all = () => true;
    expect(pickMimeType(true, true, all)).toBe('video/webm;codecs=vp8,opus');
    expect(pickMimeType(true, false, all)).toBe('video/webm;codecs=vp8');
    expect(pickMimeType(false, true, all)).toBe('audio/webm;codecs=opus');
  });

  it('falls back to MP4 where WebM is missing, and to null where nothing records', () => {
    expect(pickMimeType(true, true, (t) => t === 'video/mp4')).toBe('video/mp4');
    expect(pickMimeType(true, true, () => false)).toBeNull();
  });
});

describe('device errors', () => {
  it('explains a refused permission with where to allow it', () => {
    const denied = new DOMException('Permission denied', 'NotAllowedError');
    expect(describeMediaError(denied, 'camera').fix).toContain('Allow');
    expect(describeMediaError(denied, 'screen').fix).toContain('Entire screen');
    const busy = new DOMException('Could not start', 'NotReadableError');
    expect(describeMediaError(busy, 'camera').what).toContain('in use');
  });
});

describe('upload health', () => {
  const base: QueueStatus = {
    pending: 0,
    pendingBytes: 0,
    pendingMediaMs: 0,
    backlogWarning: false,
    uploading: false,
    offline: false,
    lastError: null,
    refusal: null,
    lastAckAt: null,
    uploadedBytes: 0,
    measuredKbps: null,
    ready: true,
  };
  it('says all uploaded, uploading N items, or offline', () => {
    expect(healthHeadline(base)).toBe('All uploaded');
    expect(healthHeadline({ ...base, pending: 1 })).toBe('Uploading 1 item');
    expect(healthHeadline({ ...base, pending: 4 })).toBe('Uploading 4 items');
    expect(healthHeadline({ ...base, pending: 4, offline: true })).toBe(
      "Offline — recordings are kept on this computer and will upload when you're back online",
    );
  });

  it('never says all uploaded after the server refused something for good', () => {
    const refused = { ...base, refusal: 'Over the allowance. Tell your proctor.' };
    expect(healthHeadline(refused)).toBe('Upload refused');
    expect(healthHeadline({ ...refused, pending: 2 })).toBe('Uploading 2 items');
  });
});
