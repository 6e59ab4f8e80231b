import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { ChatMessage, ChatUnread, HelpRequest } from './communication.js';
import { Flag, RiskScore } from './detection.js';
import { Exam } from './exams.js';
import { RtcError, RtcLink, RtcSignalRelay } from './rtc.js';
import { ExamSession, SessionState } from './sessions.js';

/** A person as other users see them in live views: id and display name. */
export const PersonRef = z.object({ id: Id, name: z.string() });
export type PersonRef = z.infer<typeof PersonRef>;

/**
 * What a proctor can do to a running attempt, and the staff tools for a stuck or wronged one
 * (`extend_time`, `reopen`, `new_attempt`: recorded here so the history shows them, sent
 * through their own routes, never POST /interventions).
 */
export const InterventionKind = z.enum([
  'warning',
  'pause',
  'resume',
  'terminate',
  'room_scan',
  're_enrol',
  'extend_time',
  'reopen',
  'new_attempt',
]);
export type InterventionKind = z.infer<typeof InterventionKind>;

/**
 * POST /api/sessions/:id/interventions (the exam's assigned proctors). A warning needs its
 * text and terminating needs a reason; pause and room scan may carry a note to the student.
 */
export const InterventionBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('warning'), message: z.string().trim().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('pause'), message: z.string().trim().max(1000).optional() }),
  z.strictObject({ kind: z.literal('resume') }),
  z.strictObject({ kind: z.literal('terminate'), message: z.string().trim().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('room_scan'), message: z.string().trim().max(1000).optional() }),
  /** Ask the student to take new identity photos; the old ones stay as evidence. */
  z.strictObject({ kind: z.literal('re_enrol'), message: z.string().trim().max(1000).optional() }),
]);
export type InterventionBody = z.infer<typeof InterventionBody>;

/** One intervention, as the proctor and the student see it. */
export const Intervention = z.object({
  id: Id,
  sessionId: Id,
  examId: Id,
  kind: InterventionKind,
  message: z.string().nullable(),
  by: PersonRef.nullable(),
  createdAt: Timestamp,
  /** When the student confirmed a warning or a room scan request. */
  acknowledgedAt: Timestamp.nullable(),
  /** When the student finished a requested room scan. */
  completedAt: Timestamp.nullable(),
  /** When staff withdrew the request before the student completed it (it no longer applies). */
  cancelledAt: Timestamp.nullable(),
  cancelledBy: PersonRef.nullable(),
  /** Minutes added, for `extend_time`; null for every other kind. */
  minutes: z.number().int().nullable(),
});
export type Intervention = z.infer<typeof Intervention>;

/** Path parameters of one intervention of a session. */
export const InterventionParams = z.strictObject({ id: Id, interventionId: Id });

/** How a live alert (a flag on the dashboard) is being handled. */
export const AlertState = z.object({
  flagId: Id,
  sessionId: Id,
  acknowledgedBy: PersonRef.nullable(),
  acknowledgedAt: Timestamp.nullable(),
  assignedTo: PersonRef.nullable(),
  assignedAt: Timestamp.nullable(),
});
export type AlertState = z.infer<typeof AlertState>;

/**
 * POST /api/flags/:id/assign: take an alert on. Another proctor's alert is refused (409
 * ALERT_TAKEN, naming them) unless `takeOver` is set. The body may be left out.
 */
// nullish: a POST without a body reaches validation as null.
export const AssignAlertBody = z.strictObject({ takeOver: z.boolean().optional() }).nullish();
export type AssignAlertBody = z.infer<typeof AssignAlertBody>;

/** A flag as the alert feed shows it: the flag, its student and how it is being handled. */
export const Alert = z.object({
  flag: Flag,
  student: PersonRef,
  handling: AlertState,
  /**
   * Other flags of the same condition (same session and type, overlapping in time, e.g. the
   * browser's and the server's "no face"), merged into this one alert; each keeps its own
   * evidence and review. Absent when there are none.
   */
  related: z.array(Flag).optional(),
});
export type Alert = z.infer<typeof Alert>;

/** The latest snapshot of a track, for dashboard thumbnails. */
export const LatestSnapshot = z.object({ seq: z.number().int(), takenMs: z.number().int() });

/** The latest webcam and screen snapshots of a session (null: none yet). */
export const LatestSnapshots = z.object({
  webcam: LatestSnapshot.nullable(),
  screen: LatestSnapshot.nullable(),
});
export type LatestSnapshots = z.infer<typeof LatestSnapshots>;

/** The server's verdict on whether a running attempt's page is there (see SessionHealth). */
export const SessionPresence = z.enum(['online', 'offline', 'unknown']);
export type SessionPresence = z.infer<typeof SessionPresence>;

/** What the server knows of a student's connection and uploads. */
export const SessionHealth = z.object({
  sessionId: Id,
  /** The student's page holds a live connection now. */
  connected: z.boolean(),
  /** Last time a segment, snapshot or event batch arrived (server clock). */
  lastUploadAt: Timestamp.nullable(),
  /**
   * When the newest webcam or screen segment arrived, whichever track (server clock; null
   * before any). Event batches alone never make a session look recorded.
   */
  lastVideoAt: Timestamp.nullable(),
  /**
   * When the newest segment of each track arrived (server clock; null before any): what "no
   * video for N s" counts from, for the oldest of the tracks the exam requires, so a dead
   * track never hides behind a live one.
   */
  videoAt: z.object({ webcam: Timestamp.nullable(), screen: Timestamp.nullable() }),
  /** Last time the student's page connected or answered a heartbeat. */
  lastSeenAt: Timestamp.nullable(),
  /**
   * The server's own verdict on the page: `offline` while its `connection_lost` flag is open
   * (raised after CONNECTION_LOST_SECONDS of silence), `online` otherwise, `unknown` when
   * this message could not tell. The dashboard's "Offline" is this, never its own timing.
   */
  presence: SessionPresence,
  /**
   * Snapshots this server process stored since it started, newest per track, so thumbnails
   * follow at once; absent when it has stored none (the dashboard snapshot has them all).
   */
  latest: LatestSnapshots.partial().optional(),
});
export type SessionHealth = z.infer<typeof SessionHealth>;

/** One tile of the live grid. */
export const LiveSessionTile = z.object({
  session: ExamSession,
  student: PersonRef.extend({ email: z.string() }),
  risk: z.number().int().min(0).max(100),
  openFlags: z.number().int().min(0),
  latest: LatestSnapshots,
  health: SessionHealth,
  /** Chat messages from the student that no staff member has read yet. */
  unreadChat: z.number().int().min(0),
});
export type LiveSessionTile = z.infer<typeof LiveSessionTile>;

/** How many sessions of the exam are in each state. */
export const SessionCounts = z.record(SessionState, z.number().int().min(0));
export type SessionCounts = z.infer<typeof SessionCounts>;

/**
 * GET /api/exams/:id/live: everything the dashboard shows, plus `cursor`, the id of the
 * newest live message included; the WebSocket resumes from it so nothing falls in between.
 */
export const LiveExamSnapshot = z.object({
  exam: Exam,
  counts: SessionCounts,
  sessions: z.array(LiveSessionTile),
  /** Alerts not yet acknowledged, and those of the last hour, newest first. */
  alerts: z.array(Alert),
  /** Raised hands still open, and those closed in the last hour, newest first. */
  helpRequests: z.array(HelpRequest),
  /** Live views and calls not yet ended. */
  rtcLinks: z.array(RtcLink),
  cursor: z.number().int().min(0),
});
export type LiveExamSnapshot = z.infer<typeof LiveExamSnapshot>;

/** Every kind of message the real-time gateway sends. */
export const LiveTopic = z.enum([
  'session.state',
  'session.risk',
  'session.health',
  'flag.created',
  'flag.updated',
  'alert.updated',
  'intervention',
  'chat.message',
  'chat.unread',
  'hand',
  'rtc.link',
  'rtc.signal',
  'rtc.error',
  'heartbeat',
  'ready',
  'resync',
]);
export type LiveTopic = z.infer<typeof LiveTopic>;

const envelope = {
  /**
   * Replay position in the receiver's feed (0 for messages that are not kept: heartbeats,
   * ready, resync): the exam's for staff; for a student, their session's own messages only
   * (1, 2, 3 …), so nothing written for staff alone moves it.
   */
  id: z.number().int().min(0),
  examId: Id,
  sessionId: Id.nullable(),
  at: Timestamp,
};

/**
 * A message from the gateway. Staff of an exam receive all of its messages; a student
 * receives their own session's `session.state` and `intervention` messages only. After
 * (re)connecting with `since`, the stored messages after it arrive first, then `ready`;
 * `resync` means the gap was too long to replay — fetch the snapshot again.
 */
export const LiveMessage = z.discriminatedUnion('topic', [
  z.object({ ...envelope, topic: z.literal('session.state'), data: ExamSession }),
  z.object({ ...envelope, topic: z.literal('session.risk'), data: RiskScore }),
  z.object({ ...envelope, topic: z.literal('session.health'), data: SessionHealth }),
  z.object({ ...envelope, topic: z.literal('flag.created'), data: Alert }),
  z.object({ ...envelope, topic: z.literal('flag.updated'), data: Alert }),
  z.object({ ...envelope, topic: z.literal('alert.updated'), data: AlertState }),
  z.object({ ...envelope, topic: z.literal('intervention'), data: Intervention }),
  /** A chat message or announcement (stored; students get their session's and announcements). */
  z.object({ ...envelope, topic: z.literal('chat.message'), data: ChatMessage }),
  /** Staff only: a session's unread count changed (a message arrived, or staff read it). */
  z.object({ ...envelope, topic: z.literal('chat.unread'), data: ChatUnread }),
  /** A raised hand was raised, taken or closed (stored; the student sees their own). */
  z.object({ ...envelope, topic: z.literal('hand'), data: HelpRequest }),
  /** A live view or call opened or changed state (stored; the student sees theirs). */
  z.object({ ...envelope, topic: z.literal('rtc.link'), data: RtcLink }),
  /** Signalling for one link, to its other side only (never stored, id 0). */
  z.object({ ...envelope, topic: z.literal('rtc.signal'), data: RtcSignalRelay }),
  /** A message this socket sent was refused (to that socket only, id 0). */
  z.object({ ...envelope, topic: z.literal('rtc.error'), data: RtcError }),
  z.object({
    ...envelope,
    topic: z.literal('heartbeat'),
    data: z.object({ serverTime: Timestamp }),
  }),
  z.object({
    ...envelope,
    topic: z.literal('ready'),
    data: z.object({ cursor: z.number().int().min(0) }),
  }),
  z.object({ ...envelope, topic: z.literal('resync'), data: z.object({ reason: z.string() }) }),
]);
export type LiveMessage = z.infer<typeof LiveMessage>;

/**
 * GET /api/live (WebSocket upgrade, cookie session): subscribe to one exam (its staff) or
 * one session (its student), resuming after `since`.
 */
export const LiveQuery = z.union([
  z.strictObject({ examId: Id, since: z.coerce.number().int().min(0).optional() }),
  z.strictObject({ sessionId: Id, since: z.coerce.number().int().min(0).optional() }),
]);
export type LiveQuery = z.infer<typeof LiveQuery>;

/** A proctor's note on a session. */
export const SessionNote = z.object({
  id: Id,
  sessionId: Id,
  author: PersonRef.nullable(),
  body: z.string(),
  createdAt: Timestamp,
});
export type SessionNote = z.infer<typeof SessionNote>;

/** POST /api/sessions/:id/notes */
export const SessionNoteBody = z.strictObject({ body: z.string().trim().min(1).max(5000) });
export type SessionNoteBody = z.infer<typeof SessionNoteBody>;
