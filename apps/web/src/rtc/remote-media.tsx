import { useEffect, useRef, useState } from 'react';

/** Plays one track in a media element (a new stream around it; the track is not ours to stop). */
function useTrack<T extends HTMLMediaElement>(track: MediaStreamTrack | null | undefined) {
  const ref = useRef<T>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.srcObject = track ? new MediaStream([track]) : null;
    if (track) void element.play().catch(() => undefined);
    return () => {
      element.srcObject = null;
    };
  }, [track]);
  return ref;
}

/**
 * A remote video with its accessible name (tests find it by it) and a line saying whether
 * a picture arrives yet. Video only: sound plays through `RemoteAudio`.
 */
export function RemoteVideo({
  track,
  label,
  testId,
  className,
  mirrored = false,
}: {
  track: MediaStreamTrack | null | undefined;
  label: string;
  /** Stable `data-testid` for browser tests. */
  testId: string;
  className?: string;
  mirrored?: boolean;
}) {
  const ref = useTrack<HTMLVideoElement>(track);
  const [showing, setShowing] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => setShowing(element.videoWidth > 0);
    element.addEventListener('resize', update);
    element.addEventListener('loadeddata', update);
    element.addEventListener('emptied', update);
    return () => {
      element.removeEventListener('resize', update);
      element.removeEventListener('loadeddata', update);
      element.removeEventListener('emptied', update);
    };
  }, [ref]);
  return (
    <figure className={`rtc-video${className ? ` ${className}` : ''}`}>
      <video
        ref={ref}
        aria-label={label}
        data-testid={testId}
        autoPlay
        playsInline
        muted
        className={mirrored ? 'rtc-mirrored' : undefined}
      />
      <figcaption>
        {label}
        {showing ? null : <span className="rtc-video-waiting"> · no picture yet</span>}
      </figcaption>
    </figure>
  );
}

/** Plays a remote audio track (hidden element, named for tests); `muted` silences it here only. */
export function RemoteAudio({
  track,
  label,
  testId,
  muted,
}: {
  track: MediaStreamTrack | null | undefined;
  label: string;
  testId: string;
  muted: boolean;
}) {
  const ref = useTrack<HTMLAudioElement>(track);
  return (
    // Live speech: there is no caption track to give (the proctor hears the student directly).
    // eslint-disable-next-line jsx-a11y/media-has-caption
    <audio
      ref={ref}
      aria-label={label}
      data-testid={testId}
      autoPlay
      muted={muted}
      className="rtc-audio"
    />
  );
}
