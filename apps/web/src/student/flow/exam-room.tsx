import {
  useCallback,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import type {
  AnswerValue,
  ExamSession,
  StudentPolicy,
  StudentExamView,
  StudentQuestion,
} from '@invigil/contracts';
import { describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { describeMediaError, displaySurfaceOf, openCamera, openScreen } from '../../capture/media';
import { useDetection } from '../../capture/detection-status';
import { useCaptureStatus, useQueueStatus } from '../../capture/use-capture';
import { Page } from '../../ui/page';
import { ErrorState, Loading } from '../../ui/states';
import { useNow } from '../../ui/use-now';
import { useResource } from '../../ui/use-resource';
import { attemptApi } from '../api';
import { AnswerSaver, type SaveState } from './autosave';
import { clockOffset, remainingMs } from './countdown';
import { RoomScanDialog, WarningDialog } from './intervention-dialogs';
import { ReEnrolDialog } from './re-enrol-dialog';
import { useStudentInterventions } from './intervention-live';
import { latestMessage, nextPrompt } from './intervention-model';
import { ProctorBar } from './proctor-bar';
import { useSessionPoll } from './session-poll';
import { screenResult } from './system-check';
import { ExternalExam } from './external-exam';

interface LoadedView {
  view: StudentExamView;
  /** Server clock minus this computer's clock, ms. */
  offset: number;
  /** The session deadline this view was loaded for. */
  deadlineAt: string | null;
}

/** The exam page: proctoring bar, questions with autosave, countdown, submit. */
export function ExamRoom({
  title,
  session,
  policy,
  capture,
  onSession,
}: {
  title: string;
  session: ExamSession;
  /** What to record and which detectors to run (with the student's accommodations applied). */
  policy: StudentPolicy;
  capture: CaptureSession;
  onSession: (session: ExamSession) => void;
}) {
  const sessionId = session.id;
  // Reloaded when the deadline moves (a pause ended), for the new deadline and server time.
  const deadlineAt = session.deadlineAt;
  const load = useCallback(
    async (signal: AbortSignal): Promise<LoadedView> => {
      const sent = Date.now();
      const view = await attemptApi.exam(sessionId, signal);
      return { view, offset: clockOffset(view.serverNow, sent, Date.now()), deadlineAt };
    },
    [sessionId, deadlineAt],
  );
  const resource = useResource(load);
  const captureStatus = useCaptureStatus(capture);
  const queueStatus = useQueueStatus(capture);
  const now = useNow(1000);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const saver = useMemo(
    () =>
      new AnswerSaver(
        (questionId, value) => attemptApi.saveAnswer(sessionId, questionId, value),
        rerender,
      ),
    [sessionId],
  );
  useEffect(() => () => saver.dispose(), [saver]);
  const [answers, setAnswers] = useState<Record<string, AnswerValue> | null>(null);
  const [submitting, setSubmitting] = useState<'manual' | 'auto' | null>(null);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const paused = session.state === 'paused';

  useSessionPoll(sessionId, session, onSession);
  // The proctor's warnings, pauses and requests arrive live; see intervention-live.ts.
  const interventions = useStudentInterventions(session, onSession);
  const prompt = nextPrompt(interventions.list, session.state);
  const pauseNote = paused ? latestMessage(interventions.list, 'pause') : null;

  // Drain what earlier pages left, and record while the streams are live.
  useEffect(() => {
    capture.startUploads();
    if (!capture.getStatus().recording && capture.hasLiveSources()) {
      void capture.startRecording();
    }
  }, [capture]);

  // A reload cannot keep the browser from leaving; it can ask first.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const loaded = resource.data;
  const view = loaded?.view;
  const currentAnswers = answers ?? view?.answers ?? {};
  const deadline = session.deadlineAt ?? view?.deadlineAt ?? null;
  const offset = loaded?.offset ?? 0;
  const left =
    deadline === null
      ? null
      : paused
        ? remainingMs(deadline, 0, Date.parse(session.updatedAt))
        : remainingMs(deadline, offset, now);
  const timeOver = left !== null && left <= 0 && !paused;
  const closed = timeOver || saver.closedReason !== null || submitting !== null;

  const submit = useCallback(
    async (mode: 'manual' | 'auto') => {
      setSubmitting(mode);
      setSubmitError(null);
      await Promise.race([saver.flush(), new Promise((resolve) => setTimeout(resolve, 8000))]);
      try {
        onSession(await attemptApi.transition(sessionId, 'submitted'));
      } catch (error) {
        // Already submitted (the deadline passed on the server) or ended: show what it is now.
        try {
          const fresh = await attemptApi.session(sessionId);
          if (fresh.state !== 'in_progress') {
            onSession(fresh);
            return;
          }
        } catch {
          // Fall through to the message.
        }
        setSubmitError(describeError(error));
        setSubmitting(null);
      }
    },
    [onSession, saver, sessionId],
  );

  // Auto-submit when the time is up (the server enforces the deadline as well).
  useEffect(() => {
    if (!timeOver || submitting !== null || session.state !== 'in_progress') return;
    const timer = window.setTimeout(() => void submit('auto'), 0);
    return () => window.clearTimeout(timer);
  }, [timeOver, submitting, session.state, submit]);

  const change = (questionId: string, value: AnswerValue) => {
    setAnswers((prev) => ({ ...(prev ?? view?.answers ?? {}), [questionId]: value }));
    saver.set(questionId, value);
  };

  // Automatic monitoring runs while recording; it never holds up the exam or the recording.
  const monitoring = useDetection(capture, policy, captureStatus.recording);

  const needsResume = !captureStatus.recording && !capture.hasLiveSources();
  const problem = captureStatus.recording ? captureStatus.problem : null;

  return (
    <>
      <ProctorBar
        capture={captureStatus}
        queue={queueStatus}
        saveState={saver.touched ? saver.overall() : view ? 'saved' : null}
        remainingMs={left}
        paused={paused}
        monitoring={monitoring}
      />
      <div inert={paused || !!problem || !!prompt} className="exam-body">
        <Page title={title}>
          {needsResume ? (
            <ResumeRecording policy={policy} capture={capture} />
          ) : !view ? (
            resource.error ? (
              <ErrorState error={resource.error} onRetry={resource.reload} />
            ) : (
              <Loading label="Loading the questions…" />
            )
          ) : (
            <>
              {timeOver ? (
                <p className="notice notice-error" role="alert">
                  Time is up. Your answers are being submitted.
                </p>
              ) : null}
              {view.externalUrl ? <ExternalExam url={view.externalUrl} /> : null}
              {view.questions.length > 0 ? (
                <ol className="questions" aria-label="Questions">
                  {[...view.questions]
                    .sort((a, b) => a.position - b.position)
                    .map((question, i) => (
                      <QuestionItem
                        key={question.id}
                        number={i + 1}
                        question={question}
                        value={currentAnswers[question.id]}
                        saveState={saver.stateOf(question.id)}
                        disabled={closed}
                        onChange={(value) => change(question.id, value)}
                      />
                    ))}
                </ol>
              ) : !view.externalUrl ? (
                <p className="empty">This exam has no questions here.</p>
              ) : null}
              <SubmitPanel
                answered={view.questions.filter((q) => currentAnswers[q.id] !== undefined).length}
                total={view.questions.length}
                busy={submitting !== null}
                error={submitError}
                onSubmit={() => void submit('manual')}
              />
            </>
          )}
        </Page>
      </div>
      {prompt?.kind === 'warning' ? (
        <WarningDialog
          key={prompt.intervention.id}
          intervention={prompt.intervention}
          onAcknowledge={interventions.acknowledge}
        />
      ) : prompt?.kind === 're_enrol' && !problem ? (
        // Before the pause overlay: a proctor may pause the exam to check who is taking it.
        <ReEnrolDialog
          key={prompt.intervention.id}
          intervention={prompt.intervention}
          capture={capture}
          onAcknowledge={interventions.acknowledge}
          onComplete={interventions.complete}
        />
      ) : paused ? (
        <Overlay id="paused" title="Your exam is paused by the proctor">
          {pauseNote ? (
            <p className="proctor-note">
              <strong>Message from the proctor:</strong> {pauseNote}
            </p>
          ) : null}
          <p>
            Your timer is stopped. Stay in front of your camera: recording continues, and the exam
            carries on as soon as the proctor resumes it.
          </p>
        </Overlay>
      ) : problem ? (
        <Overlay id="problem" title="Recording needs your attention">
          <ReconnectPanel policy={policy} capture={capture} problem={problem} />
        </Overlay>
      ) : prompt?.kind === 'room_scan' ? (
        <RoomScanDialog
          key={prompt.intervention.id}
          intervention={prompt.intervention}
          capture={capture}
          policy={policy}
          onAcknowledge={interventions.acknowledge}
          onComplete={interventions.complete}
        />
      ) : null}
    </>
  );
}

/** A modal notice over the exam (the exam behind it is inert). Takes focus when shown. */
function Overlay({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: React.ReactNode;
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
        aria-modal="true"
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
function ReconnectPanel({
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
      const stream = await openScreen(policy);
      const verdict = screenResult(displaySurfaceOf(stream));
      if (verdict.state === 'fail') {
        for (const t of stream.getTracks()) t.stop();
        setError(`${verdict.summary} ${verdict.fix ?? ''}`);
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

/** After a reload: the streams are gone and must be shared again before the exam continues. */
function ResumeRecording({ policy, capture }: { policy: StudentPolicy; capture: CaptureSession }) {
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const [screen, setScreen] = useState<MediaStream | null>(null);
  const [error, setError] = useState<string | null>(null);
  const needCamera = policy.webcam || policy.microphone;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const ready = (!needCamera || camera) && (!policy.screen || screen);
  useEffect(() => {
    if (!ready) return;
    capture.setSources({ camera, screen });
    void capture.startRecording();
  }, [ready, camera, screen, capture]);

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
      const stream = await openScreen(policy);
      const verdict = screenResult(displaySurfaceOf(stream));
      if (verdict.state === 'fail') {
        for (const t of stream.getTracks()) t.stop();
        setError(`${verdict.summary} ${verdict.fix ?? ''}`);
        return;
      }
      setScreen(stream);
    } catch (e) {
      const p = describeMediaError(e, 'screen');
      setError(`${p.what} ${p.fix}`);
    }
  };

  return (
    <section className="card" aria-labelledby="resume-heading">
      <h2 id="resume-heading" ref={heading} tabIndex={-1}>
        Turn recording back on
      </h2>
      <p>
        Your exam is in progress and your timer is running. Recording stopped when this page was
        reloaded; turn it back on to see the questions again. Recordings from before the reload are
        being uploaded.
      </p>
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
    </section>
  );
}

const SAVE_LABEL: Record<SaveState, string> = {
  saved: 'Saved',
  pending: 'Saving…',
  saving: 'Saving…',
  retrying: 'Not saved — retrying',
  closed: 'Not saved: the exam has ended',
};

/** One question: a radio group or a text box, with its save state. */
function QuestionItem({
  number,
  question,
  value,
  saveState,
  disabled,
  onChange,
}: {
  number: number;
  question: StudentQuestion;
  value: AnswerValue | undefined;
  saveState: SaveState;
  disabled: boolean;
  onChange: (value: AnswerValue) => void;
}) {
  const id = `q-${question.id}`;
  const points = `${question.points} point${question.points === 1 ? '' : 's'}`;
  const status = (
    <p id={`${id}-status`} className={`save-note save-${saveState}`}>
      {value === undefined ? 'Not answered' : SAVE_LABEL[saveState]}
    </p>
  );
  if (question.kind === 'multiple_choice') {
    const chosen = value && 'choice' in value ? value.choice : null;
    return (
      <li className="card question">
        <fieldset className="plain" aria-describedby={`${id}-status`}>
          <legend>
            <span className="question-number">Question {number}</span>{' '}
            <span className="muted small">({points})</span>
            <span className="question-prompt">{question.prompt}</span>
          </legend>
          <div className="choices">
            {question.options.map((option, i) => (
              <label key={i} className={`choice${chosen === i ? ' chosen' : ''}`}>
                <input
                  type="radio"
                  name={id}
                  value={i}
                  checked={chosen === i}
                  disabled={disabled}
                  onChange={() => onChange({ choice: i })}
                />
                <span>{option}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {status}
      </li>
    );
  }
  const text = value && 'text' in value ? value.text : '';
  return (
    <li className="card question">
      <label htmlFor={id} className="question-label">
        <span className="question-number">Question {number}</span>{' '}
        <span className="muted small">({points})</span>
        <span className="question-prompt">{question.prompt}</span>
      </label>
      <textarea
        id={id}
        rows={5}
        value={text}
        disabled={disabled}
        maxLength={20_000}
        aria-describedby={`${id}-status`}
        onChange={(event) => onChange({ text: event.target.value })}
      />
      {status}
    </li>
  );
}

/** Submit with an inline confirmation. */
function SubmitPanel({
  answered,
  total,
  busy,
  error,
  onSubmit,
}: {
  answered: number;
  total: number;
  busy: boolean;
  error: string | null;
  onSubmit: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) openRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setAsking(false);
  };

  return (
    <section className="card submit-panel" aria-labelledby="submit-heading">
      <h2 id="submit-heading">Finish</h2>
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      {busy ? (
        <p role="status" className="loading">
          <span className="spinner" aria-hidden="true" />
          Submitting…
        </p>
      ) : asking ? (
        <div className="confirm-submit" role="group" aria-labelledby="confirm-submit-question">
          <p id="confirm-submit-question">
            <strong>Submit your exam now?</strong>{' '}
            {total > 0 ? `You answered ${answered} of ${total} questions. ` : ''}You cannot change
            your answers afterwards.
          </p>
          <div className="form-actions">
            <button
              ref={confirmRef}
              type="button"
              className="button primary"
              onKeyDown={onKeyDown}
              onClick={onSubmit}
            >
              Yes, submit
            </button>
            <button
              type="button"
              className="button secondary"
              onKeyDown={onKeyDown}
              onClick={() => setAsking(false)}
            >
              Keep working
            </button>
          </div>
        </div>
      ) : (
        <>
          <p>When you are done, submit your exam. Recording stops after you submit.</p>
          <button
            ref={openRef}
            type="button"
            className="button primary"
            onClick={() => setAsking(true)}
          >
            Submit exam
          </button>
        </>
      )}
    </section>
  );
}
