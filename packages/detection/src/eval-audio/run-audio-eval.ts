import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSileroNode, voiceDetectorFor } from '../node/voice-node.js';
import { DEFAULT_SPEECH_THRESHOLD } from '../voice/segmenter.js';
import { detectSound, detectSpeech } from '../voice/segments.js';
import { decodeWav } from '../voice/wav.js';
import type { AudioManifest } from './generate.js';
import { scoreAudio, type AudioScore, type CaseResult } from './score.js';

/** The energy detector's level in the comparison: the voice rule's former default. */
export const ENERGY_THRESHOLD_DB = -45;

/** Both detectors' scores on a set, and what Silero cost. */
export interface AudioEvalResult {
  silero: AudioScore;
  energy: AudioScore;
  sileroResults: CaseResult[];
  /** Silero's CPU time per second of audio, ms (Node, onnxruntime-web wasm, one thread). */
  sileroMsPerSecond: number;
  audioSeconds: number;
}

/** Runs the product's voice detector and the energy detector on every file of the set. */
export async function runAudioEval(dir: string, manifest: AudioManifest): Promise<AudioEvalResult> {
  const model = await loadSileroNode();
  const sileroResults: CaseResult[] = [];
  const energyResults: CaseResult[] = [];
  let sileroMs = 0;
  let audioSeconds = 0;
  for (const c of manifest.cases) {
    const audio = decodeWav(new Uint8Array(await readFile(join(dir, c.file))));
    audioSeconds += audio.samples.length / audio.sampleRate;
    const detector = voiceDetectorFor(model, audio.sampleRate, {
      threshold: DEFAULT_SPEECH_THRESHOLD,
    });
    // CPU time rather than wall time: the figure should not depend on what else the machine
    // is doing (the runtime is single-threaded on this thread).
    const started = process.cpuUsage();
    const found = await detectSpeech(detector, audio.samples, audio.sampleRate);
    const used = process.cpuUsage(started);
    sileroMs += (used.user + used.system) / 1000;
    sileroResults.push({ case: c, found });
    energyResults.push({
      case: c,
      found: detectSound(audio.samples, audio.sampleRate, ENERGY_THRESHOLD_DB),
    });
  }
  return {
    silero: scoreAudio(sileroResults),
    energy: scoreAudio(energyResults),
    sileroResults,
    sileroMsPerSecond: audioSeconds ? sileroMs / audioSeconds : 0,
    audioSeconds,
  };
}
