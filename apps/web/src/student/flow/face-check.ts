import { useEffect, useState, type RefObject } from 'react';
import type { FacePhotoProblem } from '@invigil/contracts';
import { FACE_PHOTO_PROBLEM_TEXT } from '@invigil/contracts';
import {
  judgeFacePhoto,
  measureFaceQuality,
  prepareFrame,
  regionQuality,
  rgbFromRgba,
  type FaceFinding,
  type FaceQualityFacts,
  type RgbImage,
} from '@invigil/detection';
import { BrowserDetector } from '@invigil/detection/browser';
import { checkFacePhotoOnServer } from '../../api/face-photo';

/** Faces only: the smallest model, loaded in a second or two; identity is the server's part. */
const FACES_ONLY = { pose: false, embedding: false, objects: false };

/** A faces-only detector in its own worker; null when it cannot start (old browser, no wasm). */
export async function loadFaceDetector(): Promise<BrowserDetector | null> {
  try {
    return await BrowserDetector.load({ parts: FACES_ONLY, maxFps: 2, loadTimeoutMs: 30_000 });
  } catch {
    return null;
  }
}

/** The outcome of a face photo check: usable, a problem, or not checked (no detector). */
export type FaceVerdict = { problem: FacePhotoProblem | null; checked: boolean };

/**
 * The browser's check of a taken face photo, at once: the faces the shared pipeline finds in
 * it, the brightness and sharpness of the face, and the identity quality gate on the face
 * (`judgeFacePhoto`, the server's rule; size, brightness, noise and blur, measured as the
 * server does — pose needs the mesh, which the faces-only detector does not run). The server
 * checks again, with the mesh and the recognition network too; it is the authority.
 */
export async function checkPhotoInBrowser(
  detector: BrowserDetector | null,
  canvas: HTMLCanvasElement,
  blob: Blob,
): Promise<FaceVerdict> {
  if (!detector) return { problem: null, checked: false };
  try {
    const analysis = await detector.analyzeImage(blob, FACES_ONLY);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) return { problem: null, checked: false };
    const { width, height, data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const pixels = { width, height, data, channels: 4 as const };
    const face = analysis.faces.length === 1 ? analysis.faces[0] : undefined;
    const problem = judgeFacePhoto({
      faces: analysis.faces.length,
      frame: regionQuality(pixels),
      face: face ? regionQuality(pixels, face.box) : null,
      gate: face ? gateFacts(rgbFromRgba(width, height, data), face) : null,
    });
    return { problem, checked: true };
  } catch {
    return { problem: null, checked: false };
  }
}

/**
 * The face's measurements for the identity quality gate, as the server takes them: brightness
 * and noise from the photo, sharpness from the photo as the detectors see it.
 */
function gateFacts(rgb: RgbImage, face: FaceFinding): FaceQualityFacts {
  return measureFaceQuality(rgb, prepareFrame(rgb), face);
}

/** The browser's part of `checkFacePhoto`: its detector and the frame the photo was taken of. */
export interface BrowserCheck {
  detector: BrowserDetector | null;
  canvas: HTMLCanvasElement;
}

/**
 * A face photo's verdict: the browser's at once when `browser` is given (a problem it finds
 * is final: the server would refuse it too), then the server's, the authority, storing
 * nothing. A failure to get the server's verdict (unreachable, the attempt ended) throws
 * ApiError: the caller says so, rather than passing an unchecked photo off as checked.
 */
export async function checkFacePhoto(
  sessionId: string,
  blob: Blob,
  browser?: BrowserCheck,
): Promise<FaceVerdict> {
  const local = browser ? await checkPhotoInBrowser(browser.detector, browser.canvas, blob) : null;
  if (local?.problem) return local;
  return checkFacePhotoOnServer(sessionId, blob);
}

/** What to tell the student about a problem. */
export const problemText = (problem: FacePhotoProblem): string => FACE_PHOTO_PROBLEM_TEXT[problem];

/** How many faces the live camera shows: null while unknown (loading, no detector). */
export type FaceCount = 0 | 1 | 2 | null;

/**
 * Watches the camera preview `video` with a faces-only detector of its own and reports the
 * face count (0, 1, 2 = two or more); the worker stops when the component unmounts.
 */
export function useFaceCount(video: RefObject<HTMLVideoElement | null>, on: boolean): FaceCount {
  const [count, setCount] = useState<FaceCount>(null);
  useEffect(() => {
    if (!on) return;
    let detector: BrowserDetector | null = null;
    let cancelled = false;
    void loadFaceDetector().then((loaded) => {
      detector = loaded;
      if (cancelled) return loaded?.stop();
      const element = video.current;
      if (!loaded || !element) return;
      loaded.watch(element, (a) => setCount(Math.min(2, a.faces.length) as FaceCount));
    });
    return () => {
      cancelled = true;
      detector?.stop();
      setCount(null);
    };
  }, [video, on]);
  return count;
}
