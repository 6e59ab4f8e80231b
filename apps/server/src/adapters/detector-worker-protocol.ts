import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';

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
