import type { ResourceLimits } from 'node:worker_threads';
import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';
import { findUp } from '../paths.js';
import type { Detector, DetectorLane } from '../ports/detector.port.js';
import type { PriorityOutcome } from './thread-priority.js';
import { type WorkerIdentity, WorkerLane } from './worker-lane.js';

/** Options of the worker pool. */
export interface WorkerPoolOptions {
  /**
   * Background worker threads at most; each loads the models once (~300 MB), when first
   * needed.
   */
  size: number;
  /**
   * Interactive worker threads at most (default 1), never niced; 0: interactive calls share
   * the background lane's threads and queue.
   */
  interactiveSize?: number;
  /** The bundled worker entry; default `dist/detect-worker.js` of the server. */
  workerPath?: string;
  /** A request (including a cold worker's model loading) taking longer kills its worker. */
  timeoutMs?: number;
  /** Memory limits of each worker thread; default DETECTOR_WORKER_LIMITS. */
  resourceLimits?: ResourceLimits;
  /**
   * Nice value (0–19) each background worker thread gives itself (Linux: per thread), so that
   * under load the operating system runs ingest (main thread, database) before analysis; 0 or
   * unset leaves the priority alone. Interactive threads keep the main thread's priority.
   */
  nice?: number;
  /** Told what each new worker did about its priority, and which worker it is (for the log). */
  onPriority?: (outcome: PriorityOutcome, worker: WorkerIdentity) => void;
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

/** The default location of the worker bundle (built by `npm run build -w @invigil/server`). */
const defaultWorkerPath = (): string => findUp('dist/detect-worker.js');

/**
 * The embedded Detector, in two lanes of worker threads, each started on first use (a server
 * that never analyses never pays for the models) and given one request at a time, the rest
 * waiting in the lane's queue. Background calls (the analysis queue) run on up to `size`
 * threads at `nice`; interactive calls (a student waiting for a check-in photo's verdict) on
 * up to `interactiveSize` threads of their own at the main thread's priority, so they neither
 * queue behind background work nor starve on a niced thread while ingest keeps the CPU busy.
 * A worker that crashes or times out is replaced on the next request; only its request fails.
 */
export class WorkerPoolDetector implements Detector {
  private readonly background: WorkerLane;
  /** Null when interactive calls share the background lane (`interactiveSize` 0). */
  private readonly interactive: WorkerLane | null;

  constructor(options: WorkerPoolOptions) {
    const common = {
      workerPath: () => options.workerPath ?? defaultWorkerPath(),
      timeoutMs: options.timeoutMs ?? 120_000,
      resourceLimits: options.resourceLimits ?? DETECTOR_WORKER_LIMITS,
      onPriority: options.onPriority,
    };
    this.background = new WorkerLane({
      ...common,
      lane: 'background',
      size: options.size,
      nice: options.nice ?? 0,
    });
    const interactiveSize = options.interactiveSize ?? 1;
    this.interactive =
      interactiveSize > 0
        ? new WorkerLane({ ...common, lane: 'interactive', size: interactiveSize, nice: 0 })
        : null;
  }

  analyze(
    bytes: Uint8Array,
    options: AnalyzeOptions = {},
    lane: DetectorLane = 'background',
  ): Promise<NodeAnalysis> {
    const target = lane === 'interactive' ? (this.interactive ?? this.background) : this.background;
    return target.analyze(bytes, options);
  }

  async close(): Promise<void> {
    await Promise.all([this.background.close(), this.interactive?.close()]);
  }
}
