import {
  forwardRef,
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
  type MutableRefObject,
} from 'react';
import type { MediaSegment } from '@invigil/contracts';
import { recordingApi } from '../capture/api';
import { ErrorState, Loading } from '../ui/states';
import { useResource } from '../ui/use-resource';
import {
  buildTimeline,
  formatClock,
  gapSpans,
  latestSnapshot,
  PLAYED_TRACKS,
  segmentAfter,
  segmentAt,
  snapshotAt,
  spokenClock,
  type PlayedTrack,
  type Timeline,
} from './timeline';
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
}

const TRACK_LABEL: Record<PlayedTrack, string> = { webcam: 'Webcam', screen: 'Screen' };
const RATES = [1, 2, 4];
/** How far a video may drift from the shared clock before it is corrected, s. */
const MAX_DRIFT_S = 0.4;

interface Clock {
  /** The shared position (epoch ms), exact; the videos follow it. */
  position: MutableRefObject<number>;
  /** The position as last rendered (a few times a second, and on every seek). */
  shown: number;
  playing: boolean;
  rate: number;
}

/**
 * Plays a session's webcam and screen recordings side by side, in sync: one clock drives both
 * videos; for each moment the segment of each track that contains it is loaded from the
 * server and positioned, and the next segment follows when one ends. Gaps are shown on the
 * slider and in each video's place.
 */
export const RecordingPlayer = forwardRef<RecordingPlayerHandle, RecordingPlayerProps>(
  function RecordingPlayer({ sessionId, initialMs = 0, onTimeChange }, ref) {
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
        complete={manifest.data?.complete ?? false}
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
  const initial = startMs + Math.min(Math.max(0, initialMs), duration);
  const position = useRef(initial);
  const [shown, setShown] = useState(initial);
  const [playing, setPlaying] = useState(false);
  const [rate, setRate] = useState(1);
  const [muted, setMuted] = useState(false);
  const sliderId = useId();

  const seekEpoch = useCallback(
    (epochMs: number) => {
      position.current = Math.min(endMs, Math.max(startMs, epochMs));
      setShown(position.current);
    },
    [startMs, endMs],
  );
  const seekTo = useCallback((examMs: number) => seekEpoch(startMs + examMs), [seekEpoch, startMs]);

  useImperativeHandle(
    ref,
    () => ({
      seekTo,
      seekToEpoch: seekEpoch,
      play: () => setPlaying(true),
      pause: () => setPlaying(false),
    }),
    [seekTo, seekEpoch],
  );

  // The shared clock: advances while playing, re-rendering four times a second.
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let frame = 0;
    let sinceRender = 0;
    const step = (now: number) => {
      const elapsed = (now - last) * rate;
      last = now;
      position.current = Math.min(endMs, position.current + elapsed);
      sinceRender += elapsed;
      if (position.current >= endMs) {
        setPlaying(false);
        setShown(position.current);
        return;
      }
      if (sinceRender >= 250 * rate) {
        sinceRender = 0;
        setShown(position.current);
      }
      frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [playing, rate, endMs]);

  const examMs = shown - startMs;
  useEffect(() => {
    onTimeChange?.(examMs);
  }, [examMs, onTimeChange]);

  const clock: Clock = { position, shown, playing, rate };
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

      <div className="player-controls">
        <button type="button" className="button primary small" onClick={togglePlay}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button
          type="button"
          className="button secondary small"
          onClick={() => seekEpoch(position.current - 10_000)}
        >
          Back 10 s
        </button>
        <button
          type="button"
          className="button secondary small"
          onClick={() => seekEpoch(position.current + 10_000)}
        >
          Forward 10 s
        </button>
        <span className="player-time" aria-hidden="true">
          {formatClock(examMs)} / {formatClock(duration)}
        </span>
        <label className="player-rate">
          Speed{' '}
          <select value={rate} onChange={(event) => setRate(Number(event.target.value))}>
            {RATES.map((r) => (
              <option key={r} value={r}>
                {r}×
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button secondary small"
          aria-pressed={muted}
          onClick={() => setMuted((m) => !m)}
        >
          {muted ? 'Unmute' : 'Mute'}
        </button>
      </div>

      <div className="player-slider">
        <label htmlFor={sliderId} className="sr-only">
          Position in the recording
        </label>
        <input
          id={sliderId}
          type="range"
          min={0}
          max={duration}
          step={1000}
          value={Math.round(examMs)}
          aria-valuetext={`${spokenClock(examMs)} of ${spokenClock(duration)}`}
          onChange={(event) => seekTo(Number(event.target.value))}
        />
        <div className="gap-bars" aria-hidden="true">
          {PLAYED_TRACKS.map((track) => (
            <div
              key={track}
              className={`gap-bar gap-bar-${track}`}
              title={`${TRACK_LABEL[track]} gaps`}
            >
              {gapSpans(timeline, track).map(({ from, to, gap }) => (
                <span
                  key={`${gap.fromMs}-${gap.toMs}`}
                  className="gap"
                  style={{ left: `${from * 100}%`, width: `${Math.max(0.5, (to - from) * 100)}%` }}
                />
              ))}
            </div>
          ))}
        </div>
      </div>

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

/** One track's video, following the shared clock segment by segment. */
function TrackVideo({
  sessionId,
  track,
  segments,
  clock,
  muted,
}: {
  sessionId: string;
  track: PlayedTrack;
  segments: MediaSegment[];
  clock: Clock;
  muted: boolean;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const loaded = useRef<MediaSegment | null>(null);
  const [gap, setGap] = useState(false);
  const [failed, setFailed] = useState(false);
  const { position, shown, playing, rate } = clock;

  const load = useCallback(
    (segment: MediaSegment) => {
      const element = video.current;
      if (!element) return;
      loaded.current = segment;
      setFailed(false);
      element.src = recordingApi.mediaUrl(sessionId, track, segment.seq);
      element.load();
    },
    [sessionId, track],
  );

  // Follow the clock: load the segment containing the position, correct drift, play/pause.
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const at = position.current;
    const current = loaded.current;
    const segment =
      current && current.startMs <= at && at <= current.endMs ? current : segmentAt(segments, at);
    if (!segment) {
      setGap(true);
      if (!element.paused) element.pause();
      return;
    }
    setGap(false);
    element.playbackRate = rate;
    if (segment !== current) {
      load(segment);
      return;
    }
    if (element.readyState < 1) return;
    const offset = (at - segment.startMs) / 1000;
    const length = Number.isFinite(element.duration) ? element.duration : Infinity;
    if (
      !element.seeking &&
      offset < length &&
      Math.abs(element.currentTime - offset) > MAX_DRIFT_S
    ) {
      element.currentTime = offset;
    }
    if (playing && element.paused && !element.ended) void element.play().catch(() => undefined);
    if (!playing && !element.paused) element.pause();
  }, [shown, playing, rate, segments, load, position]);

  const onLoaded = () => {
    const element = video.current;
    const segment = loaded.current;
    if (!element || !segment) return;
    element.playbackRate = rate;
    element.currentTime = Math.max(0, (position.current - segment.startMs) / 1000);
    if (playing) void element.play().catch(() => undefined);
  };

  // A segment ended: the next one follows if the clock is about to reach it.
  const onEnded = () => {
    const segment = loaded.current;
    if (!segment) return;
    const next = segmentAfter(segments, segment);
    if (next && next.startMs <= position.current + 1500) load(next);
  };

  return (
    <figure className="player-track">
      <figcaption>{TRACK_LABEL[track]}</figcaption>
      <div className="player-frame">
        {/* Proctoring recordings have no captions; the events list describes what happened. */}
        {/* eslint-disable-next-line jsx-a11y/media-has-caption */}
        <video
          ref={video}
          className={gap ? 'hidden-video' : undefined}
          muted={muted}
          playsInline
          preload="auto"
          aria-label={`${TRACK_LABEL[track]} recording`}
          onLoadedMetadata={onLoaded}
          onEnded={onEnded}
          onError={() => setFailed(true)}
        />
        {gap ? (
          <p className="player-gap">
            No {TRACK_LABEL[track].toLowerCase()} recording at this moment.
          </p>
        ) : failed ? (
          <p className="player-gap">This part of the recording could not be loaded.</p>
        ) : null}
      </div>
    </figure>
  );
}

/** The gaps as a list of buttons that jump to them. */
function GapList({ timeline, onSeek }: { timeline: Timeline; onSeek: (epochMs: number) => void }) {
  const gaps = timeline.gaps.filter((g) => g.track !== 'room_scan');
  if (gaps.length === 0) return <p className="muted small">No gaps in the recording.</p>;
  return (
    <details className="gap-list">
      <summary>
        {gaps.length} gap{gaps.length === 1 ? '' : 's'} in the recording
      </summary>
      <ul>
        {gaps.map((g) => (
          <li key={`${g.track}-${g.fromMs}`}>
            <button type="button" className="link-button" onClick={() => onSeek(g.fromMs)}>
              {TRACK_LABEL[g.track as PlayedTrack]}: {formatClock(g.fromMs - timeline.startMs)}–
              {formatClock(g.toMs - timeline.startMs)}
            </button>
            {g.missingSeqs.length ? (
              <span className="muted small">
                {' '}
                (missing segment{g.missingSeqs.length === 1 ? '' : 's'} {g.missingSeqs.join(', ')})
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Identity photos and the snapshots nearest the current moment. */
function Stills({
  sessionId,
  timeline,
  at,
}: {
  sessionId: string;
  timeline: Timeline;
  at: number;
}) {
  const items = [
    { label: 'Face photo (identity check)', snap: latestSnapshot(timeline.snapshots, 'id_face') },
    { label: 'Identity document', snap: latestSnapshot(timeline.snapshots, 'id_document') },
    { label: 'Webcam snapshot at this time', snap: snapshotAt(timeline.snapshots, 'webcam', at) },
    { label: 'Screen snapshot at this time', snap: snapshotAt(timeline.snapshots, 'screen', at) },
  ].filter((i) => i.snap);
  if (items.length === 0) return null;
  return (
    <div className="stills">
      {items.map(({ label, snap }) => (
        <figure key={label} className="still">
          <img
            src={recordingApi.snapshotUrl(sessionId, snap!.kind, snap!.seq)}
            alt={label}
            loading="lazy"
          />
          <figcaption>
            {label}
            {snap!.kind === 'webcam' || snap!.kind === 'screen'
              ? ` (${formatClock(snap!.takenMs - timeline.startMs)})`
              : ''}
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** The room scan, one short clip per segment. */
function RoomScan({ sessionId, segments }: { sessionId: string; segments: MediaSegment[] }) {
  if (segments.length === 0) return null;
  return (
    <details className="room-scan">
      <summary>
        Room scan ({segments.length} part{segments.length === 1 ? '' : 's'})
      </summary>
      <div className="room-scan-clips">
        {segments.map((s, i) => (
          // eslint-disable-next-line jsx-a11y/media-has-caption
          <video
            key={s.seq}
            controls
            preload="metadata"
            src={recordingApi.mediaUrl(sessionId, 'room_scan', s.seq)}
            aria-label={`Room scan, part ${i + 1}`}
          />
        ))}
      </div>
    </details>
  );
}
