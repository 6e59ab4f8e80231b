import { z } from 'zod';
import { DetectorName } from './detection.js';

/** One measured figure of a detector, with the target it is held to. */
export const DetectorQualityMetric = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  target: z.string().nullable().optional(),
  met: z.boolean().nullable().optional(),
});
export type DetectorQualityMetric = z.infer<typeof DetectorQualityMetric>;

/**
 * How good one detector measured on a labelled set: written by the eval commands to
 * packages/detection/quality/<detector>.json, served to staff next to the detector's
 * settings so that institutions can see what a flag is worth.
 */
export const DetectorQuality = z.object({
  detector: DetectorName,
  /** Model, library and version behind the figures. */
  model: z.string().min(1),
  /** The day of the measurement, YYYY-MM-DD. */
  measuredAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** What it was measured on. */
  dataset: z.string().min(1),
  metrics: z.array(DetectorQualityMetric),
  /** Run-time cost, when measured. */
  cost: z.string().nullable(),
});
export type DetectorQuality = z.infer<typeof DetectorQuality>;

/** GET /api/detection/quality: every detector measured (none listed: not measured). */
export const DetectorQualityList = z.object({ detectors: z.array(DetectorQuality) });
export type DetectorQualityList = z.infer<typeof DetectorQualityList>;
