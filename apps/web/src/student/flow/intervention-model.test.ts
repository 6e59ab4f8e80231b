import { describe, expect, it } from 'vitest';
import type { ExamSession, Intervention } from '@invigil/contracts';
import {
  isNewerSession,
  latestMessage,
  mergeInterventions,
  nextPrompt,
  pendingReEnrol,
  pendingRoomScan,
  pendingWarning,
} from './intervention-model';

let n = 0;
function build(overrides: Partial<Intervention> = {}): Intervention {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    sessionId: '00000000-0000-4000-8000-aaaaaaaaaaaa',
    examId: '00000000-0000-4000-8000-bbbbbbbbbbbb',
    kind: 'warning',
    message: `message ${n}`,
    by: { id: '00000000-0000-4000-8000-cccccccccccc', name: 'Proctor' },
    createdAt: `2030-01-01T10:00:${String(n % 60).padStart(2, '0')}.000Z`,
    acknowledgedAt: null,
    completedAt: null,
    cancelledAt: null,
    cancelledBy: null,
    minutes: null,
    ...overrides,
  };
}

describe('intervention model', () => {
  it('merges fetched and live interventions idempotently, oldest first', () => {
    const a = build({ createdAt: '2030-01-01T10:00:01.000Z' });
    const b = build({ createdAt: '2030-01-01T10:00:02.000Z' });
    const acked = { ...a, acknowledgedAt: '2030-01-01T10:00:05.000Z' };
    expect(mergeInterventions([b], [a])).toEqual([a, b]);
    expect(mergeInterventions([a, b], [acked, b])).toEqual([acked, b]);
    expect(mergeInterventions([], [])).toEqual([]);
    // A replayed older copy does not bring back an acknowledged warning.
    expect(mergeInterventions([acked], [a])).toEqual([acked]);
    const done = { ...a, acknowledgedAt: null, completedAt: '2030-01-01T10:00:09.000Z' };
    expect(mergeInterventions([acked], [done])[0]).toMatchObject({
      acknowledgedAt: acked.acknowledgedAt,
      completedAt: done.completedAt,
    });
  });

  it('shows warnings one at a time, the oldest unacknowledged first', () => {
    const first = build({ createdAt: '2030-01-01T10:00:01.000Z' });
    const second = build({ createdAt: '2030-01-01T10:00:02.000Z' });
    expect(pendingWarning([first, second])).toBe(first);
    const acked = { ...first, acknowledgedAt: '2030-01-01T10:00:03.000Z' };
    expect(pendingWarning([acked, second])).toBe(second);
    expect(pendingWarning([acked])).toBeNull();
  });

  it('asks for the newest room scan not yet completed', () => {
    const old = build({ kind: 'room_scan', createdAt: '2030-01-01T10:00:01.000Z' });
    const newer = build({ kind: 'room_scan', createdAt: '2030-01-01T10:00:02.000Z' });
    expect(pendingRoomScan([old, newer])).toBe(newer);
    const done = { ...newer, completedAt: '2030-01-01T10:01:00.000Z' };
    expect(pendingRoomScan([old, done])).toBe(old);
    expect(pendingRoomScan([done])).toBeNull();
  });

  it('puts warnings before room scans, and room scans only while the exam runs', () => {
    const scan = build({ kind: 'room_scan', createdAt: '2030-01-01T10:00:01.000Z' });
    const warning = build({ createdAt: '2030-01-01T10:00:02.000Z' });
    expect(nextPrompt([scan, warning], 'in_progress')).toEqual({
      kind: 'warning',
      intervention: warning,
    });
    expect(nextPrompt([scan], 'in_progress')).toEqual({ kind: 'room_scan', intervention: scan });
    expect(nextPrompt([scan], 'paused')).toBeNull();
    expect(nextPrompt([scan, warning], 'paused')?.kind).toBe('warning');
    expect(nextPrompt([scan, warning], 'terminated')).toBeNull();
    expect(nextPrompt([], 'in_progress')).toBeNull();
  });

  it('asks for new identity photos after warnings, before room scans, also while paused', () => {
    const scan = build({ kind: 'room_scan', createdAt: '2030-01-01T10:00:01.000Z' });
    const photos = build({ kind: 're_enrol', createdAt: '2030-01-01T10:00:02.000Z' });
    const again = build({ kind: 're_enrol', createdAt: '2030-01-01T10:00:03.000Z' });
    const warning = build({ createdAt: '2030-01-01T10:00:04.000Z' });
    expect(pendingReEnrol([photos, again])).toBe(again);
    expect(nextPrompt([scan, photos, warning], 'in_progress')?.kind).toBe('warning');
    expect(nextPrompt([scan, photos], 'in_progress')).toEqual({
      kind: 're_enrol',
      intervention: photos,
    });
    expect(nextPrompt([scan, photos], 'paused')?.kind).toBe('re_enrol');
    const done = { ...photos, completedAt: '2030-01-01T10:02:00.000Z' };
    expect(nextPrompt([scan, done], 'in_progress')?.kind).toBe('room_scan');
    expect(nextPrompt([photos], 'submitted')).toBeNull();
  });

  it('finds the note of the latest pause or termination', () => {
    const list = [
      build({ kind: 'pause', message: 'first pause' }),
      build({ kind: 'resume', message: null }),
      build({ kind: 'pause', message: null }),
      build({ kind: 'terminate', message: 'Phone in use' }),
    ];
    expect(latestMessage(list, 'pause')).toBeNull();
    expect(latestMessage(list.slice(0, 2), 'pause')).toBe('first pause');
    expect(latestMessage(list, 'terminate')).toBe('Phone in use');
    expect(latestMessage([], 'terminate')).toBeNull();
  });

  it('ignores session states older than the one shown', () => {
    const current: ExamSession = {
      id: 's',
      registrationId: 'r',
      examId: 'e',
      studentId: 'u',
      state: 'paused',
      attempt: 1,
      supersededAt: null,
      consentedAt: null,
      startedAt: '2030-01-01T09:00:00.000Z',
      deadlineAt: '2030-01-01T10:30:00.000Z',
      endedAt: null,
      updatedAt: '2030-01-01T10:00:00.000Z',
    };
    const older = {
      ...current,
      state: 'in_progress' as const,
      updatedAt: '2030-01-01T09:00:00.000Z',
    };
    const resumed = {
      ...current,
      state: 'in_progress' as const,
      deadlineAt: '2030-01-01T10:35:00.000Z',
      updatedAt: '2030-01-01T10:05:00.000Z',
    };
    expect(isNewerSession(current, older)).toBe(false);
    expect(isNewerSession(current, resumed)).toBe(true);
    expect(isNewerSession(current, current)).toBe(false);
    expect(isNewerSession(current, { ...resumed, id: 'other' })).toBe(false);
  });

  it('stops asking for a request staff withdrew, also when an older copy arrives later', () => {
    const scan = build({ kind: 'room_scan' });
    expect(nextPrompt([scan], 'in_progress')).toEqual({ kind: 'room_scan', intervention: scan });
    const withdrawn = { ...scan, cancelledAt: '2030-01-01T10:05:00.000Z' };
    const list = mergeInterventions(mergeInterventions([scan], [withdrawn]), [scan]);
    expect(list[0]?.cancelledAt).toBe(withdrawn.cancelledAt);
    expect(nextPrompt(list, 'in_progress')).toBeNull();
  });

  it('shows the reason a reopened attempt was given while it waits, paused', () => {
    const list = [
      build({ kind: 'terminate', message: 'Camera off' }),
      build({ kind: 'reopen', message: 'Our mistake, carry on' }),
    ];
    expect(latestMessage(list, 'pause')).toBe('Our mistake, carry on');
    expect(latestMessage(list, 'terminate')).toBe('Camera off');
  });
});
