import type { FrameAnalysis } from '../analysis.js';
import type { DetectorParts } from '../human-config.js';
import type { DetectionThresholds } from '../thresholds.js';

/** Where the browser loads models and wasm binaries from: always our own origin. */
export const BROWSER_ASSET_URLS = {
  modelBasePath: '/detection/models/',
  wasmPath: '/detection/wasm/',
  faceRecognitionPath: '/detection/face-recognition/',
} as const;

/** Main thread → worker: load the library, the wasm backend and the models for `parts`. */
export interface InitRequest {
  type: 'init';
  modelBasePath: string;
  wasmPath: string;
  /** Weights of the face recognition network (identity). */
  faceRecognitionPath: string;
  parts: DetectorParts;
  thresholds: DetectionThresholds;
  /** The worker answers a frame no sooner than this after it arrived (caps the frame rate). */
  minFrameMs: number;
}

/** Main thread → worker: analyse one image (a grabbed video frame, or an encoded snapshot). */
export interface FrameRequest {
  type: 'frame';
  id: number;
  image: ImageBitmap | Blob;
  parts: DetectorParts;
  /** Immediate: skip the frame-rate cap (a snapshot, or enrolment). */
  urgent: boolean;
  /** Also look for objects on overlapping tiles (multi-scale; absent = no). */
  objectTiles?: boolean;
}

/** Main thread → worker: remember the main face of this photo as the enrolled identity. */
export interface EnrollRequest {
  type: 'enroll';
  id: number;
  image: Blob;
}

/** Anything the main thread sends. */
export type WorkerRequest = InitRequest | FrameRequest | EnrollRequest;

/** Worker → main thread. */
export type WorkerReply =
  | { type: 'ready'; model: string; loadMs: number }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; analysis: FrameAnalysis }
  | { type: 'enrolled'; id: number; ok: boolean; reason?: string }
  | { type: 'error'; id: number; error: string };
