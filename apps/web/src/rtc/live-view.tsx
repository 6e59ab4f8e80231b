import { useEffect, useId, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { OpenRtcBody } from '@invigil/contracts';
import { RemoteAudio, RemoteVideo } from './remote-media';
import { PHASE_LABEL } from './rtc-text';
import { useLiveView } from './use-live-view';
import './rtc.css';

/** Who the panel is about. */
export interface LiveViewTarget {
  sessionId: string;
  examId: string;
  studentName: string;
}

/** A disabled track sends silence or black; it keeps running, so nothing is renegotiated. */
function setEnabled(track: MediaStreamTrack | null | undefined, enabled: boolean): void {
  if (track) track.enabled = enabled;
}

/** Turns one of the proctor's own tracks on and off. */
function useTrackToggle(track: MediaStreamTrack | null | undefined) {
  const [off, setOff] = useState(false);
  useEffect(() => setEnabled(track, !off), [track, off]);
  return [off, setOff] as const;
}

/** The choice of a call's camera, before calling. */
function CallOptions({ name, onCall }: { name: string; onCall: (body: OpenRtcBody) => void }) {
  const [camera, setCamera] = useState(false);
  const id = useId();
  return (
    <div className="rtc-call-options">
      <label htmlFor={`${id}-camera`} className="rtc-check">
        <input
          id={`${id}-camera`}
          type="checkbox"
          checked={camera}
          onChange={(event) => setCamera(event.target.checked)}
        />{' '}
        With my camera
      </label>
      <button
        type="button"
        className="button primary small"
        onClick={() => onCall({ kind: 'call', camera })}
      >
        Call {name}
      </button>
    </div>
  );
}

/**
 * The proctor's live view (or call) of one student: a non-modal dialog at the side of the
 * page, so the dashboard or session detail stays usable beside it. Focus moves to its title
 * when it opens and back to the opener when it closes; Escape closes it; the connection
 * state is announced as it changes. Closing it (or the tab) hangs up.
 */
export function LiveViewPanel({
  target,
  initial,
  canCall,
  onClose,
}: {
  target: LiveViewTarget;
  /** What to open at once; null shows the call options first. */
  initial: OpenRtcBody | null;
  canCall: boolean;
  onClose: () => void;
}) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [body, setBody] = useState<OpenRtcBody | null>(initial);
  const [attempt, setAttempt] = useState(0);
  const { state } = useLiveView(target, body, attempt);
  const [studentMuted, setStudentMuted] = useState(false);
  const [micOff, setMicOff] = useTrackToggle(state.local?.audio);
  const [cameraOff, setCameraOff] = useTrackToggle(state.local?.video);
  const call = body?.kind === 'call';
  const over = state.phase === 'ended' || state.phase === 'failed' || state.phase === 'refused';
  const name = target.studentName;

  useEffect(() => {
    heading.current?.focus();
  }, []);
  // Escape closes it while focus is inside (a non-modal dialog: the page around stays usable).
  const panel = useRef<HTMLElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);
  useEffect(() => {
    const node = panel.current;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      closeRef.current();
    };
    node?.addEventListener('keydown', onKeyDown);
    return () => node?.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <section
      role="dialog"
      aria-modal="false"
      aria-labelledby={`${id}-title`}
      className={`rtc-panel${call ? ' rtc-panel-call' : ''}`}
      data-rtc-phase={body ? state.phase : 'setup'}
      ref={panel}
    >
      <header className="rtc-panel-head">
        <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
          {call || body === null ? `Call with ${name}` : `Live view of ${name}`}
        </h2>
        <button type="button" className="link-button" onClick={onClose}>
          Close<span className="sr-only"> the {call ? 'call' : 'live view'}</span>
        </button>
      </header>
      {body === null ? (
        <CallOptions name={name} onCall={setBody} />
      ) : (
        <>
          <p
            className={`rtc-state rtc-state-${state.phase}`}
            role="status"
            aria-live="polite"
            aria-atomic="true"
          >
            <span className="rtc-dot" aria-hidden="true" />
            {PHASE_LABEL[state.phase]}
          </p>
          {state.message ? (
            <p className="notice notice-error rtc-message" role="alert">
              {state.message}
            </p>
          ) : null}
          <div className="rtc-videos">
            <RemoteVideo
              track={state.remote.webcam}
              label="Student webcam (live)"
              testId="rtc-webcam"
            />
            <RemoteVideo
              track={state.remote.screen}
              label="Student screen (live)"
              testId="rtc-screen"
            />
            {state.local?.video ? (
              <RemoteVideo
                track={state.local.video}
                label="Your camera (what the student sees)"
                testId="rtc-self"
                className="rtc-self"
                mirrored
              />
            ) : null}
          </div>
          <RemoteAudio
            track={state.remote.microphone}
            label="Student microphone (live)"
            testId="rtc-microphone"
            muted={studentMuted}
          />
        </>
      )}
      <div className="rtc-actions">
        {body !== null && !over ? (
          <button
            type="button"
            className="button secondary small"
            aria-pressed={studentMuted}
            onClick={() => setStudentMuted(!studentMuted)}
          >
            Mute the student
          </button>
        ) : null}
        {call && state.local?.audio && !over ? (
          <button
            type="button"
            className="button secondary small"
            aria-pressed={micOff}
            onClick={() => setMicOff(!micOff)}
          >
            Mute my microphone
          </button>
        ) : null}
        {call && state.local?.video && !over ? (
          <button
            type="button"
            className="button secondary small"
            aria-pressed={cameraOff}
            onClick={() => setCameraOff(!cameraOff)}
          >
            Turn off my camera
          </button>
        ) : null}
        {body?.kind === 'view' && canCall && !over ? (
          <button type="button" className="button secondary small" onClick={() => setBody(null)}>
            Call
          </button>
        ) : null}
        {over && body !== null && state.phase !== 'refused' ? (
          <button
            type="button"
            className="button secondary small"
            onClick={() => setAttempt((n) => n + 1)}
          >
            Try again
          </button>
        ) : null}
        <button type="button" className="button danger small" onClick={onClose}>
          {over || body === null ? 'Close' : call ? 'End call' : 'End live view'}
        </button>
      </div>
    </section>
  );
}

/**
 * Opens the live view (or, with `kind="call"`, the call options) of one student in a panel
 * at the side of the page; focus returns here when it closes.
 */
export function LiveViewButton({
  target,
  kind = 'view',
  canCall = true,
  className = 'button secondary small',
}: {
  target: LiveViewTarget;
  kind?: 'view' | 'call';
  canCall?: boolean;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const label = kind === 'call' ? 'Call' : 'Live view';
  const close = () => {
    setOpen(false);
    opener.current?.focus();
  };
  return (
    <>
      <button
        ref={opener}
        type="button"
        className={className}
        aria-label={
          kind === 'call' ? `Call ${target.studentName}` : `Live view of ${target.studentName}`
        }
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen(true)}
      >
        {label}
      </button>
      {open
        ? createPortal(
            <LiveViewPanel
              target={target}
              initial={kind === 'call' ? null : { kind: 'view' }}
              canCall={canCall}
              onClose={close}
            />,
            document.body,
          )
        : null}
    </>
  );
}
