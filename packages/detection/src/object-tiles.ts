import type { Result } from '@vladmandic/human';
import type { ObjectFinding } from './analysis.js';
import type { DetectorParts } from './human-config.js';
import { crop, type RgbImage } from './image-ops.js';
import { objectsOf } from './interpret.js';
import { mergeDetections, overlappingTiles } from './multi-scale.js';
import type { DetectPass } from './pipeline.js';
import type { DetectionThresholds } from './thresholds.js';

/** The object model only: faces are found by the whole frame's pass. */
const TILE_PARTS: DetectorParts = {
  faces: false,
  pose: false,
  embedding: false,
  objects: true,
  liveness: false,
};

/**
 * A tile's detection counts for this much less than the same score on the whole frame.
 * Enlarged, a tile shows the model more small clutter (remote controls, dark rectangles)
 * it takes for a phone at 0.25–0.3: the discount keeps the whole frame's precision on the
 * development set while a small phone, which scores far higher in its tile (0.3 → 0.6),
 * still gains (docs/detection-quality.md, "Phones and books at several scales").
 */
export const TILE_SCORE_DISCOUNT = 0.05;

/** A tile pass's objects, each score discounted, never below 0. */
function discounted(result: Result): Result {
  return {
    ...result,
    object: result.object.map((o) => ({
      ...o,
      score: Math.max(0, o.score - TILE_SCORE_DISCOUNT),
    })),
  };
}

/**
 * Objects at a second scale: the object model on 2 × 2 overlapping tiles of the frame (each
 * 60 % of a side, so an object looks 1.7× larger than in the whole frame), the findings
 * mapped back to the frame and merged with the whole frame's `found` by class. Thresholds
 * apply per detection before the merge, as on the whole frame. Costs four object passes.
 */
export async function withTiledObjects(
  detect: DetectPass,
  image: RgbImage,
  found: ObjectFinding[],
  t: DetectionThresholds,
): Promise<ObjectFinding[]> {
  const candidates = [...found];
  for (const rect of overlappingTiles(image.width, image.height)) {
    const result = await detect(crop(image, rect), TILE_PARTS);
    candidates.push(...objectsOf(discounted(result), t, [rect[0], rect[1]]));
  }
  return mergeDetections(candidates);
}
