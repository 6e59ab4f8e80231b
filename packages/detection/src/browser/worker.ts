/// <reference lib="webworker" />
/**
 * The detection worker: the human library on the tfjs wasm backend, off the page's main
 * thread so that analysis never delays the page, the recorders or the uploads. It answers
 * one request at a time; the main thread sends the next frame only after the previous
 * answer, so frames are dropped on the page side, never queued here.
 */
import { Human, type Result } from '@vladmandic/human';
import type { FrameAnalysis, ModelInfo } from '../analysis.js';
import { humanConfig, MODEL_FILES, type DetectorParts } from '../human-config.js';
import { modelInfo, runPass } from '../human-pass.js';
import { FaceRecognizer } from '../face-recognition.js';
import { rgbFromRgba, type RgbImage } from '../image-ops.js';
import { analyseFrame } from '../pipeline.js';
import type { InitRequest, WorkerReply, WorkerRequest } from './protocol.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;

let human: Human | null = null;
let init: InitRequest | null = null;
let models: ModelInfo | null = null;
let enrolled: number[] | null = null;
let recognizer: FaceRecognizer | null = null;
let canvas: OffscreenCanvas | null = null;
/** Requests are handled strictly in order. */
let chain: Promise<void> = Promise.resolve();

const reply = (message: WorkerReply) => scope.postMessage(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function load(request: InitRequest): Promise<void> {
  const started = performance.now();
  init = request;
  try {
    // Only the models for the enabled parts load; nothing comes from anywhere but our origin.
    human = new Human(humanConfig(request, request.parts));
    await human.load();
    await human.tf.ready();
    if (human.tf.getBackend() !== 'wasm') throw new Error(`backend ${human.tf.getBackend()}`);
    const used: string[] = [MODEL_FILES.face];
    if (request.parts.pose || request.parts.embedding) used.push(MODEL_FILES.mesh);
    if (request.parts.objects) used.push(MODEL_FILES.objects);
    // human logs a model that failed to load and carries on without it: check them all.
    const loaded = new Set(human.models.loaded());
    const missing = used.map((f) => f.replace('.json', '')).filter((name) => !loaded.has(name));
    if (missing.length) throw new Error(`models not loaded: ${missing.join(', ')}`);
    // Identity's network is ours, on human's tfjs; it throws when its weights do not load.
    if (request.parts.embedding) {
      recognizer = await FaceRecognizer.load(human.tf, request.faceRecognitionPath);
    }
    models = modelInfo(human);
    // One pass on a blank frame compiles the kernels, so the first real frame is not slow.
    await detectPass({ width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) }, request.parts);
    if (recognizer) used.push(MODEL_FILES.embedding);
    const model = `${models.library}: ${used.map((f) => f.replace('.json', '')).join('+')}`;
    reply({ type: 'ready', model, loadMs: Math.round(performance.now() - started) });
  } catch (error) {
    human = null;
    reply({ type: 'failed', error: String(error).slice(0, 300) });
  }
}

/** Pixels of an image as packed RGB, through one reused canvas. */
async function pixelsOf(image: ImageBitmap | Blob): Promise<RgbImage> {
  const bitmap = image instanceof Blob ? await createImageBitmap(image) : image;
  try {
    const { width, height } = bitmap;
    if (!canvas || canvas.width !== width || canvas.height !== height) {
      canvas = new OffscreenCanvas(width, height);
    }
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no 2d canvas in the worker');
    context.drawImage(bitmap, 0, 0);
    return rgbFromRgba(width, height, context.getImageData(0, 0, width, height).data);
  } finally {
    bitmap.close();
  }
}

/** The identity descriptor of a face, by the recognizer loaded with the models. */
const describe = (image: RgbImage, mesh: Result['face'][number]['mesh']) =>
  recognizer ? recognizer.describe(image, mesh) : null;

/** One raw pass of the library, exactly as on the server. */
async function detectPass(image: RgbImage, parts: DetectorParts): Promise<Result> {
  if (!human || !init) throw new Error('not loaded');
  return runPass(human, init, image, parts);
}

async function frame(
  id: number,
  image: ImageBitmap | Blob,
  parts: DetectorParts,
  urgent: boolean,
  objectTiles: boolean,
): Promise<void> {
  const arrived = performance.now();
  if (!human || !init || !models) {
    if (!(image instanceof Blob)) image.close();
    reply({ type: 'error', id, error: 'not loaded' });
    return;
  }
  try {
    const started = performance.now();
    // The shared pipeline (lighting, padding, thresholds): the browser decides as the server does.
    const withIdentity = parts.embedding && !!enrolled;
    const { embedding: _embedding, ...result } = await analyseFrame(
      detectPass,
      await pixelsOf(image),
      {
        parts: { ...parts, embedding: withIdentity },
        enrolled: withIdentity ? (enrolled ?? undefined) : undefined,
        tiles: false,
        objectTiles,
        describe,
      },
      init.thresholds,
    );
    const analysis: FrameAnalysis = {
      ...result,
      timings: { ...result.timings, total: Math.round(performance.now() - started) },
      models,
    };
    // Cap the rate here rather than with a page timer: page timers are throttled to once a
    // second in a background tab, a worker's are not.
    const wait = urgent ? 0 : init.minFrameMs - (performance.now() - arrived);
    if (wait > 0) await sleep(wait);
    reply({ type: 'result', id, analysis });
  } catch (error) {
    reply({ type: 'error', id, error: String(error).slice(0, 300) });
  }
}

async function enroll(id: number, image: Blob): Promise<void> {
  if (!human || !init) {
    reply({ type: 'enrolled', id, ok: false, reason: 'not loaded' });
    return;
  }
  try {
    const parts = { pose: true, embedding: true, objects: false };
    const result = await analyseFrame(
      detectPass,
      await pixelsOf(image),
      { parts, describe },
      init.thresholds,
    );
    if (!result.embedding?.length) {
      reply({ type: 'enrolled', id, ok: false, reason: 'no face in the identity photo' });
      return;
    }
    enrolled = result.embedding;
    reply({ type: 'enrolled', id, ok: true });
  } catch (error) {
    reply({ type: 'enrolled', id, ok: false, reason: String(error).slice(0, 300) });
  }
}

scope.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  chain = chain.then(() => {
    switch (request.type) {
      case 'init':
        return load(request);
      case 'frame':
        return frame(
          request.id,
          request.image,
          request.parts,
          request.urgent,
          request.objectTiles === true,
        );
      case 'enroll':
        return enroll(request.id, request.image);
    }
  });
});
