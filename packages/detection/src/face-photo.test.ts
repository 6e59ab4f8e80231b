import { describe, expect, it } from 'vitest';
import { FACE_PHOTO_LIMITS, judgeFacePhoto, type FacePhotoFacts } from './face-photo.js';
import { FACE_QUALITY_LIMITS, type FaceQualityFacts } from './face-quality.js';
import { boxBlur, type RgbImage } from './image-ops.js';
import { regionQuality, type RegionQuality } from './region-quality.js';

/** A 200×200 checkerboard of 8 px squares (sharp edges everywhere), at the given brightness. */
function checkerboard(light = 200, dark = 60): RgbImage {
  const data = new Uint8Array(200 * 200 * 3);
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 200; x++) {
      const v = (Math.floor(x / 8) + Math.floor(y / 8)) % 2 ? light : dark;
      data.fill(v, (y * 200 + x) * 3, (y * 200 + x) * 3 + 3);
    }
  }
  return { width: 200, height: 200, data };
}

const good: RegionQuality = { luminance: 120, sharpness: 400 };

/** A face the quality gate passes: a webcam face of ordinary size, light and pose. */
function gateFacts(overrides: Partial<FaceQualityFacts> = {}): FaceQualityFacts {
  return {
    sizePx: 160,
    brightness: 120,
    noise: 4,
    sharpness: 300,
    yaw: 5,
    pitch: -4,
    ...overrides,
  };
}

/** One face, bright and sharp by the photo's own limits, with the gate's measurements. */
const withGate = (gate: Partial<FaceQualityFacts>, more: Partial<FacePhotoFacts> = {}) => ({
  faces: 1,
  frame: good,
  face: good,
  gate: gateFacts(gate),
  described: true,
  ...more,
});

describe('regionQuality', () => {
  it('reads the mean luminance and a high sharpness of a crisp pattern', () => {
    const q = regionQuality(checkerboard());
    expect(q.luminance).toBeCloseTo(130, 0);
    expect(q.sharpness).toBeGreaterThan(1000);
  });

  it('reads a flat image as zero sharpness and a blurred one as far less sharp', () => {
    const flat = { width: 50, height: 50, data: new Uint8Array(50 * 50 * 3).fill(90) };
    expect(regionQuality(flat)).toEqual({ luminance: expect.closeTo(90, 3), sharpness: 0 });
    const crisp = regionQuality(checkerboard()).sharpness;
    const blurred = regionQuality(boxBlur(checkerboard(), 6)).sharpness;
    expect(blurred).toBeLessThan(crisp / 10);
  });

  it('measures only the box, and reads RGBA pixels (a canvas) like RGB', () => {
    const img = checkerboard();
    const rgba = new Uint8Array(200 * 200 * 4);
    for (let i = 0, j = 0; i < img.data.length; i += 3, j += 4) {
      rgba.set(img.data.subarray(i, i + 3), j);
      rgba[j + 3] = 255;
    }
    const box = [16, 16, 64, 64] as [number, number, number, number];
    const fromRgb = regionQuality(img, box);
    expect(regionQuality({ width: 200, height: 200, data: rgba, channels: 4 }, box)).toEqual(
      fromRgb,
    );
    const darker = regionQuality(checkerboard(40, 10), box);
    expect(darker.luminance).toBeLessThan(FACE_PHOTO_LIMITS.minLuminance);
  });
});

describe('judgeFacePhoto', () => {
  it('accepts exactly one bright, sharp, described face', () => {
    expect(judgeFacePhoto({ faces: 1, frame: good, face: good, described: true })).toBeNull();
    // The browser does not run the recognition network: not asked is not a problem.
    expect(judgeFacePhoto({ faces: 1, frame: good, face: good })).toBeNull();
  });

  it.each([
    [{ faces: 0, frame: good, face: null }, 'no_face'],
    [{ faces: 2, frame: good, face: null }, 'several_faces'],
    [{ faces: 1, frame: good, face: { luminance: 20, sharpness: 400 } }, 'too_dark'],
    [{ faces: 1, frame: good, face: { luminance: 120, sharpness: 10 } }, 'too_blurred'],
    [{ faces: 1, frame: good, face: good, described: false }, 'unclear'],
    // No face found in a dark frame: the cause the student can fix is named.
    [{ faces: 0, frame: { luminance: 15, sharpness: 5 }, face: null }, 'too_dark'],
    // A flat frame without a face is not "blurred": the student is told no face was found.
    [{ faces: 0, frame: { luminance: 120, sharpness: 5 }, face: null }, 'no_face'],
  ] as const)('%o → %s', (facts, problem) => {
    expect(judgeFacePhoto(facts)).toBe(problem);
  });

  it('judges only what was measured (a detector that does not measure quality)', () => {
    expect(judgeFacePhoto({ faces: 1 })).toBeNull();
    expect(judgeFacePhoto({ faces: 0 })).toBe('no_face');
  });

  it('judges at the limits: the limit itself passes', () => {
    const at = {
      luminance: FACE_PHOTO_LIMITS.minLuminance,
      sharpness: FACE_PHOTO_LIMITS.minSharpness,
    };
    expect(judgeFacePhoto({ faces: 1, frame: good, face: at })).toBeNull();
  });
});

describe('judgeFacePhoto with the identity quality gate', () => {
  it('accepts a face the gate passes, with or without pose (the browser runs no mesh)', () => {
    expect(judgeFacePhoto(withGate({}))).toBeNull();
    expect(
      judgeFacePhoto(withGate({ yaw: null, pitch: null }, { described: undefined })),
    ).toBeNull();
    // Pose is not judged without the mesh, however the face is turned.
    expect(judgeFacePhoto(withGate({ yaw: null, pitch: null }))).toBeNull();
  });

  it.each([
    // 30 px wide: too small to describe reliably.
    [{ sizePx: 30 }, 'too_small'],
    // Washed out (luminance 220): bright enough by the photo's limit, over the gate's.
    [{ brightness: 220 }, 'too_bright'],
    // Noise 60 on a face of 120: half its brightness.
    [{ noise: 60 }, 'too_noisy'],
    // Sharp enough in the original (400), too soft once the noise is smoothed away.
    [{ sharpness: 20 }, 'too_blurred'],
    [{ yaw: 45 }, 'turned_away'],
    [{ yaw: -40 }, 'turned_away'],
    [{ pitch: 42 }, 'turned_away'],
    // Nearly black: the gate's lower brightness limit names the photo too dark.
    [{ brightness: 5, noise: 0 }, 'too_dark'],
  ] as const)('gate %o → %s', (gate, problem) => {
    expect(judgeFacePhoto(withGate(gate))).toBe(problem);
  });

  it('names the worst factor when several fail', () => {
    expect(judgeFacePhoto(withGate({ sizePx: 35, yaw: 80 }))).toBe('turned_away');
    expect(judgeFacePhoto(withGate({ sizePx: 10, yaw: 40 }))).toBe('too_small');
  });

  it("keeps the photo's own too dark and too blurred first, so their messages do not change", () => {
    const dark = { luminance: 30, sharpness: 400 };
    expect(judgeFacePhoto(withGate({ sizePx: 20, noise: 40 }, { face: dark }))).toBe('too_dark');
    const soft = { luminance: 120, sharpness: 10 };
    expect(judgeFacePhoto(withGate({ sizePx: 20 }, { face: soft }))).toBe('too_blurred');
    // Several faces and no face come before any face's quality.
    expect(judgeFacePhoto(withGate({ sizePx: 20 }, { faces: 2 }))).toBe('several_faces');
  });

  it('names what to change before "unclear" when the network could not describe the face', () => {
    expect(judgeFacePhoto(withGate({ yaw: 50 }, { described: false }))).toBe('turned_away');
    expect(judgeFacePhoto(withGate({}, { described: false }))).toBe('unclear');
  });

  it('judges at the limits: the limit itself passes', () => {
    const L = FACE_QUALITY_LIMITS;
    const at = gateFacts({
      sizePx: L.minSizePx,
      brightness: L.maxBrightness,
      noise: (L.maxNoisePct * L.maxBrightness) / 100,
      sharpness: L.minSharpness,
      yaw: L.maxYawDeg,
      pitch: -L.maxPitchDeg,
    });
    const face = { luminance: L.maxBrightness, sharpness: 400 };
    expect(judgeFacePhoto({ faces: 1, frame: good, face, gate: at })).toBeNull();
    expect(judgeFacePhoto({ faces: 1, frame: good, face, gate: { ...at, sizePx: 39 } })).toBe(
      'too_small',
    );
  });

  it('applies no gate when the face was not measured for it (an older worker)', () => {
    expect(judgeFacePhoto({ faces: 1, frame: good, face: good, gate: null })).toBeNull();
  });
});
