import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type ReactNode,
  type RefObject,
} from 'react';
import type { ErrorCode, Intervention, StudentPolicy } from '@invigil/contracts';
import { ApiError, describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { useCaptureStatus } from '../../capture/use-capture';
import { formatDateTime } from '../../lib/datetime';
import { CaptureBackOn, recordingOffText } from './exam-room-panels';
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
  // Closing gives focus back where it was (an answer being typed), else to the exam page, so
  // a keyboard or screen reader user does not start again from the top. A layout effect:
  // it runs before the dialog's own content takes focus.
  useLayoutEffect(() => {
    const before = document.activeElement;
    return () => {
      // After the commit, once the exam behind is no longer inert; unless something else
      // (the next dialog, the pause notice) has taken focus meanwhile.
      window.setTimeout(() => {
        if (document.activeElement && document.activeElement !== document.body) return;
        const back =
          before instanceof HTMLElement && before !== document.body && before.isConnected
            ? before
            : document.getElementById('main');
        back?.focus();
      }, 0);
    };
  }, []);
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

/** The words a capture request's dialog uses for what it asks for. */
export interface CaptureRequestWords {
  title: string;
  /** Shown while the page waits for the capture to upload. */
  uploading: string;
  /** Shown when it has still not uploaded after the wait. */
  notUploaded: string;
  /** Prefix of any other failure's message. */
  failed: string;
  sendAgain: string;
  captureAgain: string;
}

/**
 * A proctor's request for a new capture during the exam (a room scan, new identity photos):
 * opening it tells the proctor it was seen; the capture step (`step`, given what its last
 * button does) records it; then the page waits for the capture to upload, since the server
 * accepts "done" only then (it answers `missingCode` until it has), and reports it. After a
 * reload the camera and screen are off and the exam page behind is inert, so the dialog
 * turns them back on itself before the step: a request never traps the student.
 */
export function CaptureRequestDialog({
  id,
  intervention,
  capture,
  policy,
  words,
  missingCode,
  onAcknowledge,
  onComplete,
  step,
  children,
}: {
  id: string;
  intervention: Intervention;
  capture: CaptureSession;
  /** What must be live (camera, microphone, screen) before the step can record. */
  policy: StudentPolicy;
  words: CaptureRequestWords;
  missingCode: ErrorCode;
  onAcknowledge: (intervention: Intervention) => Promise<void>;
  onComplete: (intervention: Intervention) => Promise<void>;
  step: (onDone: () => void) => ReactNode;
  /** What the student is asked to do, under the proctor's own text. */
  children: ReactNode;
}) {
  const [phase, setPhase] = useState<'capture' | 'sending' | 'failed'>('capture');
  const [error, setError] = useState<string | null>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);
  const retryRef = useRef<HTMLButtonElement>(null);
  const captureStatus = useCaptureStatus(capture);
  const sourcesOff = !captureStatus.recording && !capture.hasLiveSources();

  // Opening the request tells the proctor it was seen; a failure only delays that.
  useEffect(() => {
    if (intervention.acknowledgedAt === null) onAcknowledge(intervention).catch(() => undefined);
  }, [intervention, onAcknowledge]);
  // The button that was pressed goes away: keep focus inside the dialog.
  useEffect(() => {
    if (phase !== 'capture') (statusRef.current ?? retryRef.current)?.focus();
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
        const waiting = e instanceof ApiError && e.code === missingCode;
        if (!waiting || Date.now() > until) {
          setError(waiting ? words.notUploaded : `${words.failed}: ${describeError(e)}`);
          setPhase('failed');
          return;
        }
        await nextUpload(capture, 3000);
      }
    }
  };

  return (
    <InterventionDialog id={id} title={words.title} tone="request">
      <div id={`${id}-message`}>
        {intervention.message ? (
          <p className="intervention-message">{intervention.message}</p>
        ) : null}
        {children}
      </div>
      <Sent intervention={intervention} />
      {phase === 'capture' && sourcesOff ? (
        <section className="card" aria-labelledby={`${id}-back-on`}>
          <h3 id={`${id}-back-on`}>First, turn recording back on</h3>
          <p>{recordingOffText(capture)} Turn it back on here, then continue with the request.</p>
          <CaptureBackOn policy={policy} capture={capture} />
        </section>
      ) : phase === 'capture' ? (
        step(() => void send())
      ) : phase === 'sending' ? (
        <p ref={statusRef} tabIndex={-1} role="status" className="loading">
          <span className="spinner" aria-hidden="true" />
          {words.uploading}
        </p>
      ) : (
        <div className="form-actions">
          <button
            ref={retryRef}
            type="button"
            className="button primary"
            onClick={() => void send()}
          >
            {words.sendAgain}
          </button>
          <button type="button" className="button secondary" onClick={() => setPhase('capture')}>
            {words.captureAgain}
          </button>
        </div>
      )}
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
    </InterventionDialog>
  );
}

const ROOM_SCAN_WORDS: CaptureRequestWords = {
  title: 'The proctor asks for a room scan',
  uploading: 'Uploading your room scan…',
  notUploaded:
    'Your room scan has not finished uploading. Check your connection, then send it again.',
  failed: 'Could not send the room scan',
  sendAgain: 'Send the room scan again',
  captureAgain: 'Record it again',
};

/**
 * A proctor's request for a room scan during the exam: the check-in room scan, recorded
 * beside the running exam recording.
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
  policy: StudentPolicy;
  onAcknowledge: (intervention: Intervention) => Promise<void>;
  onComplete: (intervention: Intervention) => Promise<void>;
}) {
  return (
    <CaptureRequestDialog
      id={`scan-${intervention.id}`}
      intervention={intervention}
      capture={capture}
      policy={policy}
      words={ROOM_SCAN_WORDS}
      missingCode="ROOM_SCAN_MISSING"
      onAcknowledge={onAcknowledge}
      onComplete={onComplete}
      step={(onDone) => (
        <RoomScanStep
          capture={capture}
          policy={policy}
          doneLabel="Send the room scan"
          onDone={onDone}
        />
      )}
    >
      <p>Your exam timer keeps running while you record.</p>
    </CaptureRequestDialog>
  );
}
