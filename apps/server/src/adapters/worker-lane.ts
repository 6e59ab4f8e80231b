import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';
import type { DetectorLane } from '../ports/detector.port.js';
import type {
  AnalyzeRequest,
  AnalyzeResponse,
  DetectWorkerData,
  WorkerMessage,
} from './detector-worker-protocol.js';
import type { PriorityOutcome } from './thread-priority.js';

/** Which worker reported its priority: its lane and operating-system thread id (Linux). */
export interface WorkerIdentity {
  lane: DetectorLane;
  tid: number | null;
}

/** How one lane's workers are started. */
export interface WorkerLaneOptions {
  lane: DetectorLane;
  /** Worker threads at most. */
  size: number;
  /** Nice value each worker thread gives itself (0: leave its priority alone). */
  nice: number;
  workerPath: () => string;
  timeoutMs: number;
  resourceLimits: ResourceLimits;
  onPriority?: (outcome: PriorityOutcome, worker: WorkerIdentity) => void;
}

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

/** An error carrying the name the worker reported, so `isUnreadableImage` still works. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * One FIFO queue and up to `size` worker threads at one nice value, started when first
 * needed, each given one request at a time. A worker that crashes or times out fails only
 * its own request and is replaced on the next. The pool runs one lane per kind of caller,
 * because a thread's nice value cannot be lowered again once raised (unprivileged).
 */
export class WorkerLane {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerLaneOptions) {}

  /** Queue an analysis; rejected if the lane is closed. */
  analyze(bytes: Uint8Array, options: AnalyzeOptions): Promise<NodeAnalysis> {
    if (this.closed) return Promise.reject(new Error('The detector is closed'));
    return new Promise((resolve, reject) => {
      // A private copy: its buffer is transferred to the worker, the caller's stays intact.
      this.waiting.push({ bytes: new Uint8Array(bytes), options, resolve, reject });
      this.pump();
    });
  }

  /** Stop the workers; queued and running requests are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.waiting.splice(0)) task.reject(new Error('The detector is closed'));
    await Promise.all(
      this.slots.splice(0).map((slot) => this.retire(slot, 'The detector is closed')),
    );
  }

  /**
   * Give waiting tasks to idle workers, starting workers up to the lane's size. A worker that
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
    const data: DetectWorkerData = { nice: this.options.nice };
    const worker = new Worker(this.options.workerPath(), {
      resourceLimits: this.options.resourceLimits,
      workerData: data,
    });
    const slot: Slot = { worker, task: null, taskId: 0, timer: null };
    worker.on('message', (message: WorkerMessage) => {
      if ('kind' in message) {
        this.options.onPriority?.(message.outcome, {
          lane: this.options.lane,
          tid: message.tid ?? null,
        });
      } else this.settle(slot, message);
    });
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
    const { timeoutMs } = this.options;
    slot.timer = setTimeout(
      () => void this.fail(slot, `The analysis took longer than ${timeoutMs} ms`),
      timeoutMs,
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
