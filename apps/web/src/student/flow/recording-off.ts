import type { CaptureSession } from '../../capture/capture-session';

/** Capture sessions whose recording this page stopped because the attempt ended. */
const endedHere = new WeakSet<CaptureSession>();

/** Notes that the attempt's end stopped `capture` (the ended page releases the streams). */
export function noteRecordingEnded(capture: CaptureSession): void {
  endedHere.add(capture);
}

/**
 * Why the streams of a running attempt are gone, for the words that ask to turn them back
 * on: `ended` when this page stopped them at the attempt's end and staff reopened it since,
 * `reload` otherwise (a new page never had them).
 */
export function whyRecordingOff(capture: CaptureSession): 'ended' | 'reload' {
  return endedHere.has(capture) ? 'ended' : 'reload';
}
