import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { CaptureSettings, CheckInStep, ExamSession, MyRegistration } from '@invigil/contracts';
import { describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { useQueueStatus } from '../../capture/use-capture';
import { durationLabel } from '../../exams/labels';
import { Page } from '../../ui/page';
import { attemptApi } from '../api';
import {
  IDENTITY_PHOTOS_PENDING,
  isIdentityPhoto,
  MISSING_TEXT,
  missingSteps,
  stepsToRedo,
  uploadProgress,
  type RedoStep,
} from './check-in-missing';
import { ConsentStep } from './consent-step';
import { IdentityStep } from './identity-step';
import { RoomScanStep } from './room-scan-step';
import { StepHeading } from './step-heading';
import { SystemCheckStep } from './system-check-step';

/** The steps of check-in, in order. */
export type StepId = 'consent' | 'check' | 'identity' | 'room' | 'start';

const STEP_LABEL: Record<StepId, string> = {
  consent: 'Consent',
  check: 'System check',
  identity: 'Identity',
  room: 'Room scan',
  start: 'Start',
};

/** The steps a policy needs. */
export function stepsFor(policy: CaptureSettings): StepId[] {
  return [
    'consent',
    'check',
    ...(policy.identityCheck ? (['identity'] as const) : []),
    ...(policy.roomScan ? (['room'] as const) : []),
    'start',
  ];
}

/** What was completed in earlier visits of this page (kept for the browser tab). */
interface Progress {
  identity?: boolean;
  room?: boolean;
}

const progressKey = (sessionId: string) => `invigil.checkin.${sessionId}`;

function loadProgress(sessionId: string): Progress {
  try {
    return JSON.parse(sessionStorage.getItem(progressKey(sessionId)) ?? '{}') as Progress;
  } catch {
    return {};
  }
}

function saveProgress(sessionId: string, progress: Progress): void {
  try {
    sessionStorage.setItem(progressKey(sessionId), JSON.stringify(progress));
  } catch {
    // Private mode: the steps are simply asked again after a reload.
  }
}

/** The first step not done yet. */
export function currentStep(
  steps: StepId[],
  done: { consent: boolean; check: boolean; identity: boolean; room: boolean },
): StepId {
  return steps.find((s) => s === 'start' || !done[s]) ?? 'start';
}

/** Check-in: consent, system check, identity and room scan, then Start. */
export function CheckIn({
  title,
  session,
  registration,
  policy,
  capture,
  onSession,
}: {
  title: string;
  session: ExamSession;
  registration: MyRegistration | null;
  policy: CaptureSettings;
  capture: CaptureSession;
  onSession: (session: ExamSession) => void;
}) {
  const [progress, setProgress] = useState<Progress>(() => loadProgress(session.id));
  const [checked, setChecked] = useState(() => capture.hasLiveSources());
  const [declined, setDeclined] = useState(false);
  const steps = stepsFor(policy);
  const step = currentStep(steps, {
    consent: !!session.consentedAt,
    check: checked,
    identity: !!progress.identity,
    room: !!progress.room,
  });

  useEffect(() => {
    if (session.state === 'checking_in') capture.startUploads();
  }, [capture, session.state]);

  const complete = (patch: Progress) => {
    const next = { ...progress, ...patch };
    setProgress(next);
    saveProgress(session.id, next);
  };

  const intro = registration ? (
    <>
      Duration {durationLabel(registration.exam.durationMinutes)}. Your timer starts only when you
      press Start exam at the end of check-in.
    </>
  ) : undefined;

  if (declined) {
    return (
      <Page title={title}>
        <section className="card" aria-labelledby="declined-heading">
          <StepHeading id="declined-heading">You did not agree to be proctored</StepHeading>
          <p>
            This exam is taken with online proctoring, so it cannot start without your consent.
            Nothing has been recorded. Your choice has been noted for the exam staff.
          </p>
          <p>
            If you need another arrangement, contact your instructor. You can come back and agree
            while the exam is open.
          </p>
          <div className="form-actions">
            <Link className="button primary" to="/student">
              Back to My exams
            </Link>
            <button type="button" className="button secondary" onClick={() => setDeclined(false)}>
              Read the notice again
            </button>
          </div>
        </section>
      </Page>
    );
  }

  return (
    <Page title={title} intro={intro}>
      <nav aria-label="Check-in steps" className="steps">
        <ol>
          {steps.map((s, i) => {
            const index = steps.indexOf(step);
            const state = i < index ? 'done' : i === index ? 'current' : 'todo';
            return (
              <li
                key={s}
                className={`step step-${state}`}
                aria-current={state === 'current' ? 'step' : undefined}
              >
                <span className="step-number" aria-hidden="true">
                  {state === 'done' ? '✓' : i + 1}
                </span>
                {STEP_LABEL[s]}
                {state === 'done' ? <span className="sr-only"> (done)</span> : null}
              </li>
            );
          })}
        </ol>
      </nav>
      {step === 'consent' ? (
        <ConsentStep
          session={session}
          policy={policy}
          capture={capture}
          onSession={onSession}
          onDeclined={() => setDeclined(true)}
        />
      ) : step === 'check' ? (
        <SystemCheckStep
          sessionId={session.id}
          policy={policy}
          capture={capture}
          onPassed={() => setChecked(true)}
        />
      ) : step === 'identity' ? (
        <IdentityStep
          capture={capture}
          onDone={() => complete({ identity: true })}
          faceCheck={policy.facePhotoCheck ? { sessionId: session.id } : undefined}
        />
      ) : step === 'room' ? (
        <RoomScanStep capture={capture} policy={policy} onDone={() => complete({ room: true })} />
      ) : (
        <ReadyStep
          session={session}
          registration={registration}
          capture={capture}
          onSession={onSession}
          onRedoCheck={() => setChecked(false)}
          onRedo={(redo) => {
            if (redo.includes('check')) setChecked(false);
            const patch: Progress = {};
            if (redo.includes('identity')) patch.identity = false;
            if (redo.includes('room')) patch.room = false;
            complete(patch);
          }}
        />
      )}
    </Page>
  );
}

/** How long Start waits for the check-in to upload before asking the server anyway. */
const UPLOAD_WAIT_MS = 60_000;

/**
 * The last step: a summary and the Start exam button. Start first waits until the upload
 * queue has delivered the check-in (photos, room scan, system check result), since the server
 * refuses to start without them; if it still finds something missing, the student is told
 * what, and sent back to do it again. Every identity photo must have arrived (or been refused)
 * before Start is asked for at all: the server takes none once the attempt has started.
 */
function ReadyStep({
  session,
  registration,
  capture,
  onSession,
  onRedoCheck,
  onRedo,
}: {
  session: ExamSession;
  registration: MyRegistration | null;
  capture: CaptureSession;
  onSession: (session: ExamSession) => void;
  onRedoCheck: () => void;
  onRedo: (steps: RedoStep[]) => void;
}) {
  const [phase, setPhase] = useState<'ready' | 'uploading' | 'starting'>('ready');
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState<CheckInStep[] | null>(null);
  const queue = useQueueStatus(capture);
  const redoButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (missing) redoButton.current?.focus();
  }, [missing]);

  const start = async () => {
    setError(null);
    setMissing(null);
    if (!capture.hasLiveSources()) {
      onRedoCheck();
      return;
    }
    setPhase('uploading');
    await capture.events.flush();
    let timer = 0;
    await Promise.race([
      capture.queue.whenDrained(),
      new Promise((resolve) => (timer = window.setTimeout(resolve, UPLOAD_WAIT_MS))),
    ]);
    window.clearTimeout(timer);
    // Whatever else is still on its way, the identity photos must have arrived: a retake
    // still queued at the start would be refused for good.
    if (capture.queue.hasPending(isIdentityPhoto)) {
      setError(IDENTITY_PHOTOS_PENDING);
      setPhase('ready');
      return;
    }
    setPhase('starting');
    try {
      const updated = await attemptApi.transition(session.id, 'in_progress');
      await capture.startRecording();
      onSession(updated);
    } catch (e) {
      const steps = missingSteps(e);
      if (steps) setMissing(steps);
      else setError(describeError(e));
      setPhase('ready');
    }
  };

  const busy = phase !== 'ready';
  return (
    <section className="card" aria-labelledby="ready-heading">
      <StepHeading id="ready-heading">Ready to start</StepHeading>
      <ul className="checklist">
        <li>Your camera, microphone and entire screen are shared and will be recorded.</li>
        {registration ? (
          <li>
            You have {durationLabel(registration.exam.durationMinutes)}; the timer starts when you
            press Start exam and is shown at the top of the exam page.
          </li>
        ) : null}
        <li>Keep this tab open. Your answers are saved as you go.</li>
        <li>
          If your connection drops, keep working: recordings stay on this computer and upload when
          you are back online.
        </li>
      </ul>
      <p className="sr-only" role="status" aria-live="polite">
        {phase === 'uploading' ? uploadProgress(queue) : ''}
      </p>
      {phase === 'uploading' ? (
        <p className="loading" aria-hidden="true">
          <span className="spinner" />
          {uploadProgress(queue)}
        </p>
      ) : null}
      <div role="alert">
        {error ? <p className="notice notice-error">{error}</p> : null}
        {missing ? (
          <div className="notice notice-error">
            <p>The exam cannot start yet: the server did not receive your whole check-in.</p>
            {missing.length > 0 ? (
              <ul>
                {missing.map((step) => (
                  <li key={step}>{capitalise(MISSING_TEXT[step])}.</li>
                ))}
              </ul>
            ) : null}
            <p>Do {missing.length === 1 ? 'this step' : 'these steps'} again, then start.</p>
          </div>
        ) : null}
      </div>
      <div className="form-actions">
        {missing && missing.length > 0 ? (
          <button
            ref={redoButton}
            type="button"
            className="button primary"
            onClick={() => onRedo(stepsToRedo(missing))}
          >
            {missing.length === 1 ? 'Do this step again' : 'Do these steps again'}
          </button>
        ) : (
          // Not `disabled` while busy: a disabled button drops the keyboard focus to the page.
          <button
            type="button"
            className="button primary"
            aria-disabled={busy}
            onClick={() => {
              if (!busy) void start();
            }}
          >
            {phase === 'uploading'
              ? 'Sending check-in…'
              : phase === 'starting'
                ? 'Starting…'
                : 'Start exam'}
          </button>
        )}
      </div>
    </section>
  );
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
