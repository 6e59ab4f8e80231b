import { EnergyVad, rmsDbfs } from '../vad.js';
import type { SpeechChange } from './segmenter.js';
import type { VoiceDetector } from './silero.js';

/** A stretch of detected speech in a file; `score` is its highest speech probability. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
  score: number;
}

/** Pairs starts and ends into segments (an end without a start is ignored). */
export function toSegments(changes: SpeechChange[]): SpeechSegment[] {
  const out: SpeechSegment[] = [];
  let open: SpeechChange | null = null;
  for (const change of changes) {
    if (change.active) open = change;
    else if (open) {
      out.push({ startMs: open.atMs, endMs: change.atMs, score: change.score });
      open = null;
    }
  }
  return out;
}

/** Chunk size for whole files: one second, as a microphone would deliver it. */
const CHUNK_SECONDS = 1;

/** Runs the voice detector over a whole recording; its start is time 0. */
export async function detectSpeech(
  detector: VoiceDetector,
  samples: Float32Array,
  sampleRate: number,
): Promise<SpeechSegment[]> {
  const changes: SpeechChange[] = [];
  const chunk = Math.round(sampleRate * CHUNK_SECONDS);
  for (let at = 0; at < samples.length; at += chunk) {
    changes.push(
      ...(await detector.push(samples.subarray(at, at + chunk), (at * 1000) / sampleRate)),
    );
  }
  const end = detector.end(Math.round((samples.length * 1000) / sampleRate));
  if (end) changes.push(end);
  return toSegments(changes);
}

/**
 * The previous energy detector over a recording, for comparison in the evaluation: the
 * level of each 32 ms frame against `thresholdDb`, with EnergyVad's own attack and hangover.
 */
export function detectSound(
  samples: Float32Array,
  sampleRate: number,
  thresholdDb: number,
): SpeechSegment[] {
  const vad = new EnergyVad({ thresholdDb });
  const frame = Math.round(sampleRate * 0.032);
  const changes: SpeechChange[] = [];
  for (let at = 0; at + frame <= samples.length; at += frame) {
    const c = vad.push((at * 1000) / sampleRate, rmsDbfs(samples.subarray(at, at + frame)));
    if (c) changes.push({ active: c.active, atMs: c.atMs, score: 1, peakDb: c.peakDb });
  }
  const c = vad.end((samples.length * 1000) / sampleRate);
  if (c) changes.push({ active: false, atMs: c.atMs, score: 1, peakDb: c.peakDb });
  return toSegments(changes);
}
