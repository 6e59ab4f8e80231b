import type {
  AlertState,
  ChatMessage,
  ExamSession,
  Flag,
  HelpRequest,
  Intervention,
  InterventionKind,
  LiveMessage,
  RiskScore,
  RtcLink,
  SessionEvent,
  SessionHealth,
  SessionNote,
  SessionState,
  Severity,
  Snapshot,
} from '@invigil/contracts';
import { FLAG_TYPE_LABEL } from './alert-model';
import { sortHands, upsertHand, upsertLink } from './live-model';
import { communicationItems, type CommItem, type Communication } from './communication-timeline';
import { serverEventLabel } from './evidence-text';

/** What the session detail page follows live. */
export interface SessionDetailState {
  session: ExamSession;
  /** In time order. */
  flags: Flag[];
  risk: RiskScore | null;
  /** Oldest first, as the server lists them. */
  interventions: Intervention[];
  /** Alert handling by flag id, from `alert.updated` messages. */
  handling: Record<string, AlertState>;
  health: SessionHealth | null;
  /**
   * Chat messages of this session and the exam's announcements that arrived live, by seq
   * (the chat panel merges them with the thread it fetched).
   */
  chat: ChatMessage[];
  /** This session's raised hands, newest first. */
  hands: HelpRequest[];
  /** This session's live views and calls not ended. */
  rtcLinks: RtcLink[];
  /**
   * Every link of this session a live message told of while the page was open, ended ones
   * too (for the timeline: `rtcLinks` drops a link once it ends). Absent until the first.
   */
  rtcHistory?: RtcLink[];
  /** Newest message applied (replays are skipped). */
  cursor: number;
}

const byStart = (a: Flag, b: Flag) => a.startMs - b.startMs || a.id.localeCompare(b.id);

function upsert<T extends { id: string }>(list: readonly T[], item: T): T[] {
  const index = list.findIndex((x) => x.id === item.id);
  return index >= 0 ? list.map((x, i) => (i === index ? item : x)) : [...list, item];
}

/**
 * Applies an exam-wide live message to one session's detail: messages about other sessions
 * are ignored, as are stored messages already applied.
 */
export function applyDetailMessage(
  state: SessionDetailState,
  message: LiveMessage,
): SessionDetailState {
  if (message.sessionId !== null && message.sessionId !== state.session.id) return state;
  if (message.id > 0) {
    if (message.id <= state.cursor) return state;
    state = { ...state, cursor: message.id };
  }
  const id = state.session.id;
  switch (message.topic) {
    case 'session.state':
      return message.data.id === id ? { ...state, session: message.data } : state;
    case 'session.risk':
      return message.data.sessionId === id ? { ...state, risk: message.data } : state;
    case 'session.health':
      return message.data.sessionId === id ? { ...state, health: message.data } : state;
    case 'flag.created':
    case 'flag.updated': {
      const { flag, handling, related = [] } = message.data;
      if (flag.sessionId !== id) return state;
      // Flags merged into one alert are each a flag of the session (their own evidence).
      const flags = [flag, ...related].reduce<Flag[]>((list, f) => upsert(list, f), state.flags);
      return {
        ...state,
        flags: flags.sort(byStart),
        handling: { ...state.handling, [flag.id]: handling },
      };
    }
    case 'alert.updated':
      return message.data.sessionId === id
        ? { ...state, handling: { ...state.handling, [message.data.flagId]: message.data } }
        : state;
    case 'intervention':
      return message.data.sessionId === id
        ? { ...state, interventions: upsert(state.interventions, message.data) }
        : state;
    case 'chat.message': {
      const chat = message.data;
      // An announcement can arrive more than once (replay, the thread fetch): keep one.
      if (chat.sessionId !== id && chat.sessionId !== null) return state;
      return { ...state, chat: mergeChat(state.chat, [chat]) };
    }
    case 'hand':
      return message.data.sessionId === id
        ? { ...state, hands: upsertHand(state.hands, message.data) }
        : state;
    case 'rtc.link':
      return message.data.sessionId === id
        ? {
            ...state,
            rtcLinks: upsertLink(state.rtcLinks, message.data),
            rtcHistory: upsert(state.rtcHistory ?? [], message.data),
          }
        : state;
    case 'chat.unread':
    case 'rtc.signal':
    case 'rtc.error':
    case 'heartbeat':
    case 'ready':
    case 'resync':
      return state;
  }
}

/** Two lists of chat messages as one, each message once (the later copy wins), by seq. */
export function mergeChat(
  list: readonly ChatMessage[],
  more: readonly ChatMessage[],
): ChatMessage[] {
  const byId = new Map<string, ChatMessage>();
  for (const m of [...list, ...more]) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The session's hands and open links from the exam's live snapshot. */
export function sessionLiveParts(
  sessionId: string,
  snapshot: { helpRequests: readonly HelpRequest[]; rtcLinks: readonly RtcLink[] } | null,
): Pick<SessionDetailState, 'hands' | 'rtcLinks'> {
  return {
    hands: sortHands((snapshot?.helpRequests ?? []).filter((h) => h.sessionId === sessionId)),
    rtcLinks: (snapshot?.rtcLinks ?? []).filter(
      (l) => l.sessionId === sessionId && l.state !== 'ended',
    ),
  };
}

/**
 * One line of the session timeline: an event, a flag, a proctor's intervention or note, or
 * live communication (a chat message, a raised hand, a live view or call: see `CommItem`).
 */
export type TimelineItem =
  | { kind: 'event'; key: string; atMs: number; label: string; severity: null; event: SessionEvent }
  | { kind: 'flag'; key: string; atMs: number; label: string; severity: Severity; flag: Flag }
  | { kind: 'staff'; key: string; atMs: number; label: string; severity: null; by: string | null }
  | CommItem;

/** The session's links for its timeline: the open ones and those seen ending, once each. */
export function timelineLinks(
  state: Pick<SessionDetailState, 'rtcLinks' | 'rtcHistory'>,
): RtcLink[] {
  const byId = new Map<string, RtcLink>();
  for (const link of [...state.rtcLinks, ...(state.rtcHistory ?? [])]) byId.set(link.id, link);
  return [...byId.values()];
}

/** Event types that say nothing a proctor reads (detector internals, heartbeats of uploads). */
const DETECTOR_DETAIL = new Set(['detect.snapshot', 'detect.analysis', 'detect.state']);

const EVENT_LABEL: Record<string, string> = {
  'consent.given': 'Consent given',
  'consent.declined': 'Consent declined',
  'system_check.passed': 'System check passed',
  'system_check.failed': 'System check failed',
  'page.hidden': 'Exam page hidden',
  'page.visible': 'Exam page visible again',
  'window.blur': 'Left the exam window',
  'window.focus': 'Back in the exam window',
  'fullscreen.exit': 'Left full screen',
  'fullscreen.enter': 'Entered full screen',
  'clipboard.copy': 'Copied text',
  'clipboard.cut': 'Cut text',
  'clipboard.paste': 'Pasted text',
  contextmenu: 'Opened the context menu',
  'print.attempt': 'Tried to print',
  'screen_share.stopped': 'Stopped sharing the screen',
  'track.ended': 'A camera or microphone stopped',
  'track.muted': 'A camera or microphone was muted',
  'track.unmuted': 'A camera or microphone was unmuted',
  'display.changed': 'Displays changed',
  'network.offline': 'Went offline',
  'network.online': 'Back online',
  'page.load': 'Exam page loaded',
  'page.unload': 'Exam page closed',
  'upload.backlog': 'Uploads falling behind',
  'recording.started': 'Recording started',
  'recording.stopped': 'Recording stopped',
  'recording.error': 'Recording error',
  'detect.enrolment': 'Identity photo analysed',
  'detect.id_document': 'ID document compared with the face photo',
  'detect.failed': 'A snapshot could not be analysed',
  'detect.skipped': 'Analyses refused: over the session’s budget',
  'detect.shed': 'Waiting analyses dropped: the server fell behind',
};

/** Client events the exam page's restrictions stopped (`data.blocked`): an attempt, not an act. */
const BLOCKED_LABEL: Record<string, string> = {
  'clipboard.copy': 'Tried to copy (blocked)',
  'clipboard.cut': 'Tried to cut (blocked)',
  'clipboard.paste': 'Tried to paste (blocked)',
  contextmenu: 'Tried to open the context menu (blocked)',
  'print.attempt': 'Tried to print (blocked)',
};

/** A readable name for an event type ("window.blur" → "Left the exam window"). */
export function eventLabel(type: string): string {
  return EVENT_LABEL[type] ?? type.replace(/[._]/g, ' ');
}

/**
 * Why the server did not take an event's time as given, as a proctor reads it: such an event
 * never shortens a flag (an end counts only as of its arrival).
 */
const UNTRUSTED_NOTE: Record<NonNullable<SessionEvent['untrustedReason']>, string> = {
  late: 'arrived late; ends a flag only as of its arrival',
  out_of_order: 'older than an event already received; ends a flag only as of its arrival',
  future: 'dated after it arrived; ends a flag only as of its arrival',
};

/**
 * An event's timeline label: what the server found about the evidence, read from its data;
 * for client events, saying when the server did not trust their time.
 */
function timelineLabel(event: SessionEvent): string {
  const label =
    (event.source === 'server' ? serverEventLabel(event.type, event.data) : null) ??
    (event.data.blocked === true ? BLOCKED_LABEL[event.type] : undefined) ??
    eventLabel(event.type);
  return event.untrustedReason ? `${label} (${UNTRUSTED_NOTE[event.untrustedReason]})` : label;
}

/** The moment of an event on the recording's clock (client ms, else the server's time). */
export function eventTime(event: SessionEvent): number {
  return event.clientMs ?? Date.parse(event.serverAt);
}

/**
 * Events, flags, staff actions and live communication in one list in time order (flags before
 * the rest at the same moment).
 * Detector details are left out unless `withDetectorDetail`.
 */
export function buildTimeline(
  events: readonly SessionEvent[],
  flags: readonly Flag[],
  withDetectorDetail = false,
  staff: {
    interventions?: readonly Intervention[];
    notes?: readonly SessionNote[];
    /** Chat, hands and live links, timed from `startMs` (the attempt's start) in their details. */
    communication?: Communication & { startMs: number; studentName?: string };
  } = {},
): TimelineItem[] {
  const items: TimelineItem[] = [];
  if (staff.communication) {
    const { startMs, studentName, ...parts } = staff.communication;
    items.push(...communicationItems(parts, startMs, studentName));
  }
  // What proctors did and wrote, at the server's time of it (staff times are the server's).
  for (const i of staff.interventions ?? []) {
    const label = INTERVENTION_LABEL[i.kind] ?? i.kind;
    items.push({
      kind: 'staff',
      key: `intervention-${i.id}`,
      atMs: Date.parse(i.createdAt),
      label: `Proctor: ${label}${i.message ? ` — “${i.message}”` : ''}`,
      severity: null,
      by: i.by?.name ?? null,
    });
  }
  for (const n of staff.notes ?? []) {
    items.push({
      kind: 'staff',
      key: `note-${n.id}`,
      atMs: Date.parse(n.createdAt),
      label: `Note: ${n.body}`,
      severity: null,
      by: n.author?.name ?? null,
    });
  }
  for (const flag of flags) {
    items.push({
      kind: 'flag',
      key: `flag-${flag.id}`,
      atMs: flag.startMs,
      label: `${FLAG_TYPE_LABEL[flag.type]}: ${flag.message}`,
      severity: flag.severity,
      flag,
    });
  }
  for (const event of events) {
    if (!withDetectorDetail && DETECTOR_DETAIL.has(event.type)) continue;
    items.push({
      kind: 'event',
      key: `event-${event.source}-${event.seq}`,
      atMs: eventTime(event),
      label: timelineLabel(event),
      severity: null,
      event,
    });
  }
  return items.sort(
    (a, b) =>
      a.atMs - b.atMs ||
      Number(a.kind !== 'flag') - Number(b.kind !== 'flag') ||
      a.key.localeCompare(b.key),
  );
}

/** What a proctor can do to a session in its current state. */
export function availableInterventions(state: SessionState): Record<InterventionKind, boolean> {
  return {
    warning: state === 'in_progress' || state === 'paused',
    pause: state === 'in_progress',
    resume: state === 'paused',
    terminate: state === 'checking_in' || state === 'in_progress' || state === 'paused',
    room_scan: state === 'in_progress',
    re_enrol: state === 'in_progress' || state === 'paused',
    // Staff tools (staff-tools.tsx); new_attempt also needs the attempt to be the current one.
    extend_time: state === 'in_progress' || state === 'paused',
    reopen: state === 'terminated',
    new_attempt: ['submitted', 'terminated', 'under_review', 'reviewed'].includes(state),
  };
}

/** Labels of interventions in the history. */
export const INTERVENTION_LABEL: Record<InterventionKind, string> = {
  warning: 'Warning',
  pause: 'Paused',
  resume: 'Resumed',
  terminate: 'Terminated',
  room_scan: 'Room scan requested',
  re_enrol: 'New identity photos requested',
  extend_time: 'Time extended',
  reopen: 'Reopened',
  new_attempt: 'New attempt granted',
};

/** Where the student's answer to an intervention stands, or null when none is expected. */
export function interventionAnswer(intervention: Intervention): string | null {
  if (intervention.cancelledAt) return 'Withdrawn by staff';
  if (intervention.kind === 'room_scan') {
    if (intervention.completedAt) return 'Room scan done';
    if (intervention.acknowledgedAt) return 'Seen by the student, scan not done yet';
    return 'Waiting for the student';
  }
  if (intervention.kind === 're_enrol') {
    if (intervention.completedAt) return 'New identity photos received';
    if (intervention.acknowledgedAt) return 'Seen by the student, photos not taken yet';
    return 'Waiting for the student';
  }
  if (intervention.kind === 'warning') {
    return intervention.acknowledgedAt ? 'Acknowledged by the student' : 'Not acknowledged yet';
  }
  return null;
}

/** An identity photo as the session detail shows it. */
export interface IdentityPhoto {
  snapshot: Snapshot;
  label: string;
  /** A newer photo of the same kind exists (taken again at check-in or on a proctor's request). */
  replaced: boolean;
}

const PHOTO_LABEL: Partial<Record<Snapshot['kind'], string>> = {
  id_face: 'Face photo',
  id_document: 'Identity document',
};

/**
 * Every identity photo of a session, newest first per kind: the newest face photo and ID
 * document are current, earlier ones are marked replaced (they stay as evidence).
 */
export function identityPhotos(snapshots: readonly Snapshot[]): {
  current: Partial<Record<'id_face' | 'id_document', IdentityPhoto>>;
  replaced: IdentityPhoto[];
} {
  const current: Partial<Record<'id_face' | 'id_document', IdentityPhoto>> = {};
  const replaced: IdentityPhoto[] = [];
  const photos = snapshots
    .filter((s) => s.kind === 'id_face' || s.kind === 'id_document')
    .sort((a, b) => b.seq - a.seq);
  for (const snapshot of photos) {
    const kind = snapshot.kind as 'id_face' | 'id_document';
    const label = PHOTO_LABEL[kind] ?? kind;
    if (!current[kind]) current[kind] = { snapshot, label, replaced: false };
    else replaced.push({ snapshot, label: `${label} (replaced)`, replaced: true });
  }
  return { current, replaced };
}
