import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** A person as the live view shows them (kept here so this module stands alone). */
const Person = z.object({ id: Id, name: z.string() });

/**
 * A live link between a proctor's browser and a student's, peer to peer over WebRTC:
 * `view` (the proctor sees and hears the student's webcam, screen and microphone, sending
 * nothing) or `call` (both ways: the proctor's microphone and optionally camera too).
 */
export const RtcKind = z.enum(['view', 'call']);
export type RtcKind = z.infer<typeof RtcKind>;

/**
 * Where a link is: `ringing` (a call waiting for the student), `connecting` (signalling and
 * ICE under way), `live` (media flows), `reconnecting` (ICE lost, being restarted), `ended`.
 */
export const RtcLinkState = z.enum(['ringing', 'connecting', 'live', 'reconnecting', 'ended']);
export type RtcLinkState = z.infer<typeof RtcLinkState>;

/** Why a link ended. */
export const RtcEndReason = z.enum([
  /** The proctor closed it. */
  'hung_up',
  /** The student ended a call (only where the policy lets them decline). */
  'student_hung_up',
  /** The student declined a call (only where the policy allows it). */
  'declined',
  /** The proctor's page went away (tab closed, signed out, socket lost). */
  'viewer_left',
  /** The student's page went away. */
  'student_left',
  /** It could not connect, or stayed disconnected, within the time limit. */
  'timeout',
  /** The peer connection failed (reported by a side, with its reason). */
  'failed',
  /** The attempt ended (submitted, terminated, expired); a pause keeps the link. */
  'session_ended',
]);
export type RtcEndReason = z.infer<typeof RtcEndReason>;

/** One live view or call, as both sides, the timeline and the audit see it. */
export const RtcLink = z.object({
  id: Id,
  sessionId: Id,
  examId: Id,
  kind: RtcKind,
  /** The proctor who opened it. */
  proctor: Person,
  /** A call with the proctor's camera as well as their microphone. */
  proctorCamera: z.boolean(),
  state: RtcLinkState,
  startedAt: Timestamp,
  /** First time media flowed (null until then). */
  connectedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  endReason: RtcEndReason.nullable(),
  /** A side's explanation when it failed or timed out (shown to people). */
  detail: z.string().nullable(),
});
export type RtcLink = z.infer<typeof RtcLink>;

/** POST /api/sessions/:id/rtc: open a live view, or call the student. */
export const OpenRtcBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('view') }),
  z.strictObject({ kind: z.literal('call'), camera: z.boolean().default(false) }),
]);
export type OpenRtcBody = z.infer<typeof OpenRtcBody>;

/** One ICE server as RTCPeerConnection takes it. */
export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/**
 * GET /api/rtc/ice-servers: the ICE servers to use now. TURN entries carry short-lived
 * credentials by the TURN REST scheme (username `expiry:userId`, credential the base64
 * HMAC-SHA1 of it with the shared secret), valid until `expiresAt`.
 */
export const IceServersResponse = z.object({
  iceServers: z.array(IceServer),
  expiresAt: Timestamp.nullable(),
  /**
   * Seconds a link may take to get live (RTC_CONNECT_TIMEOUT_SECONDS) before the server
   * ends it: the browser gives up with a clear message by then. Absent from older servers.
   */
  connectTimeoutSeconds: z.number().int().positive().optional(),
});
export type IceServersResponse = z.infer<typeof IceServersResponse>;

/** An ICE candidate as RTCIceCandidate.toJSON() gives it (null candidate: end of candidates). */
export const RtcCandidate = z.object({
  candidate: z.string().max(2000),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type RtcCandidate = z.infer<typeof RtcCandidate>;

/**
 * What each media section of an offer carries, by its `mid`: the student's `webcam`,
 * `screen` and `microphone`, and in a call the proctor's `proctorAudio` / `proctorVideo`.
 */
export const RtcTrackRole = z.enum([
  'webcam',
  'screen',
  'microphone',
  'proctorAudio',
  'proctorVideo',
]);
export type RtcTrackRole = z.infer<typeof RtcTrackRole>;

/** One signalling payload: an SDP offer or answer, an ICE candidate. */
export const RtcSignal = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('offer'),
    sdp: z.string().min(1).max(100_000),
    /** mid → what the section carries, so the answerer attaches the right track. */
    tracks: z.record(z.string().max(64), RtcTrackRole),
    /** An ICE restart after a network change. */
    restart: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal('answer'), sdp: z.string().min(1).max(100_000) }),
  z.strictObject({ kind: z.literal('candidate'), candidate: RtcCandidate }),
]);
export type RtcSignal = z.infer<typeof RtcSignal>;

/** A side's own view of its peer connection, reported so both sides and the server see it. */
export const RtcPeerState = z.enum(['connecting', 'live', 'reconnecting', 'failed']);
export type RtcPeerState = z.infer<typeof RtcPeerState>;

/**
 * A message a browser sends up the live WebSocket (JSON text frame). Each is checked
 * against this schema and against the socket's signed-in user and scope: a student's socket
 * may only signal its own session's links; a proctor's only links they opened.
 * - `rtc.signal`: relay an offer, answer or candidate to the other side of `linkId`;
 * - `rtc.state`: report this side's connection state (`failed` with a reason ends the link);
 * - `rtc.accept` / `rtc.decline`: the student answers a ringing call;
 * - `rtc.end`: hang up (the proctor; a student only where the policy lets them decline).
 */
export const LiveClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rtc.signal'), linkId: Id, signal: RtcSignal }),
  z.strictObject({
    type: z.literal('rtc.state'),
    linkId: Id,
    state: RtcPeerState,
    reason: z.string().trim().max(300).optional(),
  }),
  z.strictObject({ type: z.literal('rtc.accept'), linkId: Id }),
  z.strictObject({ type: z.literal('rtc.decline'), linkId: Id }),
  z.strictObject({ type: z.literal('rtc.end'), linkId: Id }),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

/** A signal relayed to the other side of a link (live topic `rtc.signal`, never stored). */
export const RtcSignalRelay = z.object({
  linkId: Id,
  from: z.enum(['proctor', 'student']),
  signal: RtcSignal,
});
export type RtcSignalRelay = z.infer<typeof RtcSignalRelay>;

/** A socket's message was refused (live topic `rtc.error`, to that socket only). */
export const RtcError = z.object({
  linkId: Id.nullable(),
  code: z.string(),
  message: z.string(),
});
export type RtcError = z.infer<typeof RtcError>;
