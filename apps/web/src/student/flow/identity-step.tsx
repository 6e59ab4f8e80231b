import { useEffect, useRef, useState } from 'react';
import type { SnapshotKind } from '@invigil/contracts';
import { ApiError, NETWORK_ERROR } from '../../api/errors';
import type { CaptureSession } from '../../capture/capture-session';
import { canvasToJpeg, drawFrame } from '../../capture/snapshots';
import { useQueueStatus } from '../../capture/use-capture';
import type { BrowserDetector } from '@invigil/detection/browser';
import { checkPhotoInBrowser, checkFacePhoto, loadFaceDetector, problemText } from './face-check';
import { StepHeading } from './step-heading';
import { StreamPreview } from './stream-preview';

interface Shot {
  kind: 'id_face' | 'id_document';
  title: string;
  guide: string;
  overlay: 'face' | 'card';
}

const SHOTS: Shot[] = [
  {
    kind: 'id_face',
    title: 'Photo of your face',
    guide:
      'Look straight at the camera with your face inside the oval, in good light, without a cap or sunglasses.',
    overlay: 'face',
  },
  {
    kind: 'id_document',
    title: 'Photo of your identity document',
    guide:
      'Hold your student card, ID card or passport photo page inside the frame, close enough that the photo and your name are readable. Avoid glare.',
    overlay: 'card',
  },
];

interface Taken {
  blob: Blob;
  dataUrl: string;
  takenMs: number;
  /** Why the face photo cannot be used (browser or server check): only Retake is offered. */
  problem?: string;
}

/** Where the keyboard focus goes after a button that disappears was pressed. */
type FocusTarget = 'shot' | 'take' | 'use' | 'retake' | 'done';

/**
 * Identity enrolment: a face photo and an ID document photo, each retakeable, uploaded as
 * snapshots. Used at check-in and when a proctor asks for new photos during the exam
 * (`doneLabel` names what the last button does there). With `faceCheck` the face photo is
 * checked at once in the browser (one face, bright and sharp enough) and then by the server
 * before it is queued; a problem is said in words and only Retake is offered.
 */
export function IdentityStep({
  capture,
  onDone,
  doneLabel = 'Continue',
  faceCheck,
}: {
  capture: CaptureSession;
  onDone: () => void;
  doneLabel?: string;
  faceCheck?: { sessionId: string };
}) {
  const [index, setIndex] = useState(0);
  const [taken, setTaken] = useState<Taken | null>(null);
  const [keys, setKeys] = useState<Partial<Record<SnapshotKind, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const video = useRef<HTMLVideoElement | null>(null);
  const queue = useQueueStatus(capture);
  // The buttons pressed here are replaced by others (Take photo → Use this photo, → the next
  // photo, → Continue): focus follows, so a keyboard or screen reader user is never dropped
  // to the top of the page (or, in a dialog, out of it).
  const focusNext = useRef<FocusTarget | null>(null);
  const shotHeading = useRef<HTMLHeadingElement>(null);
  const takeButton = useRef<HTMLButtonElement>(null);
  const acceptButton = useRef<HTMLButtonElement>(null);
  const doneButton = useRef<HTMLButtonElement>(null);
  const retakeButton = useRef<HTMLButtonElement>(null);
  const [checking, setChecking] = useState(false);
  // The face detector loads while the student gets ready; stopped when the step is left.
  const detector = useRef<Promise<BrowserDetector | null> | null>(null);
  const checksFace = !!faceCheck;
  useEffect(() => {
    if (!checksFace) return;
    const loading = loadFaceDetector();
    detector.current = loading;
    return () => {
      void loading.then((d) => d?.stop());
      detector.current = null;
    };
  }, [checksFace]);
  useEffect(() => {
    const target = focusNext.current;
    if (!target) return;
    focusNext.current = null;
    const targets = {
      shot: shotHeading,
      take: takeButton,
      use: acceptButton,
      retake: retakeButton,
      done: doneButton,
    };
    targets[target].current?.focus();
  });
  const camera = capture.getSources().camera;
  const shot = SHOTS[index];

  const take = async () => {
    setError(null);
    const element = video.current;
    if (element && element.videoWidth === 0) {
      // The preview has just started: wait briefly for its first frame.
      await new Promise<void>((resolve) => {
        const timer = window.setTimeout(resolve, 2000);
        element.addEventListener(
          'loadeddata',
          () => {
            window.clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
    const canvas = element ? drawFrame(element, 1280) : null;
    if (!canvas) {
      setError('The camera has no picture yet. Wait a moment and try again.');
      return;
    }
    const blob = await canvasToJpeg(canvas, 0.85);
    if (!blob) {
      setError('The photo could not be taken. Try again.');
      return;
    }
    // A data: URL, not a blob: URL, so the preview also works under a strict CSP.
    const photo: Taken = {
      blob,
      dataUrl: canvas.toDataURL('image/jpeg', 0.85),
      takenMs: Date.now(),
    };
    if (faceCheck && shot?.kind === 'id_face') {
      setChecking(true);
      const verdict = await checkPhotoInBrowser(await detector.current, canvas, blob);
      setChecking(false);
      if (verdict.problem) photo.problem = problemText(verdict.problem);
    }
    focusNext.current = photo.problem ? 'retake' : 'use';
    setTaken(photo);
  };

  const accept = async () => {
    if (!taken || !shot) return;
    setBusy(true);
    setError(null);
    if (faceCheck && shot.kind === 'id_face') {
      // The server's verdict before queueing (the browser's was given when it was taken).
      try {
        const verdict = await checkFacePhoto(faceCheck.sessionId, taken.blob);
        if (verdict.problem) {
          setTaken({ ...taken, problem: problemText(verdict.problem) });
          setBusy(false);
          focusNext.current = 'retake';
          return;
        }
      } catch (e) {
        // Offline, the photo is saved on this computer and judged when its upload arrives
        // (the page says so); any other failure is told, and the student tries again.
        if (!(e instanceof ApiError && e.code === NETWORK_ERROR)) {
          setError(`The photo could not be checked: ${e instanceof Error ? e.message : String(e)}`);
          setBusy(false);
          focusNext.current = 'use';
          return;
        }
      }
    }
    try {
      const key = await capture.addPhoto(shot.kind, taken.blob, taken.takenMs);
      setKeys((prev) => ({ ...prev, [shot.kind]: key }));
      setTaken(null);
      setIndex((i) => i + 1);
      focusNext.current = index + 1 < SHOTS.length ? 'shot' : 'done';
    } catch (e) {
      setError(`The photo could not be saved: ${String(e)}`);
      focusNext.current = 'use';
    } finally {
      setBusy(false);
    }
  };

  const uploadState = (kind: SnapshotKind) => {
    const key = keys[kind];
    if (!key) return null;
    return capture.queue.isPending(key)
      ? queue.offline
        ? 'Saved on this computer; uploads when you are back online'
        : 'Saved; uploading…'
      : 'Uploaded';
  };

  if (!camera || camera.getVideoTracks().length === 0) {
    return (
      <section className="card" aria-labelledby="identity-heading">
        <StepHeading id="identity-heading">Identity check</StepHeading>
        <p className="notice notice-error">
          The camera is off. Go back to the system check and turn it on.
        </p>
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="identity-heading">
      <StepHeading id="identity-heading">Identity check</StepHeading>
      <p>
        Two photos let the exam staff confirm that you are the person taking the exam. They are seen
        only by the staff listed in the privacy notice.
      </p>
      <ol className="id-progress">
        {SHOTS.map((s, i) => (
          <li key={s.kind} aria-current={i === index ? 'step' : undefined}>
            {s.title}: {i < index ? (uploadState(s.kind) ?? 'Done') : i === index ? 'now' : 'next'}
          </li>
        ))}
      </ol>
      {shot ? (
        <div className="id-capture">
          <h3 id="shot-title" ref={shotHeading} tabIndex={-1} className="step-heading">
            {shot.title}
          </h3>
          <p id="shot-guide">{shot.guide}</p>
          <div className="id-stage">
            {/* The camera stays mounted under a taken photo, so a retake is instant. */}
            <StreamPreview ref={video} stream={camera} label={`Camera: ${shot.title}`} />
            {taken ? (
              <img
                src={taken.dataUrl}
                alt={`${shot.title}, as taken`}
                className="preview id-taken"
              />
            ) : (
              <div className={`id-overlay id-overlay-${shot.overlay}`} aria-hidden="true" />
            )}
          </div>
          <div role="alert">
            {error ? <p className="notice notice-error">{error}</p> : null}
            {taken?.problem ? (
              <p className="notice notice-error">This photo cannot be used. {taken.problem}</p>
            ) : null}
          </div>
          <p className="sr-only" role="status">
            {checking ? 'Checking the photo…' : busy ? 'Saving…' : ''}
          </p>
          <div className="form-actions">
            {taken?.problem ? (
              <button
                ref={retakeButton}
                type="button"
                className="button primary"
                onClick={() => {
                  focusNext.current = 'take';
                  setTaken(null);
                }}
              >
                Retake
              </button>
            ) : taken ? (
              <>
                <button
                  ref={acceptButton}
                  type="button"
                  className="button primary"
                  aria-disabled={busy}
                  onClick={() => {
                    if (!busy) void accept();
                  }}
                >
                  {busy ? 'Checking and saving…' : 'Use this photo'}
                </button>
                <button
                  type="button"
                  className="button secondary"
                  onClick={() => {
                    focusNext.current = 'take';
                    setTaken(null);
                  }}
                >
                  Retake
                </button>
              </>
            ) : (
              <button
                ref={takeButton}
                type="button"
                className="button primary"
                aria-describedby="shot-guide"
                aria-disabled={checking}
                onClick={() => {
                  if (!checking) void take();
                }}
              >
                {checking ? 'Checking the photo…' : 'Take photo'}
              </button>
            )}
          </div>
        </div>
      ) : (
        <div>
          <p className="notice notice-success" role="status">
            Both photos are saved.
          </p>
          <div className="form-actions">
            <button ref={doneButton} type="button" className="button primary" onClick={onDone}>
              {doneLabel}
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                focusNext.current = 'shot';
                setIndex(0);
                setTaken(null);
              }}
            >
              Retake the photos
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
