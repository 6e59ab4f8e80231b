import type { FaceQualityData, IdentityStatus } from '@invigil/contracts';

/** A face box in pixels of the analysed image: x, y, width, height. */
export type Box = [number, number, number, number];

/** Head orientation in degrees: yaw left/right, pitch up/down, roll tilt. */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** One face found in a frame. */
export interface FaceFinding {
  box: Box;
  score: number;
  headPose: HeadPose | null;
  headTurned: boolean;
  /**
   * Anti-spoof score, 0..1 (1 = a real face rather than a photo or a screen); present only
   * when the liveness part ran on this face.
   */
  real?: number;
  /** Liveness score, 0..1 (1 = live); present only when the liveness part ran on this face. */
  live?: number;
}

/** An object of interest found in a frame. */
export interface ObjectFinding {
  label: 'cell phone' | 'book' | 'person';
  score: number;
  box: Box;
}

/**
 * Identity of the main face against the enrolled one. With `status` insufficient_quality the
 * face was too poor to compare (`quality.failed` says why): `match` is then false but is no
 * finding of a different person, and `similarity` is not judged.
 */
export interface IdentityFinding {
  similarity: number;
  match: boolean;
  status: IdentityStatus;
  quality?: FaceQualityData;
}

/** Model names and versions behind a result, for the evidence trail. */
export interface ModelInfo {
  library: string;
  face: string;
  mesh: string;
  embedding: string;
  objects: string;
  /** Anti-spoof and liveness models (present when the liveness part is available). */
  antispoof?: string;
  liveness?: string;
}

/** Everything the detectors say about one frame. */
export interface FrameAnalysis {
  width: number;
  height: number;
  /** Faces, largest first (the first is the main face). */
  faces: FaceFinding[];
  objects: ObjectFinding[];
  /** Present only when an enrolled face was given. */
  identity?: IdentityFinding;
  /** The main face's quality for identity; present when identity was described. */
  faceQuality?: FaceQualityData;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  models: ModelInfo;
}

/** Face count as a class: no face, one, or more than one. */
export type FaceCountClass = '0' | '1' | '2+';

/** The face count class of a frame. */
export function faceCountClass(a: Pick<FrameAnalysis, 'faces'>): FaceCountClass {
  return a.faces.length === 0 ? '0' : a.faces.length === 1 ? '1' : '2+';
}
