import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';
import type { PriorityOutcome } from './thread-priority.js';

/** Main thread → worker: analyse these bytes (the buffer is transferred, not copied). */
export interface AnalyzeRequest {
  id: number;
  bytes: Uint8Array;
  options: AnalyzeOptions;
}

/** Worker → main thread: the analysis, or why it failed (errors lose their class on the way). */
export type AnalyzeResponse =
  | { id: number; ok: true; analysis: NodeAnalysis }
  | { id: number; ok: false; error: { name: string; message: string } };

/** Worker → main thread, once at start: whether the worker thread lowered its priority. */
export interface PriorityReport {
  kind: 'priority';
  outcome: PriorityOutcome;
  /** The worker's operating-system thread id (Linux), whatever the outcome; else null. */
  tid: number | null;
}

/** What the main thread hears from a worker. */
export type WorkerMessage = AnalyzeResponse | PriorityReport;

/** What a worker is started with (`workerData`). */
export interface DetectWorkerData {
  /** Nice value the worker thread gives itself (0: leave its priority alone). */
  nice: number;
}
