/**
 * Entry of a detector worker thread (bundled to dist/detect-worker.js). Loads the models
 * once, then answers AnalyzeRequests one at a time: the wasm backend is single-threaded,
 * and the pool sends each worker one request at a time anyway.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NodeDetector } from '@invigil/detection/node';
import type {
  AnalyzeRequest,
  AnalyzeResponse,
  DetectWorkerData,
  PriorityReport,
} from './adapters/detector-worker-protocol.js';
import { currentThreadId, lowerThreadPriority } from './adapters/thread-priority.js';

const port = parentPort;
if (!port) throw new Error('detect-worker must run in a worker thread');

// Before the models load: analysis yields the CPU to ingest from its first instruction.
const nice = (workerData as DetectWorkerData | undefined)?.nice ?? 0;
const priority: PriorityReport = {
  kind: 'priority',
  outcome: lowerThreadPriority(nice),
  tid: currentThreadId(),
};
port.postMessage(priority);

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
