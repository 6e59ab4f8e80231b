import type { RefObject } from 'react';
import { useFaceCount } from './face-check';

const TEXT = {
  0: 'No face in view. Sit facing the camera, in good light.',
  1: 'Face found: you are in view.',
  2: 'More than one face in view. Only you should be in front of the camera.',
} as const;

/**
 * Under the live camera preview: whether a face is in view, in words (and colour), updated as
 * the detector sees it; announced politely, and only when the count changes.
 */
export function FaceIndicator({ video }: { video: RefObject<HTMLVideoElement | null> }) {
  const count = useFaceCount(video, true);
  const state = count === null ? 'loading' : count === 1 ? 'ok' : 'problem';
  return (
    <p className={`face-indicator face-indicator-${state}`} role="status" aria-live="polite">
      <span aria-hidden="true" className="face-indicator-dot" />
      {count === null ? 'Looking for your face…' : TEXT[count]}
    </p>
  );
}
