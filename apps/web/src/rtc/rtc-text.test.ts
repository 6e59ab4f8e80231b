import { describe, expect, it } from 'vitest';
import type { RtcLink } from '@invigil/contracts';
import { linkBadgeText, studentEndedNotice } from './rtc-text';

const link = (overrides: Partial<RtcLink> = {}): RtcLink => ({
  id: '33333333-3333-4333-8333-333333333333',
  sessionId: '22222222-2222-4222-8222-222222222222',
  examId: '11111111-1111-4111-8111-111111111111',
  kind: 'view',
  proctor: { id: '44444444-4444-4444-8444-444444444444', name: 'Pat Proctor' },
  proctorCamera: false,
  state: 'live',
  startedAt: '2030-01-01T00:00:00.000Z',
  connectedAt: null,
  endedAt: null,
  endReason: null,
  detail: null,
  ...overrides,
});
const quinn = { id: '55555555-5555-4555-8555-555555555555', name: 'Quinn' };

describe('linkBadgeText', () => {
  it('names who watches and who calls, each once', () => {
    expect(linkBadgeText([])).toBeNull();
    expect(linkBadgeText([link({ state: 'ended' })])).toBeNull();
    expect(linkBadgeText([link()])).toBe('Being watched by Pat Proctor');
    expect(linkBadgeText([link(), link({ kind: 'call' }), link({ proctor: quinn })])).toBe(
      'In call with Pat Proctor · watched by Quinn',
    );
  });
});

describe('studentEndedNotice', () => {
  it('explains failures and timeouts only, with the link’s own reason', () => {
    expect(studentEndedNotice(link({ endReason: 'hung_up' }), false)).toBeNull();
    expect(
      studentEndedNotice(link({ kind: 'call', endReason: 'failed', detail: 'ICE failed.' }), false),
    ).toMatch(/^The call with Pat Proctor \(proctor\) ended because .* ICE failed\. Your exam/);
    expect(studentEndedNotice(link({ kind: 'call', endReason: 'timeout' }), true)).toMatch(
      /^You missed a call from Pat Proctor/,
    );
  });
});
