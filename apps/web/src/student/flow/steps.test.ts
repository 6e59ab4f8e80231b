import { DEFAULT_POLICY, ProctoringPolicy, type MyRegistration } from '@invigil/contracts';
import { describe, expect, it } from 'vitest';
import { attemptAction } from '../my-exams';
import { currentStep, stepsFor } from './check-in';
import { recordedItems } from './consent-step';

const done = { consent: false, check: false, identity: false, room: false };

describe('check-in steps', () => {
  it('follow the policy', () => {
    expect(stepsFor(DEFAULT_POLICY)).toEqual(['consent', 'check', 'identity', 'start']);
    expect(stepsFor(ProctoringPolicy.parse({ identityCheck: false, roomScan: true }))).toEqual([
      'consent',
      'check',
      'room',
      'start',
    ]);
  });

  it('resume at the first step not done; the system check is redone after a reload', () => {
    const steps = stepsFor(ProctoringPolicy.parse({ roomScan: true }));
    expect(currentStep(steps, done)).toBe('consent');
    expect(currentStep(steps, { ...done, consent: true })).toBe('check');
    expect(currentStep(steps, { ...done, consent: true, check: true, identity: true })).toBe(
      'room',
    );
    expect(currentStep(steps, { consent: true, check: true, identity: true, room: true })).toBe(
      'start',
    );
  });

  it('the privacy notice lists what the policy records', () => {
    const items = recordedItems(DEFAULT_POLICY).join(' ');
    expect(items).toContain('webcam and sound from your microphone');
    expect(items).toContain('entire screen');
    expect(items).toContain('every 10 seconds');
    expect(items).toContain('identity document');
    expect(items).not.toContain('room');
    const screenOnly = recordedItems(
      ProctoringPolicy.parse({ webcam: false, microphone: false, identityCheck: false }),
    ).join(' ');
    expect(screenOnly).not.toContain('webcam and sound');
  });
});

describe('My exams action', () => {
  const hour = 3_600_000;
  const now = Date.parse('2030-06-01T10:00:00Z');
  const reg = (sessionState: MyRegistration['sessionState'], open = true): MyRegistration =>
    ({
      id: 'r',
      examId: 'e',
      studentId: 's',
      status: 'active',
      createdAt: '2030-05-01T00:00:00Z',
      cancelledAt: null,
      sessionId: 'x',
      sessionState,
      extraTimeMinutes: 0,
      exam: {
        id: 'e',
        title: 'T',
        description: '',
        opensAt: new Date(now - hour).toISOString(),
        closesAt: new Date(open ? now + hour : now - 1).toISOString(),
        durationMinutes: 60,
        registrationDeadline: new Date(now).toISOString(),
        status: 'published',
      },
    }) as MyRegistration;

  it('starts, continues or resumes while the window is open', () => {
    expect(attemptAction(reg('registered'), now)?.label).toBe('Start exam');
    expect(attemptAction(reg('checking_in'), now)?.label).toBe('Continue check-in');
    expect(attemptAction(reg('paused'), now)?.label).toBe('Resume exam');
    expect(attemptAction(reg('registered', false), now)).toBeNull();
  });

  it('offers the upload status once the attempt is over (the result has its own link)', () => {
    expect(attemptAction(reg('submitted', false), now)?.label).toBe('Upload status');
    expect(attemptAction(reg('terminated', false), now)?.label).toBe('Upload status');
    expect(attemptAction({ ...reg('registered'), status: 'cancelled' }, now)).toBeNull();
  });
});
