import { useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import type { AnswerValue, ExamSession, StudentPolicy, StudentExamView } from '@invigil/contracts';
import { describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { useDetection } from '../../capture/detection-status';
import { useCaptureStatus, useQueueStatus } from '../../capture/use-capture';
import { Page } from '../../ui/page';
import { ErrorState, Loading } from '../../ui/states';
import { useNow } from '../../ui/use-now';
import { useResource } from '../../ui/use-resource';
import { attemptApi } from '../api';
import { AnswerSaver } from './autosave';
import { clockOffset, remainingMs } from './countdown';
import { RoomScanDialog, WarningDialog } from './intervention-dialogs';
import { ReEnrolDialog } from './re-enrol-dialog';
import { useStudentInterventions } from './intervention-live';
import { latestMessage, nextPrompt } from './intervention-model';
import { ProctorBar } from './proctor-bar';
import { useSessionPoll } from './session-poll';
import { ExternalExam } from './external-exam';
import {
  CaptureBackOn,
  Overlay,
  ReconnectPanel,
  recordingOffText,
  ResumeRecording,
} from './exam-room-panels';
import { QuestionItem } from './question-item';
import { SubmitPanel } from './submit-panel';
import { useBlockedActions, useFullscreen } from './exam-restrictions';
import { FullscreenGate } from './fullscreen-gate';
import { navigatorItems } from './navigator-model';
import { useQuestionMarks } from './question-marks';
import { MarkForReview, QuestionNavigator } from './question-navigator';
import { SelfView } from './self-view';
import { ChatDock, type DockOpenRequest } from './chat-dock';
import { HelpEntry } from './help-entry';
import { StudentLive } from '../../rtc/student-live';

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
  useEffect(() => {
    // Mount, clean-up, mount (StrictMode) must leave a working saver.
    saver.resume();
    return () => saver.dispose();
  }, [saver]);
  const [answers, setAnswers] = useState<Record<string, AnswerValue> | null>(null);
  const [submitting, setSubmitting] = useState<'manual' | 'auto' | null>(null);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [dockRequest, setDockRequest] = useState<DockOpenRequest | null>(null);
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

  // Exam-page restrictions (policy): full screen, and no clipboard, context menu or printing.
  const marks = useQuestionMarks(sessionId);
  const fullscreen = useFullscreen();
  const [wasFullscreen, setWasFullscreen] = useState(false);
  if (fullscreen.active && !wasFullscreen) setWasFullscreen(true);
  const needsFullscreen =
    policy.requireFullscreen &&
    !fullscreen.active &&
    session.state === 'in_progress' &&
    !needsResume &&
    !!view &&
    !closed;
  const blockedNotice = useBlockedActions(policy.blockClipboard, capture);
  const questions = view ? [...view.questions].sort((a, b) => a.position - b.position) : [];
  const navItems = navigatorItems(questions, currentAnswers, marks.marked);
  const selfView = policy.webcam ? <SelfView sessionId={sessionId} capture={capture} /> : null;
  // Which notice covers the exam (the order of the notices below). The chat dock stays usable
  // beside a pause or a recording problem, when a student most needs help; only a prompt that
  // must be answered and the full-screen gate make it inert.
  const answerFirst = prompt?.kind === 'warning' || (prompt?.kind === 're_enrol' && !problem);
  const waitingNotice = !answerFirst && (paused || !!problem);
  const dockBlocked = !waitingNotice && (!!prompt || needsFullscreen);
  const openDock = (ask: boolean) => setDockRequest((r) => ({ n: (r?.n ?? 0) + 1, ask }));
  const help = <HelpEntry policy={policy} onOpen={openDock} />;

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
      <div inert={paused || !!problem || !!prompt || needsFullscreen} className="exam-body">
        <Page title={title}>
          {needsResume ? (
            <ResumeRecording policy={policy} capture={capture} paused={paused} />
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
              <div className={`exam-layout${selfView || questions.length > 0 ? ' has-side' : ''}`}>
                <div className="exam-side">
                  {selfView}
                  {questions.length > 0 ? <QuestionNavigator items={navItems} /> : null}
                  {marks.error ? (
                    <p className="notice notice-error" role="alert">
                      {marks.error}
                    </p>
                  ) : null}
                </div>
                <div className="exam-main">
                  {view.externalUrl ? <ExternalExam url={view.externalUrl} /> : null}
                  {questions.length > 0 ? (
                    <ol className="questions" aria-label="Questions">
                      {questions.map((question, i) => (
                        <QuestionItem
                          key={question.id}
                          number={i + 1}
                          question={question}
                          value={currentAnswers[question.id]}
                          saveState={saver.stateOf(question.id)}
                          disabled={closed}
                          onChange={(value) => change(question.id, value)}
                          extra={
                            <MarkForReview
                              number={i + 1}
                              marked={marks.marked.has(question.id)}
                              disabled={closed}
                              onToggle={() => marks.toggle(question.id)}
                            />
                          }
                        />
                      ))}
                    </ol>
                  ) : !view.externalUrl ? (
                    <p className="empty">This exam has no questions here.</p>
                  ) : null}
                  <SubmitPanel
                    answered={navItems.filter((item) => item.answered).length}
                    total={view.questions.length}
                    busy={submitting !== null}
                    error={submitError}
                    onSubmit={() => void submit('manual')}
                  />
                </div>
              </div>
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
          policy={policy}
          onAcknowledge={interventions.acknowledge}
          onComplete={interventions.complete}
        />
      ) : paused ? (
        <Overlay id="paused" title="Your exam is paused by the proctor" modal={false}>
          {pauseNote ? (
            <p className="proctor-note">
              <strong>Message from the proctor:</strong> {pauseNote}
            </p>
          ) : null}
          {captureStatus.recording ? (
            <p>
              Your timer is stopped. Stay in front of your camera: recording continues, and the exam
              carries on as soon as the proctor resumes it.
            </p>
          ) : needsResume ? (
            // Reopened by staff, or reloaded while paused: turned back on here, the proctor sees
            // the student before resuming, and the exam continues at once.
            <>
              <p>
                Your timer is stopped. {recordingOffText(capture)} Turn it back on now; the exam
                carries on as soon as the proctor resumes it.
              </p>
              <CaptureBackOn policy={policy} capture={capture} />
            </>
          ) : (
            <p>
              Your timer is stopped and recording is starting again. The exam carries on as soon as
              the proctor resumes it.
            </p>
          )}
          {help}
        </Overlay>
      ) : problem ? (
        <Overlay id="problem" title="Recording needs your attention" modal={false}>
          <ReconnectPanel policy={policy} capture={capture} problem={problem} />
          {help}
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
      ) : needsFullscreen ? (
        <FullscreenGate left={wasFullscreen} onEnter={fullscreen.enter} />
      ) : null}
      <ChatDock
        sessionId={sessionId}
        policy={policy}
        channel={interventions.channel}
        blocked={dockBlocked}
        raised={waitingNotice}
        openRequest={dockRequest}
        resyncs={interventions.resyncs}
      />
      {/* Live views and calls: on the same channel, usable while paused. */}
      <StudentLive
        sessionId={sessionId}
        channel={interventions.channel}
        capture={capture}
        mayDecline={policy.studentMayDeclineCalls}
        resyncs={interventions.resyncs}
      />
      <div className="restriction-notice" role="status">
        {blockedNotice}
      </div>
    </>
  );
}
