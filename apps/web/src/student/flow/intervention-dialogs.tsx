import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { Intervention, ProctoringPolicy } from '@invigil/contracts';
import { ApiError, describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { formatDateTime } from '../../lib/datetime';
import { RoomScanStep } from './room-scan-step';
import './intervention-dialogs.css';

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab and Shift+Tab inside the dialog: the exam behind it is inert, but the exam
 * status bar and the page header are not, and a keyboard user must not wander off to them.
 */
function useFocusTrap(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Tab') return;
      const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = items[0];
      const last = items[items.length - 1];
      const active = document.activeElement;
      if (!first || !last) {
        event.preventDefault();
      } else if (event.shiftKey && (active === first || !box.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !box.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    };
    // On the document: focus may sit on the page behind (e.g. after a click outside).
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [ref]);
}

/** A modal alert dialog over the exam that cannot be dismissed except by its own buttons. */
function InterventionDialog({
  id,
  title,
  tone,
  children,
}: {
  id: string;
  title: string;
  tone: 'warning' | 'request';
  children: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  useFocusTrap(box);
  return (
    <div className="overlay intervention-overlay">
      <div
        ref={box}
        className={`overlay-box intervention-box intervention-${tone}`}
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-message`}
      >
        <h2 id={`${id}-title`} className="intervention-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

/** Who sent it and when, under the proctor's text. */
function Sent({ intervention }: { intervention: Intervention }) {
  return (
    <p className="muted small">
      Sent {formatDateTime(intervention.createdAt)}
      {intervention.by ? ` by ${intervention.by.name}` : ''}
    </p>
  );
}

/**
 * A proctor's warning: shown until the student presses "I understand", which tells the
 * proctor it was read. Focus goes to that button, so screen readers read the dialog's title
 * and text at once.
 */
export function WarningDialog({
  intervention,
  onAcknowledge,
}: {
  intervention: Intervention;
  onAcknowledge: (intervention: Intervention) => Promise<void>;
}) {
  const button = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `warning-${intervention.id}`;
  useEffect(() => button.current?.focus(), []);

  const acknowledge = async () => {
    setBusy(true);
    setError(null);
    try {
      await onAcknowledge(intervention);
    } catch (e) {
      setError(`Could not confirm: ${describeError(e)} Try again.`);
      setBusy(false);
      button.current?.focus();
    }
  };

  return (
    <InterventionDialog id={id} title="Warning from the proctor" tone="warning">
      <p id={`${id}-message`} className="intervention-message">
        {intervention.message}
      </p>
      <Sent intervention={intervention} />
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      <div className="form-actions">
        <button
          ref={button}
          type="button"
          className="button primary"
          aria-disabled={busy}
          onClick={() => !busy && void acknowledge()}
        >
          {busy ? 'Confirming…' : 'I understand'}
        </button>
      </div>
    </InterventionDialog>
  );
}

/** How long to wait for the recording to upload before asking the student to retry. */
const UPLOAD_WAIT_MS = 120_000;

/** Resolves on the upload queue's next acknowledgement, or after `ms`. */
function nextUpload(capture: CaptureSession, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const before = capture.queue.getStatus().lastAckAt;
    const done = () => {
      window.clearTimeout(timer);
      off();
      resolve();
    };
    const timer = window.setTimeout(done, ms);
    const off = capture.queue.subscribe((status) => {
      if (status.lastAckAt !== before) done();
    });
  });
}

/**
 * A proctor's request for a room scan during the exam: the check-in room scan, recorded
 * beside the running exam recording. When it is done the page waits for the scan to upload
 * (the server accepts "done" only then) and reports it.
 */
export function RoomScanDialog({
  intervention,
  capture,
  policy,
  onAcknowledge,
  onComplete,
}: {
  intervention: Intervention;
  capture: CaptureSession;
  policy: ProctoringPolicy;
  onAcknowledge: (intervention: Intervention) => Promise<void>;
  onComplete: (intervention: Intervention) => Promise<void>;
}) {
  const [phase, setPhase] = useState<'record' | 'sending' | 'failed'>('record');
  const [error, setError] = useState<string | null>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);
  const retryRef = useRef<HTMLButtonElement>(null);
  const id = `scan-${intervention.id}`;

  // Opening the request tells the proctor it was seen; a failure only delays that.
  useEffect(() => {
    if (intervention.acknowledgedAt === null) onAcknowledge(intervention).catch(() => undefined);
  }, [intervention, onAcknowledge]);
  // The button that was pressed goes away: keep focus inside the dialog.
  useEffect(() => {
    if (phase !== 'record') (statusRef.current ?? retryRef.current)?.focus();
  }, [phase]);

  const send = async () => {
    setPhase('sending');
    setError(null);
    const until = Date.now() + UPLOAD_WAIT_MS;
    for (;;) {
      try {
        await onComplete(intervention);
        return;
      } catch (e) {
        const waiting = e instanceof ApiError && e.code === 'ROOM_SCAN_MISSING';
        if (!waiting || Date.now() > until) {
          setError(
            waiting
              ? 'Your room scan has not finished uploading. Check your connection, then send it again.'
              : `Could not send the room scan: ${describeError(e)}`,
          );
          setPhase('failed');
          return;
        }
        await nextUpload(capture, 3000);
      }
    }
  };

  return (
    <InterventionDialog id={id} title="The proctor asks for a room scan" tone="request">
      <div id={`${id}-message`}>
        {intervention.message ? (
          <p className="intervention-message">{intervention.message}</p>
        ) : null}
        <p>Your exam timer keeps running while you record.</p>
      </div>
      <Sent intervention={intervention} />
      {phase === 'record' ? (
        <RoomScanStep
          capture={capture}
          policy={policy}
          doneLabel="Send the room scan"
          onDone={() => void send()}
        />
      ) : phase === 'sending' ? (
        <p ref={statusRef} tabIndex={-1} role="status" className="loading">
          <span className="spinner" aria-hidden="true" />
          Uploading your room scan…
        </p>
      ) : (
        <div className="form-actions">
          <button
            ref={retryRef}
            type="button"
            className="button primary"
            onClick={() => void send()}
          >
            Send the room scan again
          </button>
          <button type="button" className="button secondary" onClick={() => setPhase('record')}>
            Record it again
          </button>
        </div>
      )}
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
    </InterventionDialog>
  );
}
