import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';

/** A live, muted preview of a camera or screen stream. */
export const StreamPreview = forwardRef<
  HTMLVideoElement | null,
  { stream: MediaStream | null; label: string; className?: string; mirrored?: boolean }
>(function StreamPreview({ stream, label, className, mirrored = false }, forwarded) {
  const ref = useRef<HTMLVideoElement>(null);
  useImperativeHandle(forwarded, () => ref.current as HTMLVideoElement, []);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    if (stream) void video.play().catch(() => undefined);
  }, [stream]);
  return (
    <video
      ref={ref}
      className={`preview${mirrored ? ' mirrored' : ''}${className ? ` ${className}` : ''}`}
      muted
      playsInline
      autoPlay
      aria-label={label}
    />
  );
});
