/** Largest width of a periodic snapshot, px. */
export const SNAPSHOT_MAX_WIDTH = 640;

/** Plays a stream in a detached, muted video element so frames can be drawn from it. */
export async function frameSource(stream: MediaStream): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  if (video.readyState < 2) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      video.addEventListener(
        'loadeddata',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
  return video;
}

/** The size of a frame scaled down to at most `maxWidth` wide (never up). */
export function scaledSize(
  width: number,
  height: number,
  maxWidth: number,
): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(1, maxWidth / width);
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** Draws the current frame of a playing video to a canvas (null when there is no frame yet). */
export function drawFrame(video: HTMLVideoElement, maxWidth: number): HTMLCanvasElement | null {
  const { width, height } = scaledSize(video.videoWidth, video.videoHeight, maxWidth);
  if (!width || !height) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return null;
  context.drawImage(video, 0, 0, width, height);
  return canvas;
}

/** Encodes a canvas as JPEG. */
export function canvasToJpeg(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), 'image/jpeg', quality));
}

/** A JPEG of the video's current frame, at most `maxWidth` wide. */
export async function grabJpeg(
  video: HTMLVideoElement,
  maxWidth = SNAPSHOT_MAX_WIDTH,
  quality = 0.7,
): Promise<Blob | null> {
  const canvas = drawFrame(video, maxWidth);
  return canvas ? canvasToJpeg(canvas, quality) : null;
}
