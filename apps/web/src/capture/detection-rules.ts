import { CAMERA_DETECTORS, voiceSpeechThreshold } from '@invigil/contracts';
import {
  DEFAULT_THRESHOLDS,
  type DetectionThresholds,
  type DetectorParts,
} from '@invigil/detection';
import type { BrowserRules } from '@invigil/contracts';

// The rules come from the server with the student's policy (`StudentPolicy`), computed by the
// shared `effectiveRules` (policy, then the student's accommodations), so that the browser
// runs exactly the detectors the server judges.

/** The video detectors: they need the webcam. */
export const VIDEO_DETECTORS = CAMERA_DETECTORS;

/** Which video detectors to run, or null when none is needed (or there is no webcam). */
export function videoPartsFor(rules: BrowserRules, webcam: boolean): DetectorParts | null {
  if (!webcam || !VIDEO_DETECTORS.some((name) => rules[name].enabled)) return null;
  return {
    pose: rules.head_turned.enabled,
    embedding: rules.identity_mismatch.enabled,
    objects: rules.phone.enabled || rules.book.enabled || rules.extra_person.enabled,
  };
}

/** Whether the voice detector runs: it needs the microphone. */
export function voiceEnabled(rules: BrowserRules, microphone: boolean): boolean {
  return microphone && rules.voice.enabled;
}

/** The voice rule's speech probability (a level in dBFS from older exams reads as the default). */
export function voiceThreshold(rules: BrowserRules): number {
  return voiceSpeechThreshold(rules.voice.threshold);
}

/** Decision thresholds with the rules' own values where they set one. */
export function thresholdsFor(rules: BrowserRules): DetectionThresholds {
  const t = { ...DEFAULT_THRESHOLDS };
  if (rules.head_turned.threshold !== undefined) t.headYawDeg = rules.head_turned.threshold;
  if (rules.identity_mismatch.threshold !== undefined)
    t.identityMatch = rules.identity_mismatch.threshold;
  if (rules.phone.threshold !== undefined) t.phoneMinScore = rules.phone.threshold;
  if (rules.book.threshold !== undefined) t.bookMinScore = rules.book.threshold;
  if (rules.extra_person.threshold !== undefined) t.personMinScore = rules.extra_person.threshold;
  return t;
}
