import { describe, expect, it } from 'vitest';
import {
  FACE_PHOTO_LIMITS,
  judgeFacePhoto,
  regionQuality,
  type RegionQuality,
} from './face-photo.js';
import { boxBlur, type RgbImage } from './image-ops.js';

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
