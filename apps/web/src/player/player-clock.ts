import { useCallback, useEffect, useRef, useState, type MutableRefObject } from 'react';
import type { PlayedTrack } from './timeline';

/** How each played track is named on screen. */
export const TRACK_LABEL: Record<PlayedTrack, string> = { webcam: 'Webcam', screen: 'Screen' };

/** The playback speeds offered. */
export const RATES = [1, 2, 4];

/** The one clock every video of the player follows. */
export interface Clock {
  /** The shared position (epoch ms), exact; the videos follow it. */
  position: MutableRefObject<number>;
  /** The position as last rendered (a few times a second, and on every seek). */
  shown: number;
  playing: boolean;
  rate: number;
}

/** The shared clock with its controls. */
export interface PlayerClock extends Clock {
  setPlaying: (update: boolean | ((playing: boolean) => boolean)) => void;
  setRate: (rate: number) => void;
  /** Moves to an epoch-ms moment, clamped to the recording. */
  seekEpoch: (epochMs: number) => void;
}

/**
 * The clock that drives the player over [startMs, endMs] (epoch ms): it advances while
 * playing, re-rendering four times a second (the exact position lives in a ref so that the
 * videos can follow it between renders), and stops at the end.
 */
export function usePlayerClock(startMs: number, endMs: number, initial: number): PlayerClock {
  const position = useRef(initial);
  const [shown, setShown] = useState(initial);
  const [playing, setPlaying] = useState(false);
  const [rate, setRate] = useState(1);

  const seekEpoch = useCallback(
    (epochMs: number) => {
      position.current = Math.min(endMs, Math.max(startMs, epochMs));
      setShown(position.current);
    },
    [startMs, endMs],
  );

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

  return { position, shown, playing, rate, setPlaying, setRate, seekEpoch };
}
