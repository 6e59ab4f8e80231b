import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';
import { findUp } from '../paths.js';
import type { Detector } from '../ports/detector.port.js';
import type { AnalyzeRequest, AnalyzeResponse } from './detector-worker-protocol.js';

/** Options of the worker pool. */
export interface WorkerPoolOptions {
  /** Worker threads at most; each loads the models once (~300 MB), when first needed. */
  size: number;
  /** The bundled worker entry; default `dist/detect-worker.js` of the server. */
  workerPath?: string;
  /** A request (including a cold worker's model loading) taking longer kills its worker. */
  timeoutMs?: number;
  /** Memory limits of each worker thread; default DETECTOR_WORKER_LIMITS. */
  resourceLimits?: ResourceLimits;
}

/**
 * Each worker's memory limits: a crafted image that gets past the header checks, or a
 * detector bug, ends that worker (its request fails, the next starts a fresh one) instead of
 * taking the server's heap with it. Generous: the models load (~300 MB, mostly WebAssembly
 * memory outside these limits) and a capped image decodes with room to spare.
 */
export const DETECTOR_WORKER_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 1024,
  maxYoungGenerationSizeMb: 64,
  stackSizeMb: 8,
};

interface Task {
  bytes: Uint8Array;
  options: AnalyzeOptions;
  resolve(analysis: NodeAnalysis): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  taskId: number;
  timer: NodeJS.Timeout | null;
}

/** The default location of the worker bundle (built by `npm run build -w @invigil/server`). */
const defaultWorkerPath = (): string => findUp('dist/detect-worker.js');

/** An error carrying the name the worker reported, so `isUnreadableImage` still works. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * The embedded Detector: up to `size` worker threads, started on first use (a server that
 * never analyses never pays for the models), each given one request at a time; the rest
 * wait in a queue. A worker that crashes or times out is replaced on the next request, and
 * only its own request fails.
 */
export class WorkerPoolDetector implements Detector {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  analyze(bytes: Uint8Array, options: AnalyzeOptions = {}): Promise<NodeAnalysis> {
    if (this.closed) return Promise.reject(new Error('The detector is closed'));
    return new Promise((resolve, reject) => {
      // A private copy: its buffer is transferred to the worker, the caller's stays intact.
      this.waiting.push({ bytes: new Uint8Array(bytes), options, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.waiting.splice(0)) task.reject(new Error('The detector is closed'));
    await Promise.all(
      this.slots.splice(0).map((slot) => this.retire(slot, 'The detector is closed')),
    );
  }

  /**
   * Give waiting tasks to idle workers, starting workers up to the pool size. A worker that
   * cannot even be started (no bundle) fails the waiting tasks, not the caller of pump.
   */
  private pump(): void {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((s) => s.task === null);
      if (!slot && this.slots.length < this.options.size) {
        try {
          slot = this.spawn();
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          for (const task of this.waiting.splice(0)) task.reject(error);
          return;
        }
      }
      if (!slot) return;
      const task = this.waiting.shift();
      if (task) this.assign(slot, task);
    }
  }

  private spawn(): Slot {
    // Resolved here, not at construction: a server without the bundle still starts.
    const worker = new Worker(this.options.workerPath ?? defaultWorkerPath(), {
      resourceLimits: this.options.resourceLimits ?? DETECTOR_WORKER_LIMITS,
    });
    const slot: Slot = { worker, task: null, taskId: 0, timer: null };
    worker.on('message', (response: AnalyzeResponse) => this.settle(slot, response));
    worker.on(
      'error',
      (error) => void this.fail(slot, `The detector worker failed: ${error.message}`),
    );
    worker.on('exit', (code) => void this.fail(slot, `The detector worker stopped (exit ${code})`));
    this.slots.push(slot);
    return slot;
  }

  private assign(slot: Slot, task: Task): void {
    slot.task = task;
    slot.taskId = this.nextId++;
    slot.worker.ref();
    slot.timer = setTimeout(
      () => void this.fail(slot, `The analysis took longer than ${this.timeoutMs} ms`),
      this.timeoutMs,
    );
    const request: AnalyzeRequest = { id: slot.taskId, bytes: task.bytes, options: task.options };
    slot.worker.postMessage(request, [task.bytes.buffer as ArrayBuffer]);
  }

  private settle(slot: Slot, response: AnalyzeResponse): void {
    const task = slot.task;
    if (!task || response.id !== slot.taskId) return;
    this.release(slot);
    if (response.ok) task.resolve(response.analysis);
    else task.reject(namedError(response.error.name, response.error.message));
    this.pump();
  }

  /** A worker is broken: fail its task, drop it, and let a fresh one take the queue. */
  private async fail(slot: Slot, message: string): Promise<void> {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    await this.retire(slot, message);
    if (!this.closed) this.pump();
  }

  private async retire(slot: Slot, message: string): Promise<void> {
    const task = slot.task;
    this.release(slot);
    task?.reject(new Error(message));
    slot.worker.removeAllListeners('exit');
    await slot.worker.terminate();
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    // An idle worker does not keep the process alive.
    slot.worker.unref();
  }
}
