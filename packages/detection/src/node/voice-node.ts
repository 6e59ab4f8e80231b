import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SILERO_MODEL_FILE, SileroModel, VoiceDetector } from '../voice/silero.js';
import type { SpeechSegmenterOptions } from '../voice/segmenter.js';

const require = createRequire(import.meta.url);

/**
 * Where the voice model and the ONNX runtime's wasm files live on this machine: the
 * installed packages themselves, which the server also serves to browsers.
 */
export function voiceAssetDirs(): { model: string; runtime: string } {
  return {
    model: dirname(require.resolve('@ricky0123/vad-web')),
    runtime: dirname(require.resolve('onnxruntime-web')),
  };
}

/** Loads Silero from the installed package, on the wasm runtime (as in the browser). */
export async function loadSileroNode(): Promise<SileroModel> {
  const dirs = voiceAssetDirs();
  const model = await readFile(join(dirs.model, SILERO_MODEL_FILE));
  return SileroModel.load(new Uint8Array(model), `${pathToFileURL(dirs.runtime).href}/`);
}

/** A fresh detector for one recording (its own model state), sharing a loaded model. */
export function voiceDetectorFor(
  model: SileroModel,
  sampleRate: number,
  options: SpeechSegmenterOptions,
): VoiceDetector {
  model.reset();
  return new VoiceDetector(model, sampleRate, options);
}
