import { useId } from 'react';
import { RATES, TRACK_LABEL } from './player-clock';
import { formatClock, gapSpans, PLAYED_TRACKS, spokenClock, type Timeline } from './timeline';

/** Play/pause, jumps, speed and mute. */
export function PlayerButtons({
  playing,
  onTogglePlay,
  onJump,
  examMs,
  duration,
  rate,
  onRate,
  muted,
  onToggleMute,
}: {
  playing: boolean;
  onTogglePlay: () => void;
  /** Moves by `deltaMs` from the current position. */
  onJump: (deltaMs: number) => void;
  examMs: number;
  duration: number;
  rate: number;
  onRate: (rate: number) => void;
  muted: boolean;
  onToggleMute: () => void;
}) {
  return (
    <div className="player-controls">
      <button type="button" className="button primary small" onClick={onTogglePlay}>
        {playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" className="button secondary small" onClick={() => onJump(-10_000)}>
        Back 10 s
      </button>
      <button type="button" className="button secondary small" onClick={() => onJump(10_000)}>
        Forward 10 s
      </button>
      <span className="player-time" aria-hidden="true">
        {formatClock(examMs)} / {formatClock(duration)}
      </span>
      <label className="player-rate">
        Speed{' '}
        <select value={rate} onChange={(event) => onRate(Number(event.target.value))}>
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
        onClick={onToggleMute}
      >
        {muted ? 'Unmute' : 'Mute'}
      </button>
    </div>
  );
}

/** The position slider, with each track's gaps drawn under it. */
export function PositionSlider({
  timeline,
  examMs,
  duration,
  onSeek,
}: {
  timeline: Timeline;
  examMs: number;
  duration: number;
  /** Moves to exam time `examMs`. */
  onSeek: (examMs: number) => void;
}) {
  const sliderId = useId();
  return (
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
        onChange={(event) => onSeek(Number(event.target.value))}
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
  );
}
