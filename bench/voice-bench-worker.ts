/**
 * The browser half of `npm run bench:voice`, bundled by esbuild into a module worker: the
 * product's voice detector (the same SileroModel and VoiceDetector as the voice worker,
 * onnxruntime-web wasm on one thread) timed chunk by chunk and frame by frame in Chromium.
 */
import {
  FRAME_SAMPLES,
  SileroModel,
  VoiceDetector,
} from '../packages/detection/src/voice/silero.js';
import { DEFAULT_SPEECH_THRESHOLD } from '../packages/detection/src/voice/segmenter.js';

/** Page → bench worker. */
export type BenchRequest =
  | { type: 'init'; modelUrl: string; runtimePath: string }
  /** Times `detector.push` for each chunk of `chunk` samples of `samples` at `sampleRate`. */
  | { type: 'chunks'; samples: Float32Array; sampleRate: number; chunk: number }
  /** Times the model alone on each 32 ms frame of `samples` (16 kHz). */
  | { type: 'frames'; samples: Float32Array };

/** Bench worker → page. */
export type BenchReply =
  | { type: 'ready'; loadMs: number }
  | { type: 'timed'; ms: number[] }
  | { type: 'failed'; error: string };

// Typed loosely: this project's bench programme is checked with the DOM library, not WebWorker.
const scope = self as unknown as {
  postMessage(message: BenchReply): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<BenchRequest>) => void): void;
};

let model: SileroModel | null = null;

async function handle(request: BenchRequest): Promise<BenchReply> {
  if (request.type === 'init') {
    const started = performance.now();
    const response = await fetch(request.modelUrl);
    model = await SileroModel.load(
      new Uint8Array(await response.arrayBuffer()),
      request.runtimePath,
    );
    return { type: 'ready', loadMs: performance.now() - started };
  }
  if (!model) throw new Error('not loaded');
  model.reset();
  const ms: number[] = [];
  if (request.type === 'chunks') {
    const detector = new VoiceDetector(model, request.sampleRate, {
      threshold: DEFAULT_SPEECH_THRESHOLD,
    });
    const { samples, chunk, sampleRate } = request;
    for (let at = 0; at + chunk <= samples.length; at += chunk) {
      const started = performance.now();
      await detector.push(samples.subarray(at, at + chunk), (at * 1000) / sampleRate);
      ms.push(performance.now() - started);
    }
  } else {
    for (let at = 0; at + FRAME_SAMPLES <= request.samples.length; at += FRAME_SAMPLES) {
      const started = performance.now();
      await model.probability(request.samples.subarray(at, at + FRAME_SAMPLES));
      ms.push(performance.now() - started);
    }
  }
  return { type: 'timed', ms };
}

let chain: Promise<void> = Promise.resolve();
scope.addEventListener('message', (event) => {
  chain = chain.then(async () => {
    scope.postMessage(
      await handle(event.data).catch((error: unknown): BenchReply => ({
        type: 'failed',
        error: String(error),
      })),
    );
  });
});
