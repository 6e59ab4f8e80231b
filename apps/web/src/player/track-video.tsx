import { useCallback, useEffect, useRef, useState } from 'react';
import type { MediaSegment } from '@invigil/contracts';
import { recordingApi } from '../capture/api';
import { TRACK_LABEL, type Clock } from './player-clock';
import { segmentAfter, segmentAt, type PlayedTrack } from './timeline';

/** How far a video may drift from the shared clock before it is corrected, s. */
const MAX_DRIFT_S = 0.4;

/** One track's video, following the shared clock segment by segment. */
export function TrackVideo({
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
