import type { ChatMessage, HelpRequest, RtcLink } from '@invigil/contracts';
import { formatClock } from '../player/timeline';
import { endedText } from '../rtc/rtc-text';
import { handClosedText } from './chat-model';

/**
 * The session's live communication as timeline lines, for the proctor's session timeline and
 * the review timeline alike (pure, tested without React). Every text here is shown as a React
 * text node, never as HTML: chat bodies are the student's own words.
 */

/** Which kind of communication a line is, for the timelines' filters. */
export type CommCategory = 'chat' | 'hand' | 'live';

/** One line: a chat message or announcement, a raised hand, a live view or call. */
export interface CommItem {
  kind: 'comm';
  category: CommCategory;
  key: string;
  /** Server time of it (epoch ms): staff and student actions are timed by the server. */
  atMs: number;
  /** What happened, with who did it: "Chat from Sam Student". */
  label: string;
  /** The words written (a message, an announcement, a hand's text), or null. */
  quote: string | null;
  /** How it went on: who took a hand and how it closed; a link's end, duration, connection. */
  details: string | null;
  severity: null;
  by: string | null;
}

/** What a session said and did live, as the review payload and the detail page hold it. */
export interface Communication {
  chat?: readonly ChatMessage[];
  hands?: readonly HelpRequest[];
  rtcLinks?: readonly RtcLink[];
}

/** A duration in words a person reads at a glance: "45 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** How long a link lasted (start to end), or null while it runs. */
export function linkDurationMs(link: RtcLink): number | null {
  return link.endedAt === null ? null : Date.parse(link.endedAt) - Date.parse(link.startedAt);
}

function chatItem(message: ChatMessage, studentName: string): CommItem {
  const author =
    message.from === 'student'
      ? (message.author?.name ?? studentName)
      : (message.author?.name ?? 'staff');
  const label =
    message.kind === 'announcement'
      ? `Announcement to all students by ${author}`
      : message.from === 'student'
        ? `Chat from ${author} (student)`
        : `Chat from ${author} (staff)`;
  return {
    kind: 'comm',
    category: 'chat',
    key: `chat-${message.id}`,
    atMs: Date.parse(message.createdAt),
    label,
    quote: message.body,
    details: null,
    severity: null,
    by: author,
  };
}

function handItem(hand: HelpRequest, clock: (iso: string) => string): CommItem {
  const parts: string[] = [];
  if (hand.takenBy) {
    parts.push(`Taken by ${hand.takenBy.name}${hand.takenAt ? ` at ${clock(hand.takenAt)}` : ''}`);
  } else if (hand.closedAt === null) {
    parts.push('Nobody has taken it yet');
  } else {
    parts.push('Not taken by a proctor');
  }
  parts.push(
    hand.closedAt === null ? 'Still open' : `${handClosedText(hand)} at ${clock(hand.closedAt)}`,
  );
  const message = hand.message?.trim();
  return {
    kind: 'comm',
    category: 'hand',
    key: `hand-${hand.id}`,
    atMs: Date.parse(hand.raisedAt),
    label: `${hand.student.name} raised a hand`,
    quote: message ? message : null,
    details: parts.join(' · '),
    severity: null,
    by: hand.student.name,
  };
}

function linkItem(link: RtcLink, clock: (iso: string) => string): CommItem {
  const what =
    link.kind === 'view'
      ? 'Live view'
      : link.proctorCamera
        ? 'Call (microphone and camera)'
        : 'Call (microphone)';
  const parts: string[] = [];
  const duration = linkDurationMs(link);
  if (link.endedAt === null || duration === null) {
    parts.push(`Since ${clock(link.startedAt)}, still open (${link.state})`);
  } else {
    parts.push(
      `${clock(link.startedAt)}–${clock(link.endedAt)}, lasted ${formatDuration(duration)}`,
    );
  }
  parts.push(
    link.connectedAt
      ? `connected at ${clock(link.connectedAt)}`
      : link.endedAt
        ? 'never connected'
        : 'not connected yet',
  );
  if (link.endedAt) parts.push(`ended: ${endedText(link)}`);
  return {
    kind: 'comm',
    category: 'live',
    key: `rtc-${link.id}`,
    atMs: Date.parse(link.startedAt),
    label: `${what} by ${link.proctor.name}`,
    quote: null,
    details: parts.join(' · '),
    severity: null,
    by: link.proctor.name,
  };
}

/**
 * Timeline lines for a session's chat, raised hands and live links, unsorted (the timelines
 * sort them with their other lines). Times inside the details are "m:ss" from `startMs`, the
 * start of the attempt, like the timeline's own time column.
 */
export function communicationItems(
  parts: Communication,
  startMs: number,
  studentName = 'the student',
): CommItem[] {
  const clock = (iso: string) => formatClock(Date.parse(iso) - startMs);
  return [
    ...(parts.chat ?? []).map((m) => chatItem(m, studentName)),
    ...(parts.hands ?? []).map((h) => handItem(h, clock)),
    ...(parts.rtcLinks ?? []).map((l) => linkItem(l, clock)),
  ];
}

/** The filter names of the categories, for the timelines' checkboxes. */
export const COMM_CATEGORY_LABEL: Record<CommCategory, string> = {
  chat: 'Chat and announcements',
  hand: 'Raised hands',
  live: 'Live views and calls',
};
