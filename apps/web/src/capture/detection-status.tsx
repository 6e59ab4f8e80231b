import { useEffect, useState } from 'react';
import type { FaceQualityFactor, StudentPolicy } from '@invigil/contracts';
import type { CaptureSession } from './capture-session';
import type { DetectionController, DetectionStatus } from './detection-controller';

const OFF: DetectionStatus = { state: 'off', fps: 0, frames: 0, analysisMs: 0 };

/**
 * Runs the detectors while the capture records, and returns their status. The detection
 * code (and, through its worker, the models' library) is loaded only here, on demand, so it
 * is not part of the app's main bundle. Stopping (unmount, or recording stops) reports the
 * conditions still on as ended.
 */
export function useDetection(
  capture: CaptureSession,
  policy: StudentPolicy,
  recording: boolean,
): DetectionStatus {
  const [status, setStatus] = useState<DetectionStatus>(OFF);
  useEffect(() => {
    if (!recording) return;
    let controller: DetectionController | null = null;
    let cancelled = false;
    let unsubscribe = () => {};
    void import('./detection-controller')
      .then(({ DetectionController }) => {
        if (cancelled) return;
        controller = new DetectionController(capture, policy);
        unsubscribe = controller.subscribe(setStatus);
        return controller.start();
      })
      .catch((error: unknown) => {
        // The code itself failed to load (e.g. an outdated page after an upgrade).
        console.warn('Detection could not start:', error);
        if (!cancelled) setStatus({ ...OFF, state: 'unavailable' });
      });
    return () => {
      cancelled = true;
      unsubscribe();
      controller?.stop();
      setStatus(OFF);
    };
  }, [capture, policy, recording]);
  return status;
}

const TEXT: Record<DetectionStatus['state'], string> = {
  off: '',
  starting: 'Monitoring starting…',
  active: 'Monitoring active',
  unavailable: 'Monitoring unavailable — your exam continues',
};

/**
 * A small status for the student: that automatic monitoring is on, nothing about what it
 * sees; when it could not start, a calm note that the exam simply continues (recording and
 * uploads never depend on it). Announced politely on change. The frame rate and time per
 * frame sit in data attributes for the benchmark and support (harmless: they say nothing
 * about the student).
 */
export function DetectionIndicator({ status }: { status: DetectionStatus }) {
  if (status.state === 'off') return null;
  return (
    <>
      <MonitoringState status={status} />
      <CameraHint factor={status.state === 'active' ? (status.cameraHint ?? null) : null} />
    </>
  );
}

function MonitoringState({ status }: { status: DetectionStatus }) {
  return (
    <span
      className={`monitor-indicator monitor-${status.state}`}
      data-detection-fps={status.fps}
      data-detection-frames={status.frames}
      data-detection-ms={status.analysisMs}
    >
      <span className="monitor-dot" aria-hidden="true" />
      <span role="status" aria-live="polite">
        {TEXT[status.state]}
      </span>
    </span>
  );
}

/** What the student can do about each reason a face is too poor to compare. */
export const CAMERA_HINT_TEXT: Record<FaceQualityFactor, string> = {
  brightness: 'Your face is hard to see. More light in front of you would help, e.g. a lamp.',
  noise: 'The camera picture is grainy. More light in front of you would help, e.g. a lamp.',
  size: 'You appear small in the picture. Sitting a little closer to the camera would help.',
  blur: 'The camera picture is blurred. Check that the lens is clean and the camera is steady.',
  pose: 'Your face is hard to see. Facing the camera would help.',
};

/**
 * A gentle hint while the camera picture has been too poor to check the student's face for
 * a while: what would help, never an accusation. Announced politely; the live region stays
 * mounted so that the hint is announced when it appears.
 */
export function CameraHint({ factor }: { factor: FaceQualityFactor | null }) {
  return (
    <span className="camera-hint" role="status" aria-live="polite">
      {factor ? CAMERA_HINT_TEXT[factor] : null}
    </span>
  );
}
