import { describe, expect, it } from 'vitest';
import { missingCheckInSteps, type CheckInEvidence } from './check-in.js';
import { recordedAfter, RECORDED_AFTER_TOLERANCE_MS } from '../live/intervention-evidence.js';

const all: CheckInEvidence = {
  idFace: true,
  idDocument: true,
  roomScan: true,
  systemCheck: 'passed',
};
const policy = { identityCheck: true, roomScan: true };

describe('missingCheckInSteps', () => {
  it('is empty when every required step reached the server', () => {
    expect(missingCheckInSteps(policy, all)).toEqual([]);
  });

  it('names the missing steps in check-in order', () => {
    const none: CheckInEvidence = {
      idFace: false,
      idDocument: false,
      roomScan: false,
      systemCheck: null,
    };
    expect(missingCheckInSteps(policy, none)).toEqual([
      'system_check',
      'identity_face',
      'identity_document',
      'room_scan',
    ]);
  });

  it('asks only for what the policy requires, but always for a passed system check', () => {
    const none: CheckInEvidence = { ...all, idFace: false, idDocument: false, roomScan: false };
    expect(missingCheckInSteps({ identityCheck: false, roomScan: false }, none)).toEqual([]);
    expect(
      missingCheckInSteps(
        { identityCheck: false, roomScan: false },
        { ...none, systemCheck: 'failed' },
      ),
    ).toEqual(['system_check']);
  });
});

describe('recordedAfter', () => {
  const request = 1_900_000_000_000;

  it('accepts a recording started after the request on the browser’s clock', () => {
    expect(recordedAfter(request + 1000, request, 0)).toBe(true);
    // A browser clock 3 minutes slow: its times are shifted by its measured offset.
    expect(recordedAfter(request - 180_000 + 1000, request, -180_000)).toBe(true);
  });

  it('refuses one started before the request, beyond the tolerance', () => {
    expect(recordedAfter(request - RECORDED_AFTER_TOLERANCE_MS + 1, request, 0)).toBe(true);
    expect(recordedAfter(request - RECORDED_AFTER_TOLERANCE_MS - 1, request, 0)).toBe(false);
    expect(recordedAfter(request - 5 * 60_000, request, 0)).toBe(false);
  });
});
