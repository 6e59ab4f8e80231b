/// <reference lib="webworker" />
/**
 * The voice worker: Silero VAD on onnxruntime-web (wasm, one thread) off the page's main
 * thread, fed with microphone samples. The frame loop, resampling and segmenting are the
 * same code as `invigil analyze-audio` and the audio evaluation run in Node.
 */
import { SILERO_MODEL_NAME, SileroModel, VoiceDetector } from '../voice/silero.js';
import type { VoiceReply, VoiceRequest } from './voice-protocol.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const reply = (message: VoiceReply) => scope.postMessage(message);

let model: SileroModel | null = null;
let threshold = 0.5;
let detector: VoiceDetector | null = null;
/** Messages are handled strictly in order (each audio chunk awaits the model). */
let chain: Promise<void> = Promise.resolve();

async function init(request: Extract<VoiceRequest, { type: 'init' }>): Promise<void> {
  const started = performance.now();
  try {
    const response = await fetch(request.modelUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`model: HTTP ${response.status}`);
    model = await SileroModel.load(
      new Uint8Array(await response.arrayBuffer()),
      request.runtimePath,
    );
    threshold = request.threshold;
    reply({
      type: 'ready',
      model: SILERO_MODEL_NAME,
      loadMs: Math.round(performance.now() - started),
    });
  } catch (error) {
    reply({ type: 'failed', error: String(error).slice(0, 300) });
  }
}

async function audio(request: Extract<VoiceRequest, { type: 'audio' }>): Promise<void> {
  if (!model) return;
  if (!detector) {
    model.reset();
    detector = new VoiceDetector(model, request.sampleRate, { threshold });
  }
  for (const change of await detector.push(request.samples, request.startMs)) {
    reply({ type: 'change', change });
  }
}

function end(atMs: number): void {
  const change = detector?.end(atMs);
  if (change) reply({ type: 'change', change });
  detector = null;
}

scope.addEventListener('message', (event: MessageEvent<VoiceRequest>) => {
  const request = event.data;
  chain = chain
    .then(() => {
      switch (request.type) {
        case 'init':
          return init(request);
        case 'audio':
          return audio(request);
        case 'end':
          return end(request.atMs);
      }
    })
    .catch((error: unknown) => console.warn('voice worker:', error));
});
