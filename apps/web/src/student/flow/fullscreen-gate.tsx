import { useState } from 'react';
import { Overlay } from './exam-room-panels';

/**
 * Covers the exam while an exam that requires full screen is not in full screen: at the start,
 * and whenever the student leaves it (the exit is recorded by the event collector and judged
 * on the server). The timer keeps running; the button returns to full screen.
 */
export function FullscreenGate({
  left,
  onEnter,
}: {
  /** True when the student was in full screen and left it (rather than not entered yet). */
  left: boolean;
  onEnter: () => Promise<void>;
}) {
  const [error, setError] = useState<string | null>(null);
  const enter = async () => {
    setError(null);
    try {
      await onEnter();
    } catch {
      setError(
        'The browser did not switch to full screen. Try again, or press F11, and ask the proctor for help if it keeps failing.',
      );
    }
  };
  return (
    <Overlay
      id="fullscreen"
      title={left ? 'Return to full screen to continue' : 'This exam runs in full screen'}
    >
      <p>
        {left
          ? 'You left full screen. The questions are hidden until you return; this was recorded and the proctor can see it.'
          : 'The questions are shown once the exam page is in full screen. Leaving full screen during the exam hides them again and is recorded.'}{' '}
        Your time keeps running.
      </p>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="button" className="button primary" onClick={() => void enter()}>
          {left ? 'Return to full screen' : 'Enter full screen'}
        </button>
      </div>
    </Overlay>
  );
}
