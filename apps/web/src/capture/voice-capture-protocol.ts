/** The name the voice capture worklet registers its processor under. */
export const VOICE_CAPTURE_PROCESSOR = 'invigil-voice-capture';

/**
 * Samples per hand-over to the voice worker (about 85 ms at 48 kHz): 32 render quanta of
 * 128 samples, so the page's thread wakes about twelve times a second, not 375.
 */
export const VOICE_CHUNK_SAMPLES = 4096;

/** Worklet → page: the next `VOICE_CHUNK_SAMPLES` consecutive mono samples (transferred). */
export interface VoiceCaptureChunk {
  samples: Float32Array;
}
