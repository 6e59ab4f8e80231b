import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { MyRegistration } from '@invigil/contracts';
import { CaptureSession } from '../../capture/capture-session';
import { canvasToJpeg, drawFrame } from '../../capture/snapshots';
import { Page } from '../../ui/page';
import { ErrorState, Loading } from '../../ui/states';
import { useResource } from '../../ui/use-resource';
import { attemptApi, policyOf } from '../api';
import { checkFacePhoto, loadFaceDetector, problemText } from './face-check';
import { StepHeading } from './step-heading';
import { StreamPreview } from './stream-preview';
import { SystemCheckStep } from './system-check-step';
import './flow.css';

/**
 * /student/practice/:sessionId — a practice run of check-in before the exam opens, when the
 * exam offers one: the system check and the face photo check, exactly as on the day, with
 * nothing recorded or kept (no events, no uploads; the photo is checked by the server and
 * discarded). Its own capture session, never started, so the real check-in starts afresh.
 */
export function PracticeRunPage() {
  const { sessionId = '' } = useParams();
  const load = useCallback(
    (signal: AbortSignal) => attemptApi.registration(sessionId, signal),
    [sessionId],
  );
  const { data: registration, error, reload } = useResource(load);
  const policy = useMemo(() => policyOf(registration ?? null), [registration]);
  const capture = useMemo(() => new CaptureSession(sessionId, policy), [sessionId, policy]);
  const [step, setStep] = useState<'check' | 'photo' | 'done'>('check');
  // Leaving the page turns the camera and screen sharing off.
  useEffect(
    () => () => {
      const { camera, screen } = capture.getSources();
      for (const track of [...(camera?.getTracks() ?? []), ...(screen?.getTracks() ?? [])]) {
        track.stop();
      }
    },
    [capture],
  );

  if (!registration) {
    return (
      <Page title="Practice check-in">
        {error ? <ErrorState error={error} onRetry={reload} /> : <Loading label="Loading…" />}
      </Page>
    );
  }
  return (
    <Page
      title={`Practice check-in: ${registration.exam.title}`}
      intro="A rehearsal of the check-in. Nothing is recorded or kept, and your exam is not started."
    >
      {!practiceOffered(registration) ? (
        <p className="notice notice-error">This exam does not offer a practice check-in.</p>
      ) : step === 'check' ? (
        <SystemCheckStep
          sessionId={sessionId}
          policy={policy}
          capture={capture}
          practice
          onPassed={() => setStep(policy.identityCheck ? 'photo' : 'done')}
        />
      ) : step === 'photo' ? (
        <PracticePhoto
          sessionId={sessionId}
          camera={capture.getSources().camera}
          onDone={() => setStep('done')}
        />
      ) : (
        <section className="card" aria-labelledby="practice-done">
          <StepHeading id="practice-done">Practice complete</StepHeading>
          <p className="notice notice-success" role="status">
            Your computer is ready for this exam. Nothing from this practice was kept.
          </p>
        </section>
      )}
      <p>
        <Link to="/student">Back to My exams</Link>
      </p>
    </Page>
  );
}

/** Whether the student may practise: the exam offers it and the attempt has not begun. */
export const practiceOffered = (r: MyRegistration): boolean =>
  r.status === 'active' && r.sessionState === 'registered' && r.exam.policy.practiceRun;

/** The face photo, checked by the browser and then the server, and thrown away. */
function PracticePhoto({
  sessionId,
  camera,
  onDone,
}: {
  sessionId: string;
  camera: MediaStream | null;
  onDone: () => void;
}) {
  const video = useRef<HTMLVideoElement | null>(null);
  const [phase, setPhase] = useState<'ready' | 'checking' | 'passed'>('ready');
  const [problem, setProblem] = useState<string | null>(null);
  /** Why the photo could not be checked (the server unreachable …): not a verdict. */
  const [checkError, setCheckError] = useState<string | null>(null);
  const detector = useMemo(() => loadFaceDetector(), []);
  useEffect(() => () => void detector.then((d) => d?.stop()), [detector]);
  const result = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (phase !== 'checking') result.current?.focus();
  }, [phase, problem, checkError]);

  const take = async () => {
    const canvas = video.current ? drawFrame(video.current, 1280) : null;
    const blob = canvas ? await canvasToJpeg(canvas, 0.85) : null;
    if (!canvas || !blob) {
      setProblem('The camera has no picture yet. Wait a moment and try again.');
      return;
    }
    setPhase('checking');
    setProblem(null);
    setCheckError(null);
    try {
      const verdict = await checkFacePhoto(sessionId, blob, { detector: await detector, canvas });
      setProblem(verdict.problem ? problemText(verdict.problem) : null);
      setPhase(verdict.problem ? 'ready' : 'passed');
    } catch (e) {
      // Not checked is not accepted: say why, and let the student try again.
      setCheckError(e instanceof Error ? e.message : String(e));
      setPhase('ready');
    }
  };

  return (
    <section className="card" aria-labelledby="practice-photo">
      <StepHeading id="practice-photo">Practice: photo of your face</StepHeading>
      <p id="practice-guide">
        Look straight at the camera, in good light, with nobody else in view. The photo is checked
        and then discarded.
      </p>
      <div className="id-stage">
        <StreamPreview ref={video} stream={camera} label="Camera: photo of your face" />
      </div>
      <div ref={result} tabIndex={-1} role="alert">
        {problem ? (
          <p className="notice notice-error">This photo would not be accepted. {problem}</p>
        ) : null}
        {checkError ? (
          <p className="notice notice-error">
            The photo could not be checked. {checkError} Try again.
          </p>
        ) : null}
        {phase === 'passed' ? (
          <p className="notice notice-success">
            This photo would be accepted: one face, clear enough to be recognised.
          </p>
        ) : null}
      </div>
      <div className="form-actions">
        {phase === 'passed' ? (
          <button type="button" className="button primary" onClick={onDone}>
            Finish practice
          </button>
        ) : (
          <button
            type="button"
            className="button primary"
            aria-describedby="practice-guide"
            aria-disabled={phase === 'checking'}
            onClick={() => {
              if (phase !== 'checking') void take();
            }}
          >
            {phase === 'checking'
              ? 'Checking the photo…'
              : problem || checkError
                ? 'Retake'
                : 'Take photo'}
          </button>
        )}
      </div>
    </section>
  );
}
