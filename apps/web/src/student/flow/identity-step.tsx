import { useRef, useState } from 'react';
import type { SnapshotKind } from '@invigil/contracts';
import type { CaptureSession } from '../../capture/capture-session';
import { canvasToJpeg, drawFrame } from '../../capture/snapshots';
import { useQueueStatus } from '../../capture/use-capture';
import { StepHeading } from './check-in';
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
}

/** Identity enrolment: a face photo and an ID document photo, each retakeable, uploaded as snapshots. */
export function IdentityStep({ capture, onDone }: { capture: CaptureSession; onDone: () => void }) {
  const [index, setIndex] = useState(0);
  const [taken, setTaken] = useState<Taken | null>(null);
  const [keys, setKeys] = useState<Partial<Record<SnapshotKind, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const video = useRef<HTMLVideoElement | null>(null);
  const queue = useQueueStatus(capture);
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
    setTaken({ blob, dataUrl: canvas.toDataURL('image/jpeg', 0.85), takenMs: Date.now() });
  };

  const accept = async () => {
    if (!taken || !shot) return;
    setBusy(true);
    setError(null);
    try {
      const key = await capture.addPhoto(shot.kind, taken.blob, taken.takenMs);
      setKeys((prev) => ({ ...prev, [shot.kind]: key }));
      setTaken(null);
      setIndex((i) => i + 1);
    } catch (e) {
      setError(`The photo could not be saved: ${String(e)}`);
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
          <h3 id="shot-title">{shot.title}</h3>
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
          <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
          <div className="form-actions">
            {taken ? (
              <>
                <button
                  type="button"
                  className="button primary"
                  disabled={busy}
                  onClick={() => void accept()}
                >
                  {busy ? 'Saving…' : 'Use this photo'}
                </button>
                <button type="button" className="button secondary" onClick={() => setTaken(null)}>
                  Retake
                </button>
              </>
            ) : (
              <button
                type="button"
                className="button primary"
                aria-describedby="shot-guide"
                onClick={() => void take()}
              >
                Take photo
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
            <button type="button" className="button primary" onClick={onDone}>
              Continue
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
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
