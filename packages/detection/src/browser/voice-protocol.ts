import type { SpeechChange } from '../voice/segmenter.js';

/** Where the voice worker loads the model and the ONNX runtime from: our own origin. */
export const VOICE_ASSET_URLS = {
  model: '/detection/voice/silero_vad_v5.onnx',
  runtimePath: '/detection/ort/',
} as const;

/** Page → voice worker. */
export type VoiceRequest =
  | {
      type: 'init';
      modelUrl: string;
      runtimePath: string;
      /** Speech probability threshold (the exam's voice rule). */
      threshold: number;
    }
  /** Consecutive microphone samples (mono, the context's rate); the first is at `startMs`. */
  | { type: 'audio'; samples: Float32Array; sampleRate: number; startMs: number }
  /** The microphone stopped (or changed): end open speech at `atMs` and start afresh. */
  | { type: 'end'; atMs: number };

/** Voice worker → page. */
export type VoiceReply =
  | { type: 'ready'; model: string; loadMs: number }
  | { type: 'failed'; error: string }
  | { type: 'change'; change: SpeechChange };
