import { forwardRef, useCallback, useEffect, useImperativeHandle, useMemo, useState } from 'react';
import { recordingApi } from '../capture/api';
import { ErrorState, Loading } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { usePlayerClock } from './player-clock';
import { PlayerButtons, PositionSlider } from './player-controls';
import { GapList, RoomScan, Stills } from './recording-extras';
import { buildTimeline, PLAYED_TRACKS, type Timeline } from './timeline';
import { TrackVideo } from './track-video';
import './player.css';

/** Controls the player from outside (the proctor dashboard links flags to moments). */
export interface RecordingPlayerHandle {
  /** Jumps to exam time `examMs` (ms since the start of the recording). */
  seekTo(examMs: number): void;
  /** Jumps to an epoch-ms moment (e.g. an event's client time). */
  seekToEpoch(epochMs: number): void;
  play(): void;
  pause(): void;
}

/** Props of RecordingPlayer. */
export interface RecordingPlayerProps {
  sessionId: string;
  /** Exam time to start at, ms. */
  initialMs?: number;
  /** Called about four times a second while the position changes (exam time, ms). */
  onTimeChange?: (examMs: number) => void;
  /**
   * The attempt is still running: its recording keeps growing, so it is never called
   * complete (the server's `complete` then only says nothing is missing so far).
   */
  running?: boolean;
}

/**
 * Plays a session's webcam and screen recordings side by side, in sync: one clock drives both
 * videos; for each moment the segment of each track that contains it is loaded from the
 * server and positioned, and the next segment follows when one ends. Gaps are shown on the
 * slider and in each video's place.
 */
export const RecordingPlayer = forwardRef<RecordingPlayerHandle, RecordingPlayerProps>(
  function RecordingPlayer({ sessionId, initialMs = 0, onTimeChange, running = false }, ref) {
    const load = useCallback(
      (signal: AbortSignal) => recordingApi.manifest(sessionId, {}, signal),
      [sessionId],
    );
    const manifest = useResource(load);
    const timeline = useMemo(
      () => (manifest.data ? buildTimeline(manifest.data) : null),
      [manifest.data],
    );

    if (!timeline) {
      return manifest.error ? (
        <ErrorState error={manifest.error} onRetry={manifest.reload} />
      ) : (
        <Loading label="Loading the recording…" />
      );
    }
    return (
      <LoadedPlayer
        ref={ref}
        sessionId={sessionId}
        timeline={timeline}
        initialMs={initialMs}
        onTimeChange={onTimeChange}
        onReload={manifest.reload}
        reloading={manifest.loading}
        complete={!running && (manifest.data?.complete ?? false)}
        totalBytes={manifest.data?.totalBytes ?? 0}
      />
    );
  },
);

const LoadedPlayer = forwardRef<
  RecordingPlayerHandle,
  {
    sessionId: string;
    timeline: Timeline;
    initialMs: number;
    onTimeChange: ((examMs: number) => void) | undefined;
    onReload: () => void;
    reloading: boolean;
    complete: boolean;
    totalBytes: number;
  }
>(function LoadedPlayer(
  { sessionId, timeline, initialMs, onTimeChange, onReload, reloading, complete, totalBytes },
  ref,
) {
  const { startMs, endMs } = timeline;
  const duration = Math.max(0, endMs - startMs);
  const clock = usePlayerClock(
    startMs,
    endMs,
    startMs + Math.min(Math.max(0, initialMs), duration),
  );
  const { position, shown, playing, rate, setPlaying, setRate, seekEpoch } = clock;
  const [muted, setMuted] = useState(false);
  const seekTo = useCallback((examMs: number) => seekEpoch(startMs + examMs), [seekEpoch, startMs]);

  useImperativeHandle(
    ref,
    () => ({
      seekTo,
      seekToEpoch: seekEpoch,
      play: () => setPlaying(true),
      pause: () => setPlaying(false),
    }),
    [seekTo, seekEpoch, setPlaying],
  );

  const examMs = shown - startMs;
  useEffect(() => {
    onTimeChange?.(examMs);
  }, [examMs, onTimeChange]);

  const hasMedia = timeline.tracks.webcam.length + timeline.tracks.screen.length > 0;

  if (!hasMedia) {
    return (
      <div className="player">
        <p className="empty">
          No webcam or screen recording has been uploaded for this session yet.
        </p>
        <button type="button" className="button secondary" onClick={onReload} disabled={reloading}>
          {reloading ? 'Reloading…' : 'Reload'}
        </button>
        <Stills sessionId={sessionId} timeline={timeline} at={shown} />
      </div>
    );
  }

  const togglePlay = () => {
    if (!playing && position.current >= endMs) seekEpoch(startMs);
    setPlaying((p) => !p);
  };

  return (
    <div className="player">
      <div className="player-videos">
        {PLAYED_TRACKS.map((track) => (
          <TrackVideo
            key={track}
            sessionId={sessionId}
            track={track}
            segments={timeline.tracks[track]}
            clock={clock}
            muted={track === 'screen' || muted}
          />
        ))}
      </div>
      <PlayerButtons
        playing={playing}
        onTogglePlay={togglePlay}
        onJump={(deltaMs) => seekEpoch(position.current + deltaMs)}
        examMs={examMs}
        duration={duration}
        rate={rate}
        onRate={setRate}
        muted={muted}
        onToggleMute={() => setMuted((m) => !m)}
      />
      <PositionSlider timeline={timeline} examMs={examMs} duration={duration} onSeek={seekTo} />
      <GapList timeline={timeline} onSeek={seekEpoch} />
      <p className="muted small">
        {complete ? 'Recording complete' : 'Recording may still be uploading'} ·{' '}
        {(totalBytes / 1_000_000).toFixed(1)} MB ·{' '}
        <button type="button" className="link-button" onClick={onReload} disabled={reloading}>
          {reloading ? 'Reloading…' : 'Reload the recording'}
        </button>
      </p>
      <Stills sessionId={sessionId} timeline={timeline} at={shown} />
      <RoomScan sessionId={sessionId} segments={timeline.tracks.room_scan} />
    </div>
  );
});
