import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';

/**
 * Who waits for an analysis. `interactive`: a person is waiting for the answer (a student's
 * check-in face photo); `background`: routine work nobody watches (the analysis queue).
 * Adapters run interactive calls ahead of, and apart from, background ones.
 */
export type DetectorLane = 'interactive' | 'background';

/**
 * Runs the detectors on one still image. The embedded adapter is a pool of worker threads
 * (the models never block the API's event loop); another adapter may send the work to
 * `invigil worker` processes elsewhere. Adapters hold no business rules.
 */
export interface Detector {
  /**
   * Analyse JPEG or PNG bytes. Rejects with an error named `UnreadableImageError` when the
   * bytes are not a readable image (permanent), any other error when the analysis failed
   * (worth retrying). Calls may overlap; the adapter queues them. `lane` (default
   * `background`) says whether a person is waiting: adapters give interactive calls capacity
   * of their own, so they do not queue behind background calls.
   */
  analyze(bytes: Uint8Array, options?: AnalyzeOptions, lane?: DetectorLane): Promise<NodeAnalysis>;
  /** Stop the workers; calls still queued or running are rejected. */
  close(): Promise<void>;
}

/** Whether an error from `analyze` means the image itself is bad (retrying cannot help). */
export const isUnreadableImage = (error: unknown): boolean =>
  error instanceof Error && error.name === 'UnreadableImageError';
