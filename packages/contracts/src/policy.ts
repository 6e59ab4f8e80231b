import { z } from 'zod';
import {
  CAMERA_DETECTORS,
  DEFAULT_DETECTOR_RULES,
  DetectorRule,
  DetectorRules,
} from './detection.js';
import { LtiViolationGrade } from './lti-exam.js';

/**
 * How an exam is proctored. Every field has a default so that `{}` is a sensible policy;
 * unknown fields are rejected so that a typo never silently disables a check.
 */
export const ProctoringPolicy = z.strictObject({
  webcam: z.boolean().default(true),
  microphone: z.boolean().default(true),
  screen: z.boolean().default(true),
  identityCheck: z.boolean().default(true),
  /**
   * With identityCheck: the face photo must show exactly one face, bright and sharp enough to
   * be described, checked in the browser and again by the server before it is stored (422
   * FACE_PHOTO_REJECTED). On by default; off only for exams whose cameras cannot show a face.
   */
  facePhotoCheck: z.boolean().default(true),
  /**
   * Registered students may run a practice check-in (system check and face photo check,
   * nothing recorded or kept) from their exam list before the attempt begins.
   */
  practiceRun: z.boolean().default(false),
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
  /**
   * Exam-page restriction: the exam page stays covered unless it is in full screen; each exit
   * is a `fullscreen.exit` event and, lasting past the rule's minimum, a `fullscreen_exit` flag.
   */
  requireFullscreen: z.boolean().default(false),
  /**
   * Exam-page restriction: copy, cut, paste, the context menu and printing are blocked in the
   * exam page (each attempt is still reported as an event, with `blocked: true`).
   */
  blockClipboard: z.boolean().default(false),
  /** The student can chat with the exam's proctors from the exam page (announcements always reach them). */
  chat: z.boolean().default(true),
  /** The student can raise a hand to ask a proctor for help. */
  raiseHand: z.boolean().default(true),
  /** A student may decline (and hang up) a proctor's call; otherwise a call must be accepted. */
  studentMayDeclineCalls: z.boolean().default(false),
  /**
   * What a review verdict of "violation" sends to a learning platform's gradebook (LTI):
   * nothing (`withhold`), a score of 0 (`zero`), or the score with a comment saying the review
   * found a violation (`score_with_comment`).
   */
  ltiViolationGrade: LtiViolationGrade.default('withhold'),
});
export type ProctoringPolicy = z.infer<typeof ProctoringPolicy>;
/** What a client may send: every field optional. */
export type ProctoringPolicyInput = z.input<typeof ProctoringPolicy>;

/** The policy used when an exam specifies none. */
export const DEFAULT_POLICY: ProctoringPolicy = ProctoringPolicy.parse({});

/**
 * The detectors the student's browser runs: the camera detectors (spoof is server only) and
 * the microphone's voice detector. Everything else — page events, integrity comparisons,
 * the evidence checks — is judged on the server alone.
 */
export const BROWSER_DETECTORS = [...CAMERA_DETECTORS, 'voice'] as const;
export const BrowserDetectorName = z.enum(BROWSER_DETECTORS);
export type BrowserDetectorName = z.infer<typeof BrowserDetectorName>;

/**
 * What the browser needs of a detector's rule: whether to run it and its decision threshold.
 * How long a condition must last to become a flag, and how serious it is, stay on the server.
 */
export const BrowserDetectorRule = DetectorRule.pick({ enabled: true, threshold: true });
export type BrowserDetectorRule = z.infer<typeof BrowserDetectorRule>;

/** Every browser detector's rule (the rules the student's detection runs with). */
export const BrowserRules = z.object(
  Object.fromEntries(BROWSER_DETECTORS.map((name) => [name, BrowserDetectorRule])) as Record<
    BrowserDetectorName,
    typeof BrowserDetectorRule
  >,
);
export type BrowserRules = z.infer<typeof BrowserRules>;

const pickRule = ({ enabled, threshold }: DetectorRule): BrowserDetectorRule =>
  threshold === undefined ? { enabled } : { enabled, threshold };

/** The browser detectors' rules of the default policy (its `maxFaces` is the face limit). */
export const DEFAULT_BROWSER_RULES: BrowserRules = {
  ...(Object.fromEntries(
    BROWSER_DETECTORS.map((name) => [name, pickRule(DEFAULT_DETECTOR_RULES[name])]),
  ) as BrowserRules),
  multiple_faces: {
    enabled: DEFAULT_DETECTOR_RULES.multiple_faces.enabled,
    threshold: DEFAULT_POLICY.maxFaces,
  },
};

const p = ProctoringPolicy.shape;

/**
 * What to record and how: the part of the policy the student's browser needs to capture.
 * Not strict, so an older page reading a newer server's answer keeps working.
 */
export const CaptureSettings = z.object({
  webcam: p.webcam,
  microphone: p.microphone,
  screen: p.screen,
  identityCheck: p.identityCheck,
  facePhotoCheck: p.facePhotoCheck,
  practiceRun: p.practiceRun,
  roomScan: p.roomScan,
  snapshotIntervalSeconds: p.snapshotIntervalSeconds,
  webcamBitrateKbps: p.webcamBitrateKbps,
  screenBitrateKbps: p.screenBitrateKbps,
  screenFrameRate: p.screenFrameRate,
  segmentSeconds: p.segmentSeconds,
  allowedUrls: p.allowedUrls,
  requireFullscreen: p.requireFullscreen,
  blockClipboard: p.blockClipboard,
  chat: p.chat,
  raiseHand: p.raiseHand,
  studentMayDeclineCalls: p.studentMayDeclineCalls,
});
export type CaptureSettings = z.infer<typeof CaptureSettings>;

/**
 * The policy as the student receives it: the capture settings and the rules of the detectors
 * their browser runs, with their accommodations applied. Never the server's sampling
 * (`serverAnalysisSeconds`), the server-only detectors (spoof, client integrity, the evidence
 * checks), tab-switch flagging, durations or severities: knowing them only helps someone
 * who wants to stay under them.
 */
export const StudentPolicy = CaptureSettings.extend({
  detectors: BrowserRules.default(DEFAULT_BROWSER_RULES),
});
export type StudentPolicy = z.infer<typeof StudentPolicy>;

/** The student's view of the default policy. */
export const DEFAULT_STUDENT_POLICY: StudentPolicy = StudentPolicy.parse({});
