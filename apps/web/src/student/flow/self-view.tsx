import { useState } from 'react';
import type { CaptureSession } from '../../capture/capture-session';
import { useCaptureStatus } from '../../capture/use-capture';
import { StreamPreview } from './stream-preview';

const storageKey = (sessionId: string) => `invigil.selfView.${sessionId}`;

/** Whether the student collapsed the self-view in this attempt (remembered across reloads). */
export function readSelfViewOpen(sessionId: string): boolean {
  try {
    return localStorage.getItem(storageKey(sessionId)) !== 'collapsed';
  } catch {
    return true;
  }
}

function rememberSelfViewOpen(sessionId: string, open: boolean): void {
  try {
    if (open) localStorage.removeItem(storageKey(sessionId));
    else localStorage.setItem(storageKey(sessionId), 'collapsed');
  } catch {
    // Storage may be off (private mode): the choice lasts until the page reloads.
  }
}

/**
 * A small mirrored view of the student's own camera, from the capture session's stream (no
 * second camera is opened). The student can collapse it; the choice is kept per attempt.
 * Collapsing only hides the picture: recording goes on either way.
 */
export function SelfView({ sessionId, capture }: { sessionId: string; capture: CaptureSession }) {
  // Re-rendered on capture changes, so a reconnected camera's new stream is shown.
  useCaptureStatus(capture);
  const stream = capture.getSources().camera;
  const [open, setOpen] = useState(() => readSelfViewOpen(sessionId));
  if (!stream || stream.getVideoTracks().length === 0) return null;

  const toggle = () => {
    setOpen(!open);
    rememberSelfViewOpen(sessionId, !open);
  };
  return (
    <section className="card self-view" aria-labelledby="self-view-title">
      <div className="self-view-head">
        <h2 id="self-view-title" className="self-view-title">
          Your camera
        </h2>
        <button
          type="button"
          className="button secondary small"
          aria-expanded={open}
          aria-controls="self-view-body"
          onClick={toggle}
        >
          {open ? 'Hide' : 'Show'}
          <span className="sr-only"> my camera</span>
        </button>
      </div>
      <div id="self-view-body" hidden={!open}>
        {open ? <StreamPreview stream={stream} label="Your camera (mirrored)" mirrored /> : null}
      </div>
      {open ? null : <p className="small muted">Hidden. Recording continues.</p>}
    </section>
  );
}
