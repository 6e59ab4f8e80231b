import * as ort from 'onnxruntime-web/wasm';
import { rmsDbfs } from '../vad.js';
import { MODEL_RATE, Resampler } from './resample.js';
import { SpeechSegmenter, type SpeechChange, type SpeechSegmenterOptions } from './segmenter.js';

/** Samples per model frame at 16 kHz (32 ms), as Silero VAD v5 expects. */
export const FRAME_SAMPLES = 512;
/** Samples of the previous frame prepended to each frame, as Silero's own wrapper does. */
const CONTEXT_SAMPLES = 64;
/** The model file, in the @ricky0123/vad-web package. */
export const SILERO_MODEL_FILE = 'silero_vad_v5.onnx';
/** The model and runtime, as named in events, CLI output and the quality report. */
export const SILERO_MODEL_NAME = 'Silero VAD v5 (ONNX, onnxruntime-web 1.30.0 wasm)';

/**
 * Silero VAD v5 on onnxruntime-web's wasm backend: one 32 ms frame in, the probability that
 * it holds speech out, with the network's recurrent state carried from frame to frame.
 * The same class runs in the browser's voice worker and in Node.
 */
export class SileroModel {
  private state: ort.Tensor;
  private context = new Float32Array(CONTEXT_SAMPLES);
  private readonly rate = new ort.Tensor('int64', BigInt64Array.from([BigInt(MODEL_RATE)]), []);

  private constructor(private readonly session: ort.InferenceSession) {
    this.state = SileroModel.zeroState();
  }

  /**
   * Loads the model from its bytes. `wasmPaths`: where the runtime's wasm files are (our
   * own origin in the browser); single-threaded, since pages are not cross-origin isolated.
   */
  static async load(model: Uint8Array, wasmPaths?: string): Promise<SileroModel> {
    ort.env.wasm.numThreads = 1;
    if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    return new SileroModel(session);
  }

  private static zeroState(): ort.Tensor {
    return new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  }

  /** Forgets the previous audio (a new stream). */
  reset(): void {
    this.state = SileroModel.zeroState();
    this.context = new Float32Array(CONTEXT_SAMPLES);
  }

  /** The speech probability of one frame of FRAME_SAMPLES samples at 16 kHz. */
  async probability(frame: Float32Array): Promise<number> {
    const input = new Float32Array(CONTEXT_SAMPLES + frame.length);
    input.set(this.context, 0);
    input.set(frame, CONTEXT_SAMPLES);
    this.context = frame.slice(-CONTEXT_SAMPLES);
    const out = await this.session.run({
      input: new ort.Tensor('float32', input, [1, input.length]),
      state: this.state,
      sr: this.rate,
    });
    const next = out['stateN'];
    const probability = out['output']?.data[0];
    if (!next || typeof probability !== 'number') throw new Error('unexpected model output');
    this.state = next;
    return probability;
  }
}

/**
 * The product's voice detector: audio of any rate in, resampled to 16 kHz, cut into 32 ms
 * frames, scored by Silero and segmented (threshold, minimum speech, hangover). Feed it
 * consecutive chunks; timestamps come from the chunks, so the browser's wall clock and a
 * file's offsets both work.
 */
export class VoiceDetector {
  private readonly resampler: Resampler;
  private readonly segmenter: SpeechSegmenter;
  private buffer = new Float32Array(0);
  /** Time of the first buffered sample, ms. */
  private bufferStartMs = 0;

  constructor(
    private readonly model: SileroModel,
    inputRate: number,
    options: SpeechSegmenterOptions,
  ) {
    this.resampler = new Resampler(inputRate);
    this.segmenter = new SpeechSegmenter(options);
  }

  /** Takes the next chunk, whose first sample is at `startMs`; returns the changes it caused. */
  async push(chunk: ArrayLike<number>, startMs: number): Promise<SpeechChange[]> {
    const fresh = this.resampler.push(chunk);
    // Anchor the leftover of the previous chunk to this chunk's clock (no drift over hours).
    this.bufferStartMs = startMs - (this.buffer.length * 1000) / MODEL_RATE;
    const joined = new Float32Array(this.buffer.length + fresh.length);
    joined.set(this.buffer, 0);
    joined.set(fresh, this.buffer.length);
    const changes: SpeechChange[] = [];
    let at = 0;
    for (; at + FRAME_SAMPLES <= joined.length; at += FRAME_SAMPLES) {
      const frame = joined.subarray(at, at + FRAME_SAMPLES);
      const probability = await this.model.probability(frame);
      const atMs = Math.round(this.bufferStartMs + (at * 1000) / MODEL_RATE);
      const change = this.segmenter.push(atMs, probability, rmsDbfs(frame));
      if (change) changes.push(change);
    }
    this.buffer = joined.slice(at);
    return changes;
  }

  /** Ends open speech at `atMs` (the stream stopped). */
  end(atMs: number): SpeechChange | null {
    return this.segmenter.end(atMs);
  }
}
