import type { Box, ObjectFinding } from './analysis.js';
import type { Rect } from './image-ops.js';

/**
 * Multi-scale object detection: the object model sees the whole frame at its fixed input
 * size, so an object a tenth of the frame wide is a few dozen pixels to it. Running it again
 * on overlapping tiles shows the same object larger; the tiles' detections are mapped back
 * to frame coordinates and merged with the whole frame's. Everything here is pure geometry.
 */

/** Tiles per side of the object grid (2 × 2). */
export const OBJECT_TILE_GRID = 2;
/** How much neighbouring tiles overlap, as a fraction of the frame's side. */
export const OBJECT_TILE_OVERLAP = 0.2;
/** Two detections of one class overlapping at least this much (IoU) are one object. */
export const MERGE_IOU = 0.45;
/**
 * A detection lying at least this much inside another of its class (intersection over the
 * smaller box) is the same object cut by a tile's edge.
 */
export const MERGE_CONTAINED = 0.7;

/**
 * `grid × grid` tiles covering a `width × height` frame, neighbours overlapping by
 * `overlap` of the frame's side (so that an object on a seam is whole in one tile). With
 * grid 2 and overlap 0.2 each tile is 60 % of each side.
 */
export function overlappingTiles(
  width: number,
  height: number,
  grid = OBJECT_TILE_GRID,
  overlap = OBJECT_TILE_OVERLAP,
): Rect[] {
  if (grid < 1 || !Number.isInteger(grid)) throw new Error(`grid must be a positive integer`);
  const side = (size: number) =>
    Math.min(size, Math.round((size * (1 + overlap * (grid - 1))) / grid));
  const tw = side(width);
  const th = side(height);
  const at = (i: number, size: number, t: number) =>
    grid === 1 ? 0 : Math.round(((size - t) * i) / (grid - 1));
  const tiles: Rect[] = [];
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      tiles.push([at(col, width, tw), at(row, height, th), tw, th]);
    }
  }
  return tiles;
}

/**
 * A detection found in `tile` (its box in the tile's pixels, the tile having been scaled by
 * `scale` before detection) in frame coordinates.
 */
export function toFrame<T extends { box: Box }>(detection: T, tile: Rect, scale = 1): T {
  const [x, y, w, h] = detection.box;
  return {
    ...detection,
    box: [tile[0] + x / scale, tile[1] + y / scale, w / scale, h / scale],
  };
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return Math.max(0, w) * Math.max(0, h);
}

/** Intersection over union of two boxes (0 when either is empty). */
export function boxIou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Whether two boxes of one class are one object (they overlap, or one lies inside the other). */
function sameObject(a: Box, b: Box): boolean {
  const smaller = Math.min(a[2] * a[3], b[2] * b[3]);
  const inter = intersection(a, b);
  return boxIou(a, b) >= MERGE_IOU || (smaller > 0 && inter / smaller >= MERGE_CONTAINED);
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Class-aware merge of detections from several views of one frame (non-maximum suppression
 * with box fusion): per label, the most confident detection leads its group of detections
 * of the same object; the group's score is the leader's (a second view never makes an
 * object more certain than its best view), its box the score-weighted mean of the members
 * that truly overlap the leader (a piece cut by a tile's edge only adds to the score's
 * evidence, not to the box). Highest score first.
 */
export function mergeDetections<T extends ObjectFinding>(detections: readonly T[]): T[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const groups: { leader: T; members: T[] }[] = [];
  for (const d of sorted) {
    const group = groups.find((g) => g.leader.label === d.label && sameObject(g.leader.box, d.box));
    if (group) group.members.push(d);
    else groups.push({ leader: d, members: [d] });
  }
  return groups.map(({ leader, members }) => {
    const fused = members.filter((m) => boxIou(m.box, leader.box) >= MERGE_IOU);
    const weight = fused.reduce((sum, m) => sum + m.score, 0);
    if (weight <= 0) return leader;
    const mean = (i: number) => fused.reduce((sum, m) => sum + m.box[i]! * m.score, 0) / weight;
    return { ...leader, box: [round1(mean(0)), round1(mean(1)), round1(mean(2)), round1(mean(3))] };
  });
}
