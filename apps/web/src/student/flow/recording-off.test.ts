import { describe, expect, it } from 'vitest';
import type { CaptureSession } from '../../capture/capture-session';
import { noteRecordingEnded, whyRecordingOff } from './recording-off';

describe('why recording is off', () => {
  it('is a reload for a capture session this page never stopped', () => {
    expect(whyRecordingOff({} as CaptureSession)).toBe('reload');
  });

  it('is the end of the attempt once the ended page stopped it (a staff reopen follows)', () => {
    const capture = {} as CaptureSession;
    noteRecordingEnded(capture);
    expect(whyRecordingOff(capture)).toBe('ended');
    expect(whyRecordingOff({} as CaptureSession)).toBe('reload');
  });
});
