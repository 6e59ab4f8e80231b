import { useEffect, useRef, useState } from 'react';
import type { StudentPolicy } from '@invigil/contracts';
import type { CaptureSession } from '../../capture/capture-session';
import { describeMediaError, displaySurfaceOf, openCamera, openScreen } from '../../capture/media';
import { useCaptureStatus } from '../../capture/use-capture';
import { whyRecordingOff } from './recording-off';
import { screenResult } from './system-check';

/**
 * Asks for the screen again and keeps it only if it is an entire screen; otherwise stops it and
 * returns what to tell the student.
 */
async function openEntireScreen(policy: StudentPolicy): Promise<MediaStream | string> {
  const stream = await openScreen(policy);
  const verdict = screenResult(displaySurfaceOf(stream));
  if (verdict.state !== 'fail') return stream;
  for (const t of stream.getTracks()) t.stop();
  return `${verdict.summary} ${verdict.fix ?? ''}`;
}

/** A notice over the exam (the exam behind it is inert). Takes focus when shown. */
export function Overlay({
  id,
  title,
  children,
  modal = true,
}: {
  id: string;
  title: string;
  children: React.ReactNode;
  /**
   * False for a notice the student waits out (pause, recording problem): not modal,
   * so the chat and Raise hand dock (drawn above it) stay reachable by keyboard and screen
   * reader while the questions behind it stay inert.
   */
  modal?: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <div className="overlay">
      <div
        className="overlay-box"
        role="alertdialog"
        aria-modal={modal}
        aria-labelledby={`${id}-title`}
      >
        <h2 ref={heading} id={`${id}-title`} tabIndex={-1}>
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

/** Re-share the screen or reconnect the camera after it stopped mid-exam. */
export function ReconnectPanel({
  policy,
  capture,
  problem,
}: {
  policy: StudentPolicy;
  capture: CaptureSession;
  problem: string;
}) {
  const status = useCaptureStatus(capture);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const screenDown = policy.screen && status.screen !== 'recording';
  const cameraDown = (policy.webcam || policy.microphone) && status.webcam !== 'recording';

  const reshare = async () => {
    setBusy(true);
    setError(null);
    try {
      const stream = await openEntireScreen(policy);
      if (typeof stream === 'string') {
        setError(stream);
        return;
      }
      await capture.replaceScreen(stream);
    } catch (e) {
      const p = describeMediaError(e, 'screen');
      setError(`${p.what} ${p.fix}`);
    } finally {
      setBusy(false);
    }
  };

  const reconnect = async () => {
    setBusy(true);
    setError(null);
    try {
      await capture.replaceCamera(await openCamera(policy));
    } catch (e) {
      const p = describeMediaError(e, 'camera');
      setError(`${p.what} ${p.fix}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p>{problem}</p>
      <p>Your timer keeps running. This is noted for the exam staff.</p>
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      <div className="form-actions">
        {screenDown ? (
          <button
            type="button"
            className="button primary"
            disabled={busy}
            onClick={() => void reshare()}
          >
            Share your entire screen again
          </button>
        ) : null}
        {cameraDown ? (
          <button
            type="button"
            className="button primary"
            disabled={busy}
            onClick={() => void reconnect()}
          >
            Turn the camera and microphone back on
          </button>
        ) : null}
      </div>
    </>
  );
}

/**
 * The buttons that turn the camera (and microphone) and the screen share back on after a
 * reload, in the order the browser needs (camera first); recording starts once everything
 * the policy asks for is live. Used by the exam page and by any request dialog over it.
 */
export function CaptureBackOn({
  policy,
  capture,
}: {
  policy: StudentPolicy;
  capture: CaptureSession;
}) {
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const [screen, setScreen] = useState<MediaStream | null>(null);
  const [error, setError] = useState<string | null>(null);
  const needCamera = policy.webcam || policy.microphone;

  const ready = (!needCamera || camera) && (!policy.screen || screen);
  // Streams opened here until they are handed to the capture session.
  const held = useRef<{ camera: MediaStream | null; screen: MediaStream | null }>({
    camera: null,
    screen: null,
  });
  useEffect(() => {
    held.current = { camera, screen };
    if (!ready) return;
    held.current = { camera: null, screen: null };
    capture.setSources({ camera, screen });
    void capture.startRecording();
  }, [ready, camera, screen, capture]);
  // Left half done (the panel closed, e.g. a pause ended): release the camera, or its light
  // stays on with nothing recording it.
  useEffect(
    () => () => {
      for (const stream of [held.current.camera, held.current.screen]) {
        for (const track of stream?.getTracks() ?? []) track.stop();
      }
    },
    [],
  );

  const turnOnCamera = async () => {
    setError(null);
    try {
      setCamera(await openCamera(policy));
    } catch (e) {
      const p = describeMediaError(e, 'camera');
      setError(`${p.what} ${p.fix}`);
    }
  };
  const share = async () => {
    setError(null);
    try {
      const stream = await openEntireScreen(policy);
      if (typeof stream === 'string') {
        setError(stream);
        return;
      }
      setScreen(stream);
    } catch (e) {
      const p = describeMediaError(e, 'screen');
      setError(`${p.what} ${p.fix}`);
    }
  };

  return (
    <>
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      <div className="form-actions">
        {needCamera ? (
          <button
            type="button"
            className="button primary"
            disabled={!!camera}
            onClick={() => void turnOnCamera()}
          >
            {camera ? 'Camera and microphone on ✓' : 'Turn on camera and microphone'}
          </button>
        ) : null}
        {policy.screen ? (
          <button
            type="button"
            className="button primary"
            disabled={!!screen || (needCamera && !camera)}
            onClick={() => void share()}
          >
            {screen ? 'Screen shared ✓' : 'Share your entire screen'}
          </button>
        ) : null}
      </div>
    </>
  );
}

/** Why recording is off, in words, for a panel that asks to turn it back on. */
export function recordingOffText(capture: CaptureSession): string {
  return whyRecordingOff(capture) === 'ended'
    ? 'Recording stopped when your attempt was ended, and the exam staff have reopened it since.'
    : 'Recording stopped when this page was reloaded.';
}

/**
 * After a reload or a staff reopen: the streams are gone and must be shared again before the
 * exam continues.
 */
export function ResumeRecording({
  policy,
  capture,
  paused = false,
}: {
  policy: StudentPolicy;
  capture: CaptureSession;
  /** The proctor paused the attempt (this panel shows behind the pause notice). */
  paused?: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card" aria-labelledby="resume-heading">
      <h2 id="resume-heading" ref={heading} tabIndex={-1}>
        Turn recording back on
      </h2>
      <p>
        {paused
          ? 'Your exam is paused and your timer is stopped.'
          : 'Your exam is in progress and your timer is running.'}{' '}
        {recordingOffText(capture)} Turn it back on to see the questions again; earlier recordings
        are being uploaded.
      </p>
      <CaptureBackOn policy={policy} capture={capture} />
    </section>
  );
}
