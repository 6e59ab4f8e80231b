import {
  CAMERA_DETECTORS,
  DEFAULT_DETECTOR_RULES,
  SERVER_ONLY_CAMERA_DETECTORS,
  DetectAnalysisData,
  FACE_QUALITY_FACTOR_LABELS,
  SERVER_DETECT_EVENTS,
  type DetectorName,
} from '@invigil/contracts';
import { DEFAULT_THRESHOLDS } from '../thresholds.js';
import type { EffectiveRules } from './effective-rules.js';
import type { Condition, RuleEvent } from './types.js';

/** A server analysis with the time it refers to. */
export interface TimedAnalysis {
  atMs: number;
  data: DetectAnalysisData;
}

/** The stored server analyses, in time order; malformed ones are skipped. */
export function serverAnalyses(events: readonly RuleEvent[]): TimedAnalysis[] {
  const out: TimedAnalysis[] = [];
  for (const e of events) {
    if (e.source !== 'server' || e.type !== SERVER_DETECT_EVENTS.analysis) continue;
    const parsed = DetectAnalysisData.safeParse(e.data);
    if (parsed.success) out.push({ atMs: e.atMs, data: parsed.data });
  }
  return out;
}

const th = (rules: EffectiveRules, name: DetectorName) =>
  rules[name].threshold ?? DEFAULT_DETECTOR_RULES[name].threshold ?? 0;

const scoresOf = (a: DetectAnalysisData, label: string) =>
  a.objects
    .filter((o) => o.label === label)
    .map((o) => o.score)
    .sort((x, y) => y - x);

/**
 * Whether the head is turned by this exam's rule. A changed yaw threshold is applied to the
 * measured yaw; the detector's own decision still counts for looking down or up (pitch),
 * which has no threshold in the policy.
 */
function headTurned(a: DetectAnalysisData, rules: EffectiveRules): boolean {
  if (a.faces === 0) return false;
  if (a.headYaw === null) return a.headTurned;
  const byPitch = a.headTurned && Math.abs(a.headYaw) <= DEFAULT_THRESHOLDS.headYawDeg;
  return Math.abs(a.headYaw) > th(rules, 'head_turned') || byPitch;
}

/** What one analysis shows for each detector the server runs: confidence and detail, or null. */
export function observe(
  a: DetectAnalysisData,
  rules: EffectiveRules,
): Partial<Record<DetectorName, { confidence: number; detail?: string }>> {
  const found: Partial<Record<DetectorName, { confidence: number; detail?: string }>> = {};
  const maxFaces = rules.multiple_faces.threshold ?? 1;
  if (a.faces === 0) found.no_face = { confidence: 0.8 };
  if (a.faces > maxFaces)
    found.multiple_faces = { confidence: a.faceScore, detail: `${a.faces} faces` };
  if (headTurned(a, rules)) {
    const detail = a.headYaw === null ? undefined : `yaw ${Math.round(a.headYaw)}°`;
    found.head_turned = { confidence: a.faceScore, ...(detail && { detail }) };
  }
  // A face too poor to compare is no finding of a different person (status insufficient_quality);
  // analyses from before the quality gate carry no status and are judged as they were.
  const compared = a.identity && a.identity.status !== 'insufficient_quality';
  if (a.identity?.quality && !a.identity.quality.ok && a.faces > 0) {
    const failed = a.identity.quality.failed;
    found.poor_camera = {
      confidence: Math.min(1, Math.max(0, 1 - a.identity.quality.score)),
      detail: failed ? FACE_QUALITY_FACTOR_LABELS[failed] : 'face quality',
    };
  }
  if (
    compared &&
    a.identity &&
    a.faces > 0 &&
    a.identity.similarity < th(rules, 'identity_mismatch')
  ) {
    found.identity_mismatch = {
      confidence: Math.min(1, Math.max(0, 1 - a.identity.similarity)),
      detail: `similarity ${a.identity.similarity.toFixed(2)}`,
    };
  }
  if (a.real !== undefined && a.faces > 0 && a.real < th(rules, 'spoof')) {
    found.spoof = {
      confidence: Math.min(1, Math.max(0, 1 - a.real)),
      detail: `real-face score ${a.real.toFixed(2)}`,
    };
  }
  const phone = scoresOf(a, 'cell phone')[0] ?? 0;
  if (phone > 0 && phone >= th(rules, 'phone')) found.phone = { confidence: phone };
  const book = scoresOf(a, 'book')[0] ?? 0;
  if (book > 0 && book >= th(rules, 'book')) found.book = { confidence: book };
  const persons = scoresOf(a, 'person').filter((s) => s >= th(rules, 'extra_person'));
  if (persons.length > 1) {
    found.extra_person = { confidence: persons[1] ?? 0, detail: `${persons.length} people` };
  }
  return found;
}

/**
 * Detectors for which one still frame is enough: an object or a second person in view is
 * evidence by itself. Absence and posture (no face, head turned), identity and spoof (one
 * frame can be unlucky) need the condition in consecutive analyses spanning minSeconds.
 */
export const INSTANT_SERVER_DETECTORS: ReadonlySet<DetectorName> = new Set([
  'multiple_faces',
  'phone',
  'book',
  'extra_person',
]);

/** The server re-checks everything the camera shows, and alone looks for a photo or screen. */
const SERVER_DETECTORS: readonly DetectorName[] = [
  ...CAMERA_DETECTORS,
  ...SERVER_ONLY_CAMERA_DETECTORS,
];

/**
 * The server's conditions: per detector, runs of consecutive analyses that show it, from
 * the first to the last of the run. Runs always have an end: a snapshot is a sample, and
 * the server cannot know what happened after the last one.
 */
export function serverConditions(
  analyses: readonly TimedAnalysis[],
  rules: EffectiveRules,
): Condition[] {
  const out: Condition[] = [];
  const model = (a: TimedAnalysis) => a.data.model;
  for (const type of SERVER_DETECTORS) {
    let run: Condition | null = null;
    for (const a of analyses) {
      const seen = observe(a.data, rules)[type];
      if (!seen) {
        if (run) out.push(run);
        run = null;
        continue;
      }
      if (!run) {
        run = {
          key: `server:${type}:${a.atMs}`,
          type,
          source: 'server',
          startMs: a.atMs,
          endMs: a.atMs,
          confidence: seen.confidence,
          model: model(a),
          instant: INSTANT_SERVER_DETECTORS.has(type),
          snapshotIds: [a.data.snapshotId],
          ...(seen.detail !== undefined && { detail: seen.detail }),
        };
      } else {
        run.endMs = a.atMs;
        run.confidence = Math.max(run.confidence, seen.confidence);
        run.snapshotIds.push(a.data.snapshotId);
      }
    }
    if (run) out.push(run);
  }
  return out;
}
