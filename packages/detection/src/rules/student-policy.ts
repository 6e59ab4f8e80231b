import {
  BROWSER_DETECTORS,
  type BrowserDetectorRule,
  type BrowserRules,
  type DetectorAccommodations,
  type ProctoringPolicy,
  type StudentPolicy,
} from '@invigil/contracts';
import { effectiveRules } from './effective-rules.js';

/**
 * The policy as one student's browser receives it: the capture settings, and for the
 * detectors the browser runs only whether they run and their thresholds — after the
 * student's accommodations, so the browser runs exactly what the server judges it by.
 * Everything else stays on the server (see `StudentPolicy`).
 */
export function studentPolicy(
  policy: ProctoringPolicy,
  accommodations: DetectorAccommodations = {},
): StudentPolicy {
  const rules = effectiveRules(policy, accommodations);
  const detectors = Object.fromEntries(
    BROWSER_DETECTORS.map((name): [string, BrowserDetectorRule] => {
      const { enabled, threshold } = rules[name];
      return [name, threshold === undefined ? { enabled } : { enabled, threshold }];
    }),
  ) as BrowserRules;
  return {
    webcam: policy.webcam,
    microphone: policy.microphone,
    screen: policy.screen,
    identityCheck: policy.identityCheck,
    // Defaults for a policy stored before these existed (a parsed one always has them).
    facePhotoCheck: policy.facePhotoCheck ?? true,
    practiceRun: policy.practiceRun ?? false,
    roomScan: policy.roomScan,
    snapshotIntervalSeconds: policy.snapshotIntervalSeconds,
    webcamBitrateKbps: policy.webcamBitrateKbps,
    screenBitrateKbps: policy.screenBitrateKbps,
    screenFrameRate: policy.screenFrameRate,
    segmentSeconds: policy.segmentSeconds,
    allowedUrls: [...policy.allowedUrls],
    // Restrictions the exam page applies (a policy stored before they existed has neither).
    requireFullscreen: policy.requireFullscreen ?? false,
    blockClipboard: policy.blockClipboard ?? false,
    // Live communication (a policy stored before it existed gets the defaults).
    chat: policy.chat ?? true,
    raiseHand: policy.raiseHand ?? true,
    studentMayDeclineCalls: policy.studentMayDeclineCalls ?? false,
    detectors,
  };
}

/**
 * A student's own detector accommodations as they may see them: those of the detectors
 * their browser runs, and only what the browser applies (on or off, threshold). How long a
 * condition may last before it is flagged for them stays with staff.
 */
export function studentAccommodations(
  accommodations: DetectorAccommodations,
): DetectorAccommodations {
  const out: DetectorAccommodations = {};
  for (const name of BROWSER_DETECTORS) {
    const change = accommodations[name];
    if (!change) continue;
    const visible = {
      ...(change.enabled !== undefined && { enabled: change.enabled }),
      ...(change.threshold !== undefined && { threshold: change.threshold }),
    };
    if (Object.keys(visible).length > 0) out[name] = visible;
  }
  return out;
}
