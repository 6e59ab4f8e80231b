import { useEffect, useRef, useState } from 'react';
import type { CaptureSettings } from '@invigil/contracts';
import type { CaptureSession } from '../../capture/capture-session';
import { StepHeading } from './step-heading';
import { StreamPreview } from './stream-preview';

/** Length of the room scan. */
export const ROOM_SCAN_MS = 20_000;

/**
 * The guided room scan: ~20 s of camera video, stored as track room_scan. Used at check-in
 * and when a proctor asks for one during the exam (`doneLabel` names what Continue does there).
 */
export function RoomScanStep({
  capture,
  policy,
  onDone,
  doneLabel = 'Continue',
}: {
  capture: CaptureSession;
  policy: CaptureSettings;
  onDone: () => void;
  doneLabel?: string;
}) {
  const [phase, setPhase] = useState<'ready' | 'recording' | 'done'>('ready');
  const [left, setLeft] = useState(ROOM_SCAN_MS / 1000);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const camera = capture.getSources().camera;

  useEffect(() => () => abort.current?.abort(), []);

  const start = async () => {
    setError(null);
    setPhase('recording');
    setLeft(ROOM_SCAN_MS / 1000);
    const controller = new AbortController();
    abort.current = controller;
    const started = Date.now();
    const tick = window.setInterval(() => {
      setLeft(Math.max(0, Math.ceil((ROOM_SCAN_MS - (Date.now() - started)) / 1000)));
    }, 250);
    try {
      const segments = await capture.recordRoomScan(ROOM_SCAN_MS, controller.signal);
      if (controller.signal.aborted) return;
      if (segments === 0) throw new Error('Nothing was recorded.');
      setPhase('done');
    } catch (e) {
      setError(
        `The room scan could not be recorded: ${e instanceof Error ? e.message : String(e)}`,
      );
      setPhase('ready');
    } finally {
      window.clearInterval(tick);
    }
  };

  // Announce the countdown every five seconds, not every second.
  const spoken = phase === 'recording' ? Math.ceil(left / 5) * 5 : null;

  return (
    <section className="card" aria-labelledby="room-heading">
      <StepHeading id="room-heading">Room scan</StepHeading>
      <p>
        Show the exam staff the room you are in. When you press Start, the camera records for{' '}
        {ROOM_SCAN_MS / 1000} seconds{policy.microphone ? ' (with sound)' : ''}.
      </p>
      <ol className="checklist">
        <li>Slowly turn your webcam, or your laptop, all the way around the room.</li>
        <li>Show your desk and what is on it, then the floor around your chair.</li>
        <li>Show the walls and any door, and finish facing your seat.</li>
      </ol>
      <div className="id-stage">
        <StreamPreview stream={camera} label="Camera for the room scan" />
        {phase === 'recording' ? (
          <p className="recording-badge" aria-hidden="true">
            ● REC {left}s
          </p>
        ) : null}
      </div>
      <p className="sr-only" role="status" aria-live="polite">
        {phase === 'recording'
          ? `Recording the room: ${spoken} seconds left`
          : phase === 'done'
            ? 'Room scan recorded.'
            : ''}
      </p>
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      <div className="form-actions">
        {phase === 'ready' ? (
          <button
            type="button"
            className="button primary"
            disabled={!camera}
            onClick={() => void start()}
          >
            Start room scan
          </button>
        ) : phase === 'recording' ? (
          <button type="button" className="button secondary" disabled>
            Recording… {left}s
          </button>
        ) : (
          <>
            <button type="button" className="button primary" onClick={onDone}>
              {doneLabel}
            </button>
            <button type="button" className="button secondary" onClick={() => void start()}>
              Record again
            </button>
          </>
        )}
      </div>
    </section>
  );
}
