import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnreadableImage, type Detector } from './detector.port.js';

/** Encoded test images with known content. */
export interface DetectorContractImages {
  twoFaces: Uint8Array;
  oneFace: Uint8Array;
  noFace: Uint8Array;
  garbage: Uint8Array;
}

/** A detector under test, the images to try, and how to dispose of it. */
export interface DetectorFixture {
  detector: Detector;
  images: DetectorContractImages;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every Detector adapter must have. Each adapter's test calls this once:
 * `detectorContract('worker pool', async () => ({ detector, images, cleanup }))`.
 */
export function detectorContract(name: string, factory: () => Promise<DetectorFixture>): void {
  describe(`Detector contract: ${name}`, () => {
    let f: DetectorFixture;
    beforeAll(async () => {
      f = await factory();
    });
    afterAll(async () => f?.cleanup());

    it('counts faces: two, one, none', async () => {
      expect((await f.detector.analyze(f.images.twoFaces)).faces).toHaveLength(2);
      expect((await f.detector.analyze(f.images.oneFace)).faces).toHaveLength(1);
      expect((await f.detector.analyze(f.images.noFace)).faces).toHaveLength(0);
    });

    it('reports the image size and the models behind the result', async () => {
      const a = await f.detector.analyze(f.images.noFace);
      expect(a.width).toBeGreaterThan(0);
      expect(a.height).toBeGreaterThan(0);
      expect(a.models.library).toMatch(/\S/);
      expect(a.models.face).toMatch(/\S/);
    });

    it('scores each face as real and live (anti-spoof, liveness) on the server', async () => {
      const a = await f.detector.analyze(f.images.oneFace);
      expect(a.models.antispoof).toBe('antispoof.json');
      expect(a.models.liveness).toBe('liveness.json');
      const [face] = a.faces;
      expect(face?.real).toBeGreaterThanOrEqual(0);
      expect(face?.real).toBeLessThanOrEqual(1);
      expect(face?.live).toBeGreaterThanOrEqual(0);
      expect(face?.live).toBeLessThanOrEqual(1);
      const without = await f.detector.analyze(f.images.oneFace, { parts: { liveness: false } });
      expect(without.faces[0]).not.toHaveProperty('real');
    });

    it('returns the main face embedding and matches it against itself', async () => {
      const first = await f.detector.analyze(f.images.oneFace, {
        parts: { pose: false, objects: false },
      });
      expect(first.embedding?.length).toBeGreaterThan(0);
      const again = await f.detector.analyze(f.images.oneFace, { enrolled: first.embedding });
      expect(again.identity?.match).toBe(true);
    });

    it('rejects bytes that are not an image as unreadable', async () => {
      const error = await f.detector.analyze(f.images.garbage).catch((e: unknown) => e);
      expect(isUnreadableImage(error), String(error)).toBe(true);
    });

    it('answers overlapping calls, each with its own result, and keeps the caller’s bytes', async () => {
      const bytes = new Uint8Array(f.images.twoFaces);
      const [two, none, bad] = await Promise.allSettled([
        f.detector.analyze(bytes),
        f.detector.analyze(f.images.noFace),
        f.detector.analyze(f.images.garbage),
      ]);
      expect(two.status === 'fulfilled' && two.value.faces.length).toBe(2);
      expect(none.status === 'fulfilled' && none.value.faces.length).toBe(0);
      expect(bad.status).toBe('rejected');
      expect(bytes).toEqual(new Uint8Array(f.images.twoFaces));
    });

    it('answers interactive calls as it answers background ones, also while both overlap', async () => {
      const [background, interactive, bad] = await Promise.allSettled([
        f.detector.analyze(f.images.twoFaces, {}, 'background'),
        f.detector.analyze(f.images.oneFace, {}, 'interactive'),
        f.detector.analyze(f.images.garbage, {}, 'interactive'),
      ]);
      expect(background.status === 'fulfilled' && background.value.faces.length).toBe(2);
      expect(interactive.status === 'fulfilled' && interactive.value.faces.length).toBe(1);
      expect(bad.status === 'rejected' && isUnreadableImage(bad.reason)).toBe(true);
    });

    it('refuses work after close', async () => {
      const other = await factory();
      await other.detector.close();
      await expect(other.detector.analyze(other.images.noFace)).rejects.toThrow();
      await expect(
        other.detector.analyze(other.images.noFace, {}, 'interactive'),
      ).rejects.toThrow();
      await other.cleanup();
    });
  });
}
