import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { ExamSession, MyRegistration, ProctoringPolicy } from '@invigil/contracts';
import { describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { durationLabel } from '../../exams/labels';
import { Page } from '../../ui/page';
import { attemptApi } from '../api';
import { ConsentStep } from './consent-step';
import { IdentityStep } from './identity-step';
import { RoomScanStep } from './room-scan-step';
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
export function stepsFor(policy: ProctoringPolicy): StepId[] {
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

/** A step's heading; takes focus when the step appears so screen readers hear the change. */
export function StepHeading({ id, children }: { id: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h2 ref={ref} id={id} tabIndex={-1} className="step-heading">
      {children}
    </h2>
  );
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
  policy: ProctoringPolicy;
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
        <IdentityStep capture={capture} onDone={() => complete({ identity: true })} />
      ) : step === 'room' ? (
        <RoomScanStep capture={capture} policy={policy} onDone={() => complete({ room: true })} />
      ) : (
        <ReadyStep
          session={session}
          registration={registration}
          capture={capture}
          onSession={onSession}
          onRedoCheck={() => setChecked(false)}
        />
      )}
    </Page>
  );
}

/** The last step: a summary and the Start exam button. */
function ReadyStep({
  session,
  registration,
  capture,
  onSession,
  onRedoCheck,
}: {
  session: ExamSession;
  registration: MyRegistration | null;
  capture: CaptureSession;
  onSession: (session: ExamSession) => void;
  onRedoCheck: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const start = async () => {
    setBusy(true);
    setError(null);
    if (!capture.hasLiveSources()) {
      setBusy(false);
      onRedoCheck();
      return;
    }
    try {
      const updated = await attemptApi.transition(session.id, 'in_progress');
      await capture.startRecording();
      onSession(updated);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

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
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      <div className="form-actions">
        <button
          type="button"
          className="button primary"
          disabled={busy}
          onClick={() => void start()}
        >
          {busy ? 'Starting…' : 'Start exam'}
        </button>
      </div>
    </section>
  );
}
