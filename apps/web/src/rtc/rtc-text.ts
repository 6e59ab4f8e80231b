import type { RtcEndReason, RtcLink } from '@invigil/contracts';
import { ApiError } from '../api/client';
import { describeError } from '../api/errors';

/** Why the server refused to open a link, for the codes a proctor meets in practice. */
const REFUSALS: Record<string, string> = {
  RTC_VIEWERS_FULL:
    'Too many proctors are watching this student already. Try again when one of them has finished.',
  RTC_CALL_BUSY: 'This student is already in a call with a proctor. Try again when it has ended.',
  SESSION_NOT_ACTIVE:
    'The attempt is not running (not started yet, or already ended): there is nothing to watch.',
  RTC_NOT_ALLOWED: 'You may not watch or call this student (only the exam’s proctors may).',
  RTC_LINK_ENDED: 'This live view has already ended.',
};

/** A refusal or failure of an RTC request, in words. */
export function rtcProblemText(error: unknown): string {
  if (error instanceof ApiError && REFUSALS[error.code]) return REFUSALS[error.code] ?? '';
  return describeError(error);
}

/** The refusal text for a code (from `rtc.error`), or the server's message. */
export function rtcCodeText(code: string, message: string): string {
  return REFUSALS[code] ?? message;
}

const ENDED: Record<RtcEndReason, string> = {
  hung_up: 'The proctor ended it.',
  student_hung_up: 'The student ended the call.',
  declined: 'The student declined the call.',
  viewer_left: 'The proctor’s page closed it.',
  student_left: 'The student’s page went away (closed, reloaded or offline).',
  timeout: 'It could not connect in time.',
  failed: 'The connection failed.',
  session_ended: 'The attempt is no longer running.',
};

/** Why a link ended, with the side's own explanation when there is one. */
export function endedText(link: Pick<RtcLink, 'endReason' | 'detail'>): string {
  const base = link.endReason ? ENDED[link.endReason] : 'It has ended.';
  return link.detail ? `${base} ${link.detail}` : base;
}

/**
 * What the student is told when a view or call of theirs failed or timed out (null for
 * other ends: those need no explanation): the link's own reason when it has one, and that
 * the exam goes on. `wasRinging`: the call was never answered.
 */
export function studentEndedNotice(link: RtcLink, wasRinging: boolean): string | null {
  if (link.endReason !== 'failed' && link.endReason !== 'timeout') return null;
  const name = link.proctor.name;
  const carryOn = 'Your exam is not affected: carry on. The proctor may try again.';
  if (link.kind === 'call' && wasRinging && link.endReason === 'timeout') {
    return `You missed a call from ${name} (proctor): it was not answered in time. ${carryOn}`;
  }
  const what = link.kind === 'call' ? `The call with ${name} (proctor)` : `${name}’s live view`;
  const why =
    link.detail ??
    (link.endReason === 'timeout'
      ? 'The connection could not be made in time.'
      : 'The connection failed.');
  return `${what} ended because of a connection problem. ${why} ${carryOn}`;
}

/** What the proctor's panel shows as its connection state. */
export type ViewPhase =
  'opening' | 'ringing' | 'connecting' | 'live' | 'reconnecting' | 'failed' | 'ended' | 'refused';

/** The connection state in a few words (announced when it changes). */
export const PHASE_LABEL: Record<ViewPhase, string> = {
  opening: 'Opening…',
  ringing: 'Ringing: waiting for the student to answer…',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Connection lost: reconnecting…',
  failed: 'Failed',
  ended: 'Ended',
  refused: 'Not possible',
};

/**
 * Who is with a student now, for a tile or the session detail ("In call with Pat Proctor ·
 * watched by Quinn"); null when no link is open. A proctor in a call is not listed again
 * as watching.
 */
export function linkBadgeText(links: readonly RtcLink[]): string | null {
  const open = links.filter((l) => l.state !== 'ended');
  const names = (items: readonly RtcLink[]) => [...new Set(items.map((l) => l.proctor.name))];
  const calling = names(open.filter((l) => l.kind === 'call'));
  const watching = names(open.filter((l) => l.kind === 'view')).filter((n) => !calling.includes(n));
  const parts: string[] = [];
  if (calling.length > 0) parts.push(`In call with ${calling.join(', ')}`);
  if (watching.length > 0) {
    parts.push(`${parts.length > 0 ? 'watched' : 'Being watched'} by ${watching.join(', ')}`);
  }
  return parts.length > 0 ? parts.join(' · ') : null;
}
