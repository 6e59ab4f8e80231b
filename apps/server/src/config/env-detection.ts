import type { z } from 'zod';
import { bool, int } from './env-values.js';

/**
 * Server-side analysis and the watch over evidence: detector threads, the analysis queue's
 * pace and bounds, and the sweeps that turn detections and missing evidence into flags and
 * alerts. Together because they share the CPU budget an operator sizes the server by.
 */
export const DETECTION_ENV = {
  DETECTION_ENABLED: bool
    .default(true)
    .describe(
      'Re-analyse sampled webcam snapshots on the server (trust but verify). Flags from the browser work either way.',
    ),
  DETECTION_WORKERS: int(1, 16)
    .default(1)
    .describe(
      'Detector worker threads for server analysis; each loads the models once (~300 MB, ~1 s).',
    ),
  DETECTION_NICE: int(0, 19)
    .default(10)
    .describe(
      'Nice value of the detector worker threads (Linux): under load ingest runs first and analysis takes what CPU is left. 0 = same priority as ingest.',
    ),
  DETECTION_INTERACTIVE_WORKERS: int(0, 4)
    .default(1)
    .describe(
      'Detector worker threads, never niced, for checks a person waits for (check-in face photo), started on first use. 0 = they queue with server analysis.',
    ),
  ANALYSIS_CPU_LIMIT_PERCENT: int(10, 100)
    .default(60)
    .describe(
      'Machine CPU use (all cores, all processes) above which server analysis slows to one ' +
        'snapshot per 2 s per detector worker, so uploads stay fast; 100: never slow down.',
    ),
  ANALYSIS_POLL_SECONDS: int(1, 600)
    .default(5)
    .describe(
      'How often the worker looks for queued analyses whose job was lost (jobs start at once).',
    ),
  ANALYSIS_MAX_PER_SESSION: int(1, 1000)
    .default(5)
    .describe(
      'Routine snapshot samples one session may have waiting for analysis; older ones are dropped (recorded).',
    ),
  ANALYSIS_MAX_QUEUED: int(10, 1_000_000)
    .default(1000)
    .describe(
      'Snapshot analyses waiting on the whole server; beyond it routine samples are dropped (recorded), never detections.',
    ),
  FLAG_SWEEP_SECONDS: int(1, 600)
    .default(1)
    .describe('How often sessions with a detection still under way are re-judged into flags.'),
  EVIDENCE_SWEEP_SECONDS: int(1, 600)
    .default(5)
    .describe(
      'How often running attempts are checked for evidence that stopped arriving (segments, snapshots, detector reports) and ended ones for recordings that do not cover the attempt.',
    ),
  CONNECTION_LOST_SECONDS: int(0, 3600)
    .default(20)
    .describe(
      'A running attempt whose page sent nothing (no upload, no live heartbeat) for this long raises a connection-lost alert (0: never).',
    ),
  UPLOAD_BACKLOG_SECONDS: int(0, 3600)
    .default(60)
    .describe(
      'A running attempt whose page is still heard but whose recording reaches the server this many seconds late raises an uploads-falling-behind alert (0: never).',
    ),
} as const;

/** The detection settings once parsed, all `detectionConfig` needs. */
type DetectionEnv = z.infer<z.ZodObject<typeof DETECTION_ENV>>;

/**
 * Server-side snapshot analysis: on or off, worker threads, queue polling interval, and
 * the queue's bounds: routine samples waiting per session and jobs waiting in all
 * (unset: DEFAULT_QUEUE_BOUNDS of the analysis queue).
 */
export interface DetectionConfig {
  enabled: boolean;
  workers: number;
  /** Nice value of the detector worker threads (0: unchanged; unset: 0). */
  nice?: number;
  /** Threads for interactive checks, never niced (0: they share the workers; unset: 1). */
  interactiveWorkers?: number;
  pollMs: number;
  queueBounds?: { perSession: number; total: number };
  /** ANALYSIS_CPU_LIMIT_PERCENT (unset: 100, never slows down). */
  cpuLimitPercent?: number;
}

/**
 * The analysis part of the configuration. The sweep intervals stay top-level settings of
 * `Config` (their loops are not the analysis service's), so `loadConfig` converts those.
 */
export function detectionConfig(e: DetectionEnv): DetectionConfig {
  return {
    enabled: e.DETECTION_ENABLED,
    workers: e.DETECTION_WORKERS,
    nice: e.DETECTION_NICE,
    interactiveWorkers: e.DETECTION_INTERACTIVE_WORKERS,
    pollMs: e.ANALYSIS_POLL_SECONDS * 1000,
    cpuLimitPercent: e.ANALYSIS_CPU_LIMIT_PERCENT,
    queueBounds: { perSession: e.ANALYSIS_MAX_PER_SESSION, total: e.ANALYSIS_MAX_QUEUED },
  };
}
