/**
 * Entry of a detector worker thread (bundled to dist/detect-worker.js). Loads the models
 * once, then answers AnalyzeRequests one at a time: the wasm backend is single-threaded,
 * and the pool sends each worker one request at a time anyway.
 */
import { parentPort } from 'node:worker_threads';
import { NodeDetector } from '@invigil/detection/node';
import type { AnalyzeRequest, AnalyzeResponse } from './adapters/detector-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('detect-worker must run in a worker thread');

const detector = NodeDetector.create();
// A failed load is reported with each request rather than crashing the thread unnoticed.
detector.catch(() => undefined);

let queue: Promise<void> = Promise.resolve();

port.on('message', (request: AnalyzeRequest) => {
  queue = queue.then(async () => {
    let response: AnalyzeResponse;
    try {
      const analysis = await (await detector).analyze(request.bytes, request.options);
      response = { id: request.id, ok: true, analysis };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      response = { id: request.id, ok: false, error: { name: error.name, message: error.message } };
    }
    port.postMessage(response);
  });
});
