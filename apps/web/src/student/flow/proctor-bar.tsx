import { useEffect, useRef, useState } from 'react';
import type { CaptureStatus } from '../../capture/capture-session';
import type { DetectionStatus } from '../../capture/detection-controller';
import { DetectionIndicator } from '../../capture/detection-status';
import { UploadHealth } from '../../capture/upload-health';
import type { QueueStatus } from '../../capture/upload-queue';
import type { SaveState } from './autosave';
import { formatRemaining, milestone, spokenRemaining } from './countdown';

const SAVE_TEXT: Record<SaveState, string> = {
  saved: 'All answers saved',
  pending: 'Saving…',
  saving: 'Saving…',
  retrying: 'Not saved — retrying',
  closed: 'Answers can no longer be changed',
};

/** What the recording indicator says. */
export function recordingText(status: CaptureStatus): string {
  if (!status.recording) return 'Not recording';
  const parts = [
    status.webcam === 'recording' ? 'camera' : null,
    status.screen === 'recording' ? 'screen' : null,
  ].filter(Boolean);
  return parts.length ? `Recording ${parts.join(' and ')}` : 'Recording stopped';
}

/**
 * The compact bar at the top of the exam: recording indicator, monitoring status, upload
 * health, answer saving and the countdown. Screen readers hear upload and saving changes (politely) and the time
 * left at a few milestones, not every second.
 */
export function ProctorBar({
  capture,
  queue,
  saveState,
  remainingMs,
  paused,
  monitoring,
}: {
  capture: CaptureStatus;
  /** Automatic monitoring (detection), when the exam uses it. */
  monitoring?: DetectionStatus;
  queue: QueueStatus;
  saveState: SaveState | null;
  remainingMs: number | null;
  paused: boolean;
}) {
  const [announce, setAnnounce] = useState('');
  const previous = useRef<number | null>(null);
  useEffect(() => {
    if (remainingMs === null) return;
    const before = previous.current;
    previous.current = remainingMs;
    if (before === null || paused) return;
    const crossed = milestone(before, remainingMs);
    if (crossed !== null) setAnnounce(spokenRemaining(remainingMs));
  }, [remainingMs, paused]);

  const recording =
    capture.recording && (capture.webcam === 'recording' || capture.screen === 'recording');
  const low = remainingMs !== null && remainingMs <= 5 * 60_000;
  return (
    <div className="proctor-bar" role="region" aria-label="Exam status">
      <span className={`rec-indicator${recording ? ' on' : ''}`}>
        <span className="rec-dot" aria-hidden="true" />
        {recordingText(capture)}
      </span>
      {monitoring ? <DetectionIndicator status={monitoring} /> : null}
      <UploadHealth status={queue} compact />
      {saveState ? (
        <span className={`save-state save-${saveState}`}>
          <span role="status" aria-live="polite">
            {SAVE_TEXT[saveState]}
          </span>
        </span>
      ) : null}
      {remainingMs !== null ? (
        <span className={`countdown${low ? ' low' : ''}${paused ? ' paused' : ''}`}>
          <span className="countdown-label">{paused ? 'Paused' : 'Time left'}</span>{' '}
          <span role="timer" aria-label={`Time left: ${spokenRemaining(remainingMs)}`}>
            {formatRemaining(remainingMs)}
          </span>
        </span>
      ) : null}
      <span className="sr-only" role="status" aria-live="polite">
        {announce}
      </span>
    </div>
  );
}
