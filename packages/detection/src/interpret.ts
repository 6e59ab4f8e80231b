import type { Result } from '@vladmandic/human';
import type { Box, FaceFinding, ObjectFinding, HeadPose } from './analysis.js';
import type { DetectionThresholds } from './thresholds.js';

const DEG = 180 / Math.PI;
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

/** Head pose in degrees from human's rotation (radians); null when the mesh did not run. */
export function headPoseOf(face: Result['face'][number]): HeadPose | null {
  const a = face.rotation?.angle;
  if (!a) return null;
  return { yaw: round(a.yaw * DEG), pitch: round(a.pitch * DEG), roll: round(a.roll * DEG) };
}

/** Whether a pose is turned away by the thresholds' standards. */
export function isHeadTurned(pose: HeadPose | null, t: DetectionThresholds): boolean {
  if (!pose) return false;
  return (
    Math.abs(pose.yaw) > t.headYawDeg ||
    pose.pitch > t.headPitchDownDeg ||
    -pose.pitch > t.headPitchUpDeg
  );
}

const boxOf = (b: readonly number[]): Box => [
  round(b[0] ?? 0),
  round(b[1] ?? 0),
  round(b[2] ?? 0),
  round(b[3] ?? 0),
];

/**
 * How sure we are that a detection is a face: the mesh model's confidence when the mesh
 * ran (it rejects the detector's false positives far better: calibrated in
 * docs/detection-quality.md), otherwise the detector's own score.
 */
export function faceConfidence(f: Result['face'][number]): number {
  return f.faceScore && f.faceScore > 0 ? f.faceScore : (f.boxScore ?? f.score);
}

/**
 * A face result as a finding, its box moved by `offset` (undoing padding or tiling). With
 * `liveness` (the pass ran the anti-spoof and liveness models) the finding carries their
 * scores; human leaves a score of 0 out of its result, so a missing one counts as 0.
 */
export function faceFinding(
  f: Result['face'][number],
  t: DetectionThresholds,
  offset: [number, number] = [0, 0],
  liveness = false,
): FaceFinding {
  const headPose = headPoseOf(f);
  return {
    box: boxOf([f.box[0] + offset[0], f.box[1] + offset[1], f.box[2], f.box[3]]),
    score: round(faceConfidence(f), 3),
    headPose,
    headTurned: isHeadTurned(headPose, t),
    ...(liveness && { real: round(f.real ?? 0, 3), live: round(f.live ?? 0, 3) }),
  };
}

/** Larger boxes first: the main face is the one nearest the camera. */
export const byArea = (a: { box: Box }, b: { box: Box }): number =>
  b.box[2] * b.box[3] - a.box[2] * a.box[3];

const OBJECT_MIN: Record<ObjectFinding['label'], keyof DetectionThresholds> = {
  'cell phone': 'phoneMinScore',
  book: 'bookMinScore',
  person: 'personMinScore',
};

/** Objects of interest that pass their threshold, highest score first. */
export function objectsOf(
  result: Result,
  t: DetectionThresholds,
  offset: [number, number] = [0, 0],
): ObjectFinding[] {
  return result.object
    .filter((o): o is typeof o & { label: ObjectFinding['label'] } => o.label in OBJECT_MIN)
    .filter((o) => o.score >= t[OBJECT_MIN[o.label]])
    .sort((a, b) => b.score - a.score)
    .map((o) => ({
      label: o.label,
      score: round(o.score, 3),
      box: boxOf([o.box[0] + offset[0], o.box[1] + offset[1], o.box[2], o.box[3]]),
    }));
}
