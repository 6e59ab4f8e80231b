import { useSyncExternalStore } from 'react';
import type { CaptureSession, CaptureStatus } from './capture-session';
import type { QueueStatus } from './upload-queue';

/** The upload queue's status, re-rendering on every change. */
export function useQueueStatus(capture: CaptureSession): QueueStatus {
  return useSyncExternalStore(
    (notify) => capture.queue.subscribe(notify),
    () => capture.queue.getStatus(),
  );
}

/** The recorders' status, re-rendering on every change. */
export function useCaptureStatus(capture: CaptureSession): CaptureStatus {
  return useSyncExternalStore(
    (notify) => capture.subscribe(notify),
    () => capture.getStatus(),
  );
}
