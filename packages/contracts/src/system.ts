import { z } from 'zod';

/** Why a snapshot analysis was queued (the server's `analysis_jobs.reason`). */
export const AnalysisJobReason = z.enum(['sample', 'client_report', 'enrolment']);
export type AnalysisJobReason = z.infer<typeof AnalysisJobReason>;

/**
 * `GET /api/system/analysis` (admins): how server-side snapshot analysis keeps up, read
 * from the database so it covers every server process. Counts are of jobs that ended in
 * the last `windowSeconds`: analysed (done), failed (given up) and shed (routine samples
 * dropped to keep the queue bounded, each recorded as `detect.shed`).
 */
export const AnalysisStatus = z.object({
  /** DETECTION_ENABLED of the process answering. */
  enabled: z.boolean(),
  /** Detector worker threads of the process answering (DETECTION_WORKERS; 0 when disabled). */
  workers: z.number().int().min(0),
  /** Nice value of those threads (DETECTION_NICE; Linux only). */
  nice: z.number().int().min(0).max(19),
  windowSeconds: z.number().int().min(1),
  analysed: z.number().int().min(0),
  failed: z.number().int().min(0),
  shed: z.number().int().min(0),
  /** Analysed jobs per second over the window. */
  analysedPerSecond: z.number().min(0),
  /** `analysedPerSecond` / `workers` (null without workers): one worker's throughput. */
  analysedPerSecondPerWorker: z.number().min(0).nullable(),
  /** Jobs waiting now, by reason (retries waiting for their backoff included). */
  queued: z.object({
    total: z.number().int().min(0),
    byReason: z.record(AnalysisJobReason, z.number().int().min(0)),
  }),
  /** Jobs being analysed now (leased). */
  running: z.number().int().min(0),
  /** Age of the oldest waiting job, in seconds (null when none waits). */
  oldestQueuedSeconds: z.number().min(0).nullable(),
});
export type AnalysisStatus = z.infer<typeof AnalysisStatus>;
