import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { UntrustedReason } from './detection.js';

/** Recorded media tracks. webcam carries the microphone audio; room_scan is the check-in scan. */
export const MediaTrack = z.enum(['webcam', 'screen', 'room_scan']);
export type MediaTrack = z.infer<typeof MediaTrack>;

/** Still images: periodic snapshots and identity enrolment photos. */
export const SnapshotKind = z.enum(['webcam', 'screen', 'id_face', 'id_document']);
export type SnapshotKind = z.infer<typeof SnapshotKind>;

/**
 * Content types accepted for segments and snapshots: the only types ever stored or served.
 * Parameters are dropped on upload, except allow-listed `codecs` of segments.
 */
export const MEDIA_CONTENT_TYPES = ['video/webm', 'video/mp4', 'audio/webm'] as const;
export type MediaContentType = (typeof MEDIA_CONTENT_TYPES)[number];
/** Snapshots: the types the server's analysis decodes (the browser sends JPEG). */
export const SNAPSHOT_CONTENT_TYPES = ['image/jpeg', 'image/png'] as const;
export type SnapshotContentType = (typeof SNAPSHOT_CONTENT_TYPES)[number];

const EXTENSIONS: Record<MediaContentType | SnapshotContentType, string> = {
  'video/webm': 'webm',
  'video/mp4': 'mp4',
  'audio/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
};

/**
 * The file extension of an allow-listed content type, for stored blob names and served file
 * names; `bin` for anything else.
 */
export function contentTypeExtension(type: string): string {
  return Object.hasOwn(EXTENSIONS, type) ? EXTENSIONS[type as keyof typeof EXTENSIONS] : 'bin';
}

/** Largest accepted upload: a segment at the highest bitrate and length with headroom. */
export const MAX_SEGMENT_BYTES = 32 * 1024 * 1024;
export const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;

/**
 * Upload headers for `PUT /api/sessions/:id/media/:track/:seq` and `/snapshots/:kind/:seq`
 * (the body is the raw bytes): `x-sha256` (hex of the body), `x-start-ms` and `x-end-ms`
 * (segments) or `x-taken-ms` (snapshots), epoch milliseconds by the client clock.
 */
export const UPLOAD_HEADERS = {
  sha256: 'x-sha256',
  startMs: 'x-start-ms',
  endMs: 'x-end-ms',
  takenMs: 'x-taken-ms',
} as const;

export const MediaParams = z.strictObject({
  id: Id,
  track: MediaTrack,
  seq: z.coerce.number().int().min(0).max(1_000_000),
});
export const SnapshotParams = z.strictObject({
  id: Id,
  kind: SnapshotKind,
  seq: z.coerce.number().int().min(0).max(1_000_000),
});

/**
 * Server event type recorded when an upload is refused for what it contains (415
 * CONTENT_MISMATCH, 413 IMAGE_TOO_LARGE, 413 QUOTA_EXCEEDED, 409 IDENTITY_LOCKED); its data
 * is an UploadRefusedData. At most one per session, code and track or kind per minute.
 */
export const UPLOAD_REFUSED_EVENT = 'upload.refused';

/** What an `upload.refused` event records (never the bytes). */
export interface UploadRefusedData {
  target: 'media' | 'snapshot';
  /** The segment's track (target media) or the snapshot's kind (target snapshot). */
  track?: MediaTrack;
  kind?: SnapshotKind;
  seq: number;
  /** The error code the student's browser was answered with. */
  code: 'CONTENT_MISMATCH' | 'IMAGE_TOO_LARGE' | 'QUOTA_EXCEEDED' | 'IDENTITY_LOCKED';
  sizeBytes: number;
  /** The media type as declared (bare, allow-listed). */
  declaredType: string;
}

/** A stored segment as the manifest lists it. */
export const MediaSegment = z.object({
  track: MediaTrack,
  seq: z.number().int(),
  startMs: z.number().int(),
  endMs: z.number().int(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  contentType: z.string(),
  receivedAt: Timestamp,
});
export type MediaSegment = z.infer<typeof MediaSegment>;

/** A stored snapshot. */
export const Snapshot = z.object({
  id: Id,
  kind: SnapshotKind,
  seq: z.number().int(),
  takenMs: z.number().int(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  contentType: z.string(),
  receivedAt: Timestamp,
});
export type Snapshot = z.infer<typeof Snapshot>;

/** The answer to an upload: 201 when stored now, 200 when it was already stored (same hash). */
export const UploadAck = z.object({
  stored: z.literal(true),
  duplicate: z.boolean(),
  sha256: z.string(),
});
export type UploadAck = z.infer<typeof UploadAck>;

/** Integrity events the browser reports. */
export const ClientEventType = z.enum([
  'consent.given',
  'consent.declined',
  'system_check.passed',
  'system_check.failed',
  'page.hidden',
  'page.visible',
  'window.blur',
  'window.focus',
  'fullscreen.exit',
  'fullscreen.enter',
  'clipboard.copy',
  'clipboard.cut',
  'clipboard.paste',
  'contextmenu',
  'print.attempt',
  'screen_share.stopped',
  'track.ended',
  'track.muted',
  'track.unmuted',
  'display.changed',
  'network.offline',
  'network.online',
  'page.load',
  'page.unload',
  'upload.backlog',
  'recording.started',
  'recording.stopped',
  'recording.error',
  /** Detector results: see DetectStateData and DetectSnapshotData in detection.ts. */
  'detect.state',
  'detect.snapshot',
]);
export type ClientEventType = z.infer<typeof ClientEventType>;

/** One client event; `seq` orders events of a session and makes retries idempotent. */
export const ClientEvent = z.strictObject({
  seq: z.number().int().min(0).max(10_000_000),
  type: ClientEventType,
  at: z.number().int().min(0),
  data: z
    .record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
    .default({}),
});
export type ClientEvent = z.input<typeof ClientEvent>;

/** POST /api/sessions/:id/events */
export const ClientEventBatch = z.strictObject({ events: z.array(ClientEvent).min(1).max(500) });
/** Which sequence numbers were stored now and which were already stored. */
export const EventBatchAck = z.object({
  accepted: z.array(z.number().int()),
  duplicates: z.array(z.number().int()),
});
export type EventBatchAck = z.infer<typeof EventBatchAck>;

/** A stored event (client or server). */
export const SessionEvent = z.object({
  source: z.enum(['client', 'server']),
  seq: z.number().int(),
  type: z.string(),
  clientMs: z.number().int().nullable(),
  serverAt: Timestamp,
  data: z.record(z.string(), z.unknown()),
  /**
   * Staff only: why the server kept this client event as evidence but did not use it to judge
   * flags (null: used). Never sent to the student.
   */
  untrustedReason: UntrustedReason.nullable().optional(),
});
export type SessionEvent = z.infer<typeof SessionEvent>;

/** A hole in a track's recording: missing sequence numbers or a time gap between segments. */
export const RecordingGap = z.object({
  track: MediaTrack,
  afterSeq: z.number().int().nullable(),
  missingSeqs: z.array(z.number().int()),
  fromMs: z.number().int(),
  toMs: z.number().int(),
});
export type RecordingGap = z.infer<typeof RecordingGap>;

/** GET /api/sessions/:id/recording — the manifest, optionally limited to a time range. */
export const RecordingQuery = z.strictObject({
  fromMs: z.coerce.number().int().min(0).optional(),
  toMs: z.coerce.number().int().min(0).optional(),
});
/**
 * What is stored of a session's recording. `gaps` and `complete` are the server's judgement
 * of it and go to staff only: the student's own manifest lists what was stored, no more.
 */
export const RecordingManifest = z.object({
  sessionId: Id,
  startedAtMs: z.number().int().nullable(),
  segments: z.array(MediaSegment),
  snapshots: z.array(Snapshot),
  /** Staff only. */
  gaps: z.array(RecordingGap).optional(),
  totalBytes: z.number().int(),
  /** Staff only. */
  complete: z.boolean().optional(),
});
export type RecordingManifest = z.infer<typeof RecordingManifest>;
