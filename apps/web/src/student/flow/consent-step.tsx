import { useId, useState } from 'react';
import type { CaptureSettings, ExamSession } from '@invigil/contracts';
import { describeError } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { attemptApi } from '../api';
import { restrictionItems } from './exam-restrictions';
import { StepHeading } from './step-heading';

/** What is recorded under a policy, as plain sentences for the privacy notice. */
export function recordedItems(policy: CaptureSettings): string[] {
  const items: string[] = [];
  if (policy.webcam && policy.microphone) {
    items.push('Video from your webcam and sound from your microphone, for the whole exam.');
  } else if (policy.webcam) {
    items.push('Video from your webcam, for the whole exam (no sound).');
  } else if (policy.microphone) {
    items.push('Sound from your microphone, for the whole exam.');
  }
  if (policy.screen) items.push('Your entire screen, for the whole exam.');
  if (policy.webcam || policy.screen) {
    items.push(
      `Still pictures of your webcam${policy.screen ? ' and screen' : ''} every ${policy.snapshotIntervalSeconds} seconds.`,
    );
  }
  if (policy.identityCheck)
    items.push('A photo of your face and a photo of your identity document.');
  if (policy.roomScan) items.push('A short video of the room you are in, before the exam.');
  items.push(
    'Browser events: switching to another tab or window, leaving full screen, copy, cut and paste, right-click menus, printing, and changes of network or displays. Not what you type elsewhere.',
  );
  items.push('Your answers and when you saved and submitted them.');
  return items;
}

/** What check-in itself records before the exam starts, as a parenthesis (or nothing). */
function checkInCapture(policy: CaptureSettings): string {
  const parts = [
    policy.identityCheck ? 'the identity photos' : null,
    policy.roomScan ? 'the room scan' : null,
  ].filter(Boolean);
  return parts.length > 0
    ? ` (${parts.join(' and ')} ${policy.identityCheck ? 'are' : 'is'} taken during check-in)`
    : '';
}

/** Consent and the privacy notice: what is recorded, who sees it, how long it is kept. */
export function ConsentStep({
  session,
  policy,
  capture,
  onSession,
  onDeclined,
}: {
  session: ExamSession;
  policy: CaptureSettings;
  capture: CaptureSession;
  onSession: (session: ExamSession) => void;
  onDeclined: () => void;
}) {
  const [agreed, setAgreed] = useState(false);
  const [busy, setBusy] = useState<'agree' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [needsTick, setNeedsTick] = useState(false);
  const checkboxId = useId();

  /** Check-in starts with either answer, so that the answer can be recorded. */
  const beginCheckIn = async (): Promise<ExamSession> =>
    session.state === 'registered'
      ? attemptApi.transition(session.id, 'checking_in')
      : Promise.resolve(session);

  const agree = async () => {
    if (!agreed) {
      setNeedsTick(true);
      document.getElementById(checkboxId)?.focus();
      return;
    }
    setBusy('agree');
    setError(null);
    try {
      await beginCheckIn();
      const updated = await attemptApi.consent(session.id);
      capture.startUploads();
      capture.events.record('consent.given');
      void capture.events.flush();
      onSession(updated);
    } catch (e) {
      setError(describeError(e));
      setBusy(null);
    }
  };

  const decline = async () => {
    setBusy('decline');
    setError(null);
    try {
      const updated = await beginCheckIn();
      capture.startUploads();
      capture.events.record('consent.declined');
      await capture.events.flush();
      onSession(updated);
      onDeclined();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card consent" aria-labelledby="consent-heading">
      <StepHeading id="consent-heading">Recording and your privacy</StepHeading>
      <p>
        This exam is proctored online. Please read what that means before you agree. Nothing is
        recorded until you agree and press Start exam at the end of check-in
        {checkInCapture(policy)}.
      </p>
      <h3>What is recorded</h3>
      <ul>
        {recordedItems(policy).map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
      {restrictionItems(policy).length > 0 ? (
        <>
          <h3>What is restricted on the exam page</h3>
          <ul className="consent-restrictions">
            {restrictionItems(policy).map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>Who can see it</h3>
      <p>
        The proctors and instructors assigned to this exam, and your institution’s administrators.
        Every time staff open a recording it is written to an audit log. Recordings are stored on
        your institution’s own Invigil server; until they are uploaded they are kept in this browser
        on this computer.
      </p>
      <h3>How long it is kept</h3>
      <p>
        Your institution sets how long recordings are kept, after which they are deleted. Ask your
        institution for its retention period and privacy policy, and for how to see or contest what
        was recorded.
      </p>
      <h3>If you do not agree</h3>
      <p>
        You cannot take this exam with online proctoring. Your answer is noted for the exam staff;
        contact your instructor to ask about another arrangement.
      </p>
      <div className={`checkbox consent-box${needsTick && !agreed ? ' field-invalid' : ''}`}>
        <input
          id={checkboxId}
          type="checkbox"
          checked={agreed}
          aria-describedby={needsTick && !agreed ? `${checkboxId}-error` : undefined}
          aria-invalid={needsTick && !agreed ? true : undefined}
          onChange={(event) => setAgreed(event.target.checked)}
        />
        <label htmlFor={checkboxId}>
          I have read this notice and agree to be recorded as described during this exam.
        </label>
        {needsTick && !agreed ? (
          <p id={`${checkboxId}-error`} className="field-error">
            Tick the box to agree, or choose “I do not agree”.
          </p>
        ) : null}
      </div>
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      <div className="form-actions">
        <button
          type="button"
          className="button primary"
          disabled={busy !== null}
          onClick={() => void agree()}
        >
          {busy === 'agree' ? 'Saving…' : 'Agree and continue'}
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={busy !== null}
          onClick={() => void decline()}
        >
          {busy === 'decline' ? 'Saving…' : 'I do not agree'}
        </button>
      </div>
    </section>
  );
}
