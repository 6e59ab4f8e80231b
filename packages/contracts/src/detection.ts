import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { FaceQualityData, IdentityStatus } from './face-quality.js';

/**
 * Flag types the server raises about the evidence itself (missing, late, inconsistent),
 * from what it received (or did not), on its clock — never from a browser's report. Shown
 * apart from the camera detectors in the exam editor.
 */
export const EVIDENCE_FLAG_TYPES = [
  'recording_gap',
  'detection_silent',
  'snapshots_missing',
  'snapshot_unreadable',
  'clock_skew',
  'late_event',
  'id_document_mismatch',
  /** Nothing heard from the student's page (no upload, no live heartbeat) for a while. */
  'connection_lost',
  /** The page is heard but its recording uploads lag far behind the present. */
  'upload_backlog',
] as const;

/**
 * What a detector can report about a student. Each becomes a flag type when the exam's
 * policy rules say so; `client_integrity` is raised by the server when its own analysis
 * of a snapshot disagrees with what the browser reported for the same moment.
 */
export const DetectorName = z.enum([
  'no_face',
  'multiple_faces',
  'head_turned',
  'identity_mismatch',
  /**
   * The face was too poor (small, dark, noisy, blurred, turned) to compare with the identity
   * photo for a sustained stretch: a low-severity note on the conditions, never a mismatch.
   */
  'poor_camera',
  'spoof',
  'phone',
  'book',
  'extra_person',
  'voice',
  'tab_switch',
  /** Left full screen on an exam that requires it (`policy.requireFullscreen`). */
  'fullscreen_exit',
  'client_integrity',
  ...EVIDENCE_FLAG_TYPES,
]);
export type DetectorName = z.infer<typeof DetectorName>;

/**
 * The detectors that judge the webcam image in the browser and on the server (the rest
 * listen, watch the page, or compare). `spoof` judges the webcam image too, but only the
 * server runs it: see SERVER_ONLY_CAMERA_DETECTORS.
 */
export const CAMERA_DETECTORS = [
  'no_face',
  'multiple_faces',
  'head_turned',
  'identity_mismatch',
  'poor_camera',
  'phone',
  'book',
  'extra_person',
] as const satisfies readonly DetectorName[];

/** Camera detectors that only the server's analysis of snapshots runs (a photo or screen). */
export const SERVER_ONLY_CAMERA_DETECTORS = ['spoof'] as const satisfies readonly DetectorName[];

export const Severity = z.enum(['low', 'medium', 'high']);
export type Severity = z.infer<typeof Severity>;

/**
 * One detector's rule in an exam policy: on or off, how long a condition must last before
 * it becomes a flag, how serious it is, and (where the detector has one) its decision
 * threshold: degrees of yaw for head_turned, embedding similarity for identity_mismatch,
 * the anti-spoof score below which a face counts as a photo or screen for spoof, object
 * score for phone/book/extra_person, the speech probability (0–1) of the voice-activity model
 * for voice (see voiceSpeechThreshold), and the most faces allowed for multiple_faces
 * (default: the policy's `maxFaces`).
 */
export const DetectorRule = z.strictObject({
  enabled: z.boolean(),
  minSeconds: z.number().min(0).max(600),
  severity: Severity,
  threshold: z.number().min(-120).max(180).optional(),
});
export type DetectorRule = z.infer<typeof DetectorRule>;

/** Defaults: conservative durations so that a glance or a sneeze never becomes a flag. */
export const DEFAULT_DETECTOR_RULES: Record<DetectorName, DetectorRule> = {
  no_face: { enabled: true, minSeconds: 5, severity: 'medium' },
  multiple_faces: { enabled: true, minSeconds: 2, severity: 'high' },
  head_turned: { enabled: true, minSeconds: 5, severity: 'low', threshold: 18 },
  identity_mismatch: { enabled: true, minSeconds: 10, severity: 'high', threshold: 0.555 },
  // A minute of faces too poor to compare: a hint to fix the light, not an accusation.
  poor_camera: { enabled: true, minSeconds: 60, severity: 'low' },
  // Off by default: only its false positives on real faces are measured, not how many real
  // attacks it catches (docs/detection-quality.md), so staff opt in.
  spoof: { enabled: false, minSeconds: 10, severity: 'high', threshold: 0.3 },
  phone: { enabled: true, minSeconds: 1, severity: 'high', threshold: 0.25 },
  book: { enabled: false, minSeconds: 3, severity: 'medium', threshold: 0.3 },
  extra_person: { enabled: true, minSeconds: 2, severity: 'high', threshold: 0.4 },
  voice: { enabled: true, minSeconds: 10, severity: 'low', threshold: 0.5 },
  tab_switch: { enabled: true, minSeconds: 2, severity: 'medium' },
  // Judged only when the exam requires full screen (see effectiveRules).
  fullscreen_exit: { enabled: true, minSeconds: 2, severity: 'medium' },
  client_integrity: { enabled: true, minSeconds: 0, severity: 'high' },
  // Evidence integrity (server-judged; minSeconds is how long the evidence must be missing).
  recording_gap: { enabled: true, minSeconds: 0, severity: 'medium' },
  detection_silent: { enabled: true, minSeconds: 60, severity: 'medium' },
  snapshots_missing: { enabled: true, minSeconds: 0, severity: 'medium' },
  snapshot_unreadable: { enabled: true, minSeconds: 0, severity: 'medium' },
  clock_skew: { enabled: true, minSeconds: 0, severity: 'medium' },
  late_event: { enabled: true, minSeconds: 0, severity: 'low' },
  id_document_mismatch: { enabled: true, minSeconds: 0, severity: 'high' },
  connection_lost: { enabled: true, minSeconds: 0, severity: 'medium' },
  upload_backlog: { enabled: true, minSeconds: 0, severity: 'low' },
};

/** The voice rule's default speech probability: the Silero model's usual cut-off. */
export const DEFAULT_VOICE_SPEECH_THRESHOLD = 0.5;

/**
 * The voice rule's threshold as the speech probability the detector uses. Exams set before
 * the voice detector was a speech model hold an RMS level in dBFS there (a negative number):
 * a level says nothing about a speech probability, so those read as the default.
 */
export function voiceSpeechThreshold(threshold: number | undefined): number {
  return threshold !== undefined && threshold > 0 && threshold < 1
    ? threshold
    : DEFAULT_VOICE_SPEECH_THRESHOLD;
}

/**
 * Which way a detector's threshold makes it flag less: more faces allowed, a wider turn,
 * a more confident object, more certain speech — but a lower identity similarity or
 * anti-spoof score. Accommodations may only move a threshold this way.
 */
export const LENIENT_THRESHOLD: Partial<Record<DetectorName, 'higher' | 'lower'>> = {
  multiple_faces: 'higher',
  head_turned: 'higher',
  identity_mismatch: 'lower',
  spoof: 'lower',
  phone: 'higher',
  book: 'higher',
  extra_person: 'higher',
  voice: 'higher',
};

/** A policy's detector rules: any subset; missing detectors take the defaults. */
export const DetectorRules = z.partialRecord(DetectorName, DetectorRule);
export type DetectorRules = z.infer<typeof DetectorRules>;

/**
 * A per-student change to one detector: switch it off, or relax it (longer minimum
 * duration, different threshold) — any of a DetectorRule's fields but its severity. Set by
 * staff as an accommodation, e.g. for a student who looks away to lip-read or uses a
 * screen reader aloud.
 */
export const DetectorAccommodation = DetectorRule.omit({ severity: true }).partial();
export type DetectorAccommodation = z.infer<typeof DetectorAccommodation>;
export const DetectorAccommodations = z.partialRecord(DetectorName, DetectorAccommodation);
export type DetectorAccommodations = z.infer<typeof DetectorAccommodations>;

/**
 * Client detection event data (`type: 'detect.state'`): a detector's condition started
 * (`active: true`) or ended, at the event's `at`. Sent on every change only, so a steady
 * state costs nothing.
 */
export const DetectStateData = z.strictObject({
  detector: DetectorName,
  active: z.boolean(),
  /** 0..1: how sure the detector is (e.g. the object score). */
  confidence: z.number().min(0).max(1),
  /** A measured value behind the decision (faces counted, yaw degrees, similarity, dBFS). */
  value: z.number().optional(),
  model: z.string().max(200),
});
export type DetectStateData = z.infer<typeof DetectStateData>;

/**
 * Client detection event data (`type: 'detect.snapshot'`): what the browser's detectors
 * saw in the webcam frame it uploaded as snapshot `snapshotSeq`. The server re-analyses
 * some of these snapshots and compares (trust but verify).
 */
export const DetectSnapshotData = z.strictObject({
  snapshotSeq: z.number().int().min(0),
  faces: z.number().int().min(0).max(20),
  headTurned: z.boolean(),
  phone: z.boolean(),
  book: z.boolean(),
  persons: z.number().int().min(0).max(20),
  model: z.string().max(200),
});
export type DetectSnapshotData = z.infer<typeof DetectSnapshotData>;

/** Server event types written by the server's own detectors. */
export const SERVER_DETECT_EVENTS = {
  /** A webcam snapshot analysed (DetectAnalysisData). */
  analysis: 'detect.analysis',
  /** The identity photo analysed; its face embedding is kept for later comparisons. */
  enrolment: 'detect.enrolment',
  /** A snapshot that could not be analysed (not a readable image, or analysis kept failing). */
  failed: 'detect.failed',
  /** Analyses refused because the session is over its budget (DetectSkippedData). */
  skipped: 'detect.skipped',
  /** Queued routine samples dropped to keep the queue bounded (DetectShedData). */
  shed: 'detect.shed',
  /** The ID document photo's face compared with the identity photo (DetectIdDocumentData). */
  idDocument: 'detect.id_document',
} as const;

/**
 * Server event data (`type: 'detect.analysis'`, `clientMs` = the snapshot's time): what
 * the server's detectors found in webcam snapshot `snapshotSeq`. Objects are listed with
 * their scores so the rules can apply each exam's thresholds.
 */
export const DetectAnalysisData = z.object({
  snapshotId: Id,
  snapshotSeq: z.number().int().min(0),
  faces: z.number().int().min(0),
  /** Highest face score, 0 without a face. */
  faceScore: z.number().min(0).max(1),
  /** The main face looks away (by the detector's calibrated yaw/pitch limits). */
  headTurned: z.boolean(),
  /** Yaw of the main face in degrees, null without a face or pose. */
  headYaw: z.number().nullable(),
  objects: z.array(
    z.object({ label: z.enum(['cell phone', 'book', 'person']), score: z.number().min(0).max(1) }),
  ),
  /**
   * The main face against the identity photo; null before an identity photo is enrolled.
   * `status` insufficient_quality: the face was too poor to compare (`quality` says why), so
   * `match` is false but means nothing; analyses made before the quality gate lack both.
   */
  identity: z
    .object({
      similarity: z.number(),
      match: z.boolean(),
      status: IdentityStatus.optional(),
      quality: FaceQualityData.optional(),
    })
    .nullable(),
  /**
   * The main face's anti-spoof score (0..1, 1 = a real face rather than a photo or screen)
   * and liveness score (0..1); absent without a face or from analyses made before them.
   */
  real: z.number().min(0).max(1).optional(),
  live: z.number().min(0).max(1).optional(),
  /** Library and model files behind the result. */
  model: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Analysis time in milliseconds. */
  ms: z.number().int(),
});
export type DetectAnalysisData = z.infer<typeof DetectAnalysisData>;

/**
 * A face photo taken under a proctor's re-enrolment request, compared with the check-in face
 * photo: the newest face photo the server received before the attempt started.
 */
export const CheckInFaceComparison = z.object({
  snapshotId: Id,
  snapshotSeq: z.number().int().min(0),
  /** Faces found on the check-in photo; with other than one there is nothing to compare. */
  faces: z.number().int().min(0),
  /** Embedding similarity (0..1) of the two faces; null when either could not be measured. */
  similarity: z.number().min(0).max(1).nullable(),
  /** By the detector's default threshold; flags use the exam's identity_mismatch threshold. */
  match: z.boolean().nullable(),
});
export type CheckInFaceComparison = z.infer<typeof CheckInFaceComparison>;

/** Server event data (`type: 'detect.enrolment'`): the identity photo was analysed. */
export const DetectEnrolmentData = z.object({
  snapshotId: Id,
  snapshotSeq: z.number().int().min(0),
  faces: z.number().int().min(0),
  /**
   * True when exactly one face was found and its embedding is now the reference. A photo
   * taken under a re-enrolment request becomes it only if it matches the check-in face (or
   * there was no measurable check-in face): the identity cannot be swapped mid-exam.
   */
  enrolled: z.boolean(),
  model: z.string(),
  /** Photos received after the attempt started: the comparison with the check-in face photo. */
  checkIn: CheckInFaceComparison.optional(),
});
export type DetectEnrolmentData = z.infer<typeof DetectEnrolmentData>;

/**
 * Server event data (`type: 'detect.id_document'`, `clientMs` = the document photo's time):
 * the faces the server found on an ID document photo and how its main face compares with the
 * session's reference face (the newest identity photo showing exactly one face). Written when
 * the document is analysed and again when a newer reference face is enrolled; the comparison is
 * null while no reference face exists yet. Embeddings never leave the server.
 */
export const DetectIdDocumentData = z.object({
  snapshotId: Id,
  snapshotSeq: z.number().int().min(0),
  /** Faces found on the document; 0 is a finding by itself. */
  faces: z.number().int().min(0),
  /** The identity photo compared with, null when none was enrolled yet. */
  faceSnapshotId: Id.nullable(),
  faceSnapshotSeq: z.number().int().min(0).nullable(),
  /** Embedding similarity (0..1) of the document's main face with the reference face. */
  similarity: z.number().min(0).max(1).nullable(),
  /** By the detector's default threshold; flags use the exam's identity_mismatch threshold. */
  match: z.boolean().nullable(),
  model: z.string(),
});
export type DetectIdDocumentData = z.infer<typeof DetectIdDocumentData>;

/** Server event data (`type: 'detect.failed'`). */
export const DetectFailedData = z.object({
  snapshotId: Id,
  snapshotKind: z.string(),
  snapshotSeq: z.number().int().min(0),
  reason: z.string(),
});
export type DetectFailedData = z.infer<typeof DetectFailedData>;

/**
 * Server event data (`type: 'detect.skipped'`): snapshots the server would have analysed but
 * did not, because the session had used its analysis budget (one analysis per 2 s of the
 * attempt on the server clock, plus allowances). `snapshotSeqs` lists at most 100.
 */
export const DetectSkippedData = z.object({
  reason: z.literal('budget'),
  /** Why they would have been analysed. */
  jobReason: z.enum(['sample', 'client_report', 'enrolment']),
  snapshotKind: z.string(),
  count: z.number().int().min(1),
  snapshotSeqs: z.array(z.number().int().min(0)),
});
export type DetectSkippedData = z.infer<typeof DetectSkippedData>;

/**
 * Server event data (`type: 'detect.shed'`): queued routine samples of this session dropped
 * because analysis fell behind — `session`: more than the per-session bound were queued,
 * `server`: the whole queue was over its bound. Detections and identity photos are never shed.
 */
export const DetectShedData = z.object({
  bound: z.enum(['session', 'server']),
  count: z.number().int().min(1),
  snapshotSeqs: z.array(z.number().int().min(0)),
});
export type DetectShedData = z.infer<typeof DetectShedData>;

/**
 * Why the server kept a client event as evidence but did not use it to judge flags: dated
 * long before it arrived (`late`), after it arrived (`future`), or before an event of the same
 * detector it had already accepted (`out_of_order`).
 */
export const UntrustedReason = z.enum(['late', 'out_of_order', 'future']);
export type UntrustedReason = z.infer<typeof UntrustedReason>;

/** A client event behind a `late_event` flag: its time by the student's clock and on arrival. */
export const UntrustedEventEvidence = z.object({
  seq: z.number().int(),
  type: z.string(),
  clientMs: z.number().int(),
  /** When the server received it (server epoch ms). */
  receivedMs: z.number().int(),
  reason: UntrustedReason,
});
export type UntrustedEventEvidence = z.infer<typeof UntrustedEventEvidence>;

/** An item behind a `clock_skew` flag: its client time against when the server received it. */
export const ClockSampleEvidence = z.object({
  kind: z.enum(['event', 'segment', 'snapshot']),
  /** Which one, e.g. `event 12`, `webcam segment 4`, `webcam snapshot 9`. */
  ref: z.string(),
  clientMs: z.number().int(),
  receivedMs: z.number().int(),
});
export type ClockSampleEvidence = z.infer<typeof ClockSampleEvidence>;

/** Where a flag's evidence is: snapshots and a recording time range (client epoch ms). */
export const FlagEvidence = z.object({
  snapshotIds: z.array(Id),
  recording: z.object({ fromMs: z.number().int(), toMs: z.number().int() }).nullable(),
  /**
   * Facts behind a flag the server raised about the evidence itself (e.g. the track, when it
   * stopped and resumed by the server's clock, the last sequence number received, the rule's
   * threshold); absent for detector flags.
   */
  details: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .optional(),
  /** `late_event`: the untrusted events (a sample when there are many; `details.count` has all). */
  events: z.array(UntrustedEventEvidence).optional(),
  /** `clock_skew`: items whose client times gave the clock away. */
  samples: z.array(ClockSampleEvidence).optional(),
});
export type FlagEvidence = z.infer<typeof FlagEvidence>;

export const FlagSource = z.enum(['client', 'server', 'rules']);
export type FlagSource = z.infer<typeof FlagSource>;

/** A proctor's verdict on a flag; re-deriving a flag never changes it. */
export const FlagReviewStatus = z.enum(['open', 'confirmed', 'dismissed']);
export type FlagReviewStatus = z.infer<typeof FlagReviewStatus>;

/** A flag: a stretch of a session that a proctor should look at, and why. */
export const Flag = z.object({
  id: Id,
  sessionId: Id,
  type: DetectorName,
  source: FlagSource,
  /** Client epoch ms, the same clock as the recording. */
  startMs: z.number().int(),
  /** Null while the condition still lasts. */
  endMs: z.number().int().nullable(),
  /** Offsets from the start of the attempt, for display ("at 12:30"). */
  startOffsetMs: z.number().int().nullable(),
  endOffsetMs: z.number().int().nullable(),
  severity: Severity,
  confidence: z.number().min(0).max(1),
  detector: z.string(),
  model: z.string(),
  evidence: FlagEvidence,
  /** A human-readable reason. */
  message: z.string(),
  reviewStatus: FlagReviewStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Flag = z.infer<typeof Flag>;

/** One flag's part of a risk score. */
export const RiskContribution = z.object({
  flagId: Id,
  type: DetectorName,
  severity: Severity,
  points: z.number(),
});
export const RiskScore = z.object({
  sessionId: Id,
  /** 0 (nothing seen) to 100. */
  score: z.number().int().min(0).max(100),
  contributions: z.array(RiskContribution),
  /** One sentence per contribution, largest first. */
  explanation: z.array(z.string()),
  updatedAt: Timestamp,
});
export type RiskScore = z.infer<typeof RiskScore>;
