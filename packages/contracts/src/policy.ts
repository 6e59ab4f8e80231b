import { z } from 'zod';
import { DetectorRules } from './detection.js';

/**
 * How an exam is proctored. Every field has a default so that `{}` is a sensible policy;
 * unknown fields are rejected so that a typo never silently disables a check.
 */
export const ProctoringPolicy = z.strictObject({
  webcam: z.boolean().default(true),
  microphone: z.boolean().default(true),
  screen: z.boolean().default(true),
  identityCheck: z.boolean().default(true),
  roomScan: z.boolean().default(false),
  snapshotIntervalSeconds: z.number().int().min(2).max(300).default(10),
  maxFaces: z.number().int().min(1).max(10).default(1),
  gazeAwaySeconds: z.number().min(1).max(120).default(5),
  flagTabSwitch: z.boolean().default(true),
  /** Recording quality: explicit bitrates keep storage near 0.3 GB per student-hour. */
  webcamBitrateKbps: z.number().int().min(100).max(4000).default(400),
  screenBitrateKbps: z.number().int().min(100).max(4000).default(250),
  screenFrameRate: z.number().int().min(1).max(30).default(5),
  /** Length of each independently playable recording segment. */
  segmentSeconds: z.number().int().min(2).max(60).default(6),
  /** Per-detector rules; detectors not named take DEFAULT_DETECTOR_RULES. */
  detectors: DetectorRules.default({}),
  /**
   * How often the server re-analyses a webcam snapshot with its own detectors (seconds;
   * 0 = only snapshots around a client detection). Snapshots near a client flag always are.
   */
  serverAnalysisSeconds: z.number().int().min(0).max(3600).default(60),
  allowedUrls: z
    .array(z.url({ protocol: /^https?$/, message: 'Must be an http(s) URL' }))
    .max(50)
    .default([]),
});
export type ProctoringPolicy = z.infer<typeof ProctoringPolicy>;
/** What a client may send: every field optional. */
export type ProctoringPolicyInput = z.input<typeof ProctoringPolicy>;

/** The policy used when an exam specifies none. */
export const DEFAULT_POLICY: ProctoringPolicy = ProctoringPolicy.parse({});
