import type { CaptureSettings } from '@invigil/contracts';

/** The live streams a proctored attempt records. */
export interface MediaSources {
  /** Webcam video and/or microphone audio (null when the policy records neither). */
  camera: MediaStream | null;
  /** The shared entire screen (null when the policy does not record it). */
  screen: MediaStream | null;
}

/** Opus bitrate for the microphone: speech stays clear at this rate. */
export const AUDIO_BITS_PER_SECOND = 32_000;

/** Opens the webcam and microphone as the policy asks. */
export function openCamera(policy: CaptureSettings): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: policy.webcam
      ? { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 30 } }
      : false,
    audio: policy.microphone ? { echoCancellation: true, noiseSuppression: true } : false,
  });
}

/**
 * Asks the student to share their screen, preferring the entire screen, at the policy frame
 * rate. The caller checks that an entire screen (not a window or tab) was chosen.
 */
export async function openScreen(policy: CaptureSettings): Promise<MediaStream> {
  const rate = policy.screenFrameRate;
  const options = {
    video: { frameRate: { ideal: rate, max: rate }, displaySurface: 'monitor' },
    audio: false,
    // Chromium hints: offer whole screens, not this tab, and no switching mid-share.
    monitorTypeSurfaces: 'include',
    selfBrowserSurface: 'exclude',
    surfaceSwitching: 'exclude',
  } as DisplayMediaStreamOptions;
  const stream = await navigator.mediaDevices.getDisplayMedia(options);
  const [track] = stream.getVideoTracks();
  await track?.applyConstraints({ frameRate: { max: rate } }).catch(() => undefined);
  return stream;
}

/** What kind of surface a screen-share track captures ('monitor' is the entire screen). */
export function displaySurfaceOf(stream: MediaStream): string | undefined {
  const [track] = stream.getVideoTracks();
  return (track?.getSettings() as MediaTrackSettings & { displaySurface?: string }).displaySurface;
}

/** Stops every track of the streams. */
export function stopSources(sources: MediaSources | null): void {
  for (const stream of [sources?.camera, sources?.screen]) {
    for (const track of stream?.getTracks() ?? []) track.stop();
  }
}

/** True while every track of the stream is live. */
export function isLive(stream: MediaStream | null): boolean {
  return (
    !!stream &&
    stream.getTracks().length > 0 &&
    stream.getTracks().every((t) => t.readyState === 'live')
  );
}

/** The first container/codec combination this browser can record, or null. */
export function pickMimeType(
  hasVideo: boolean,
  hasAudio: boolean,
  isSupported: (type: string) => boolean = (t) =>
    typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(t),
): string | null {
  const candidates = hasVideo
    ? hasAudio
      ? ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4']
      : ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm', 'video/mp4']
    : ['audio/webm;codecs=opus', 'audio/webm', 'video/webm'];
  return candidates.find((type) => isSupported(type)) ?? null;
}

/** A device problem explained: what is wrong and how to fix it. */
export interface MediaProblem {
  what: string;
  fix: string;
}

/** Explains a getUserMedia/getDisplayMedia failure to the student. */
export function describeMediaError(error: unknown, device: 'camera' | 'screen'): MediaProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  const thing = device === 'camera' ? 'camera and microphone' : 'screen';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return device === 'camera'
        ? {
            what: 'The browser was not allowed to use your camera and microphone.',
            fix: 'Click the camera icon in the address bar, choose Allow for this site, then press Retry. On macOS also allow your browser under System Settings → Privacy & Security → Camera and Microphone.',
          }
        : {
            what: 'Screen sharing was cancelled or blocked.',
            fix: 'Press Retry and choose “Entire screen” in the sharing dialog, then Share. On macOS allow your browser under System Settings → Privacy & Security → Screen Recording.',
          };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return {
        what: `No ${thing} was found.`,
        fix: `Connect a ${device === 'camera' ? 'webcam and microphone' : 'display'}, then press Retry.`,
      };
    case 'NotReadableError':
    case 'AbortError':
      return {
        what: `Your ${thing} is in use by another program or could not be started.`,
        fix: 'Close other programs that use it (video calls, other browser tabs), then press Retry.',
      };
    default:
      return {
        what: `Could not start your ${thing}${error instanceof Error && error.message ? `: ${error.message}` : '.'}`,
        fix: 'Press Retry. If it keeps failing, restart the browser or try a current version of Chrome, Edge or Firefox.',
      };
  }
}
