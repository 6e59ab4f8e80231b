import type { ExamSession, Intervention, SessionState } from '@invigil/contracts';

/**
 * What the student must answer now: a warning to acknowledge, new identity photos to take or
 * a room scan to record.
 */
export type InterventionPrompt =
  | { kind: 'warning'; intervention: Intervention }
  | { kind: 're_enrol'; intervention: Intervention }
  | { kind: 'room_scan'; intervention: Intervention };

const byCreation = (a: Intervention, b: Intervention) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;

/**
 * The list with `incoming` merged in by id, oldest first. The fetched list and replayed live
 * messages overlap and arrive in any order, so merging is idempotent and never goes back:
 * an acknowledged or completed copy stays so even if an older copy arrives later.
 */
export function mergeInterventions(
  list: readonly Intervention[],
  incoming: readonly Intervention[],
): Intervention[] {
  const byId = new Map(list.map((i) => [i.id, i]));
  for (const next of incoming) {
    const known = byId.get(next.id);
    byId.set(
      next.id,
      known
        ? {
            ...next,
            acknowledgedAt: next.acknowledgedAt ?? known.acknowledgedAt,
            completedAt: next.completedAt ?? known.completedAt,
            cancelledAt: next.cancelledAt ?? known.cancelledAt,
            cancelledBy: next.cancelledBy ?? known.cancelledBy,
          }
        : next,
    );
  }
  return [...byId.values()].sort(byCreation);
}

/** The oldest warning not yet acknowledged: warnings are answered one at a time, in order. */
export function pendingWarning(list: readonly Intervention[]): Intervention | null {
  return list.find((i) => i.kind === 'warning' && i.acknowledgedAt === null) ?? null;
}

/**
 * The newest request of `kind` not yet completed (one answer covers the latest request) nor
 * withdrawn by staff (a withdrawn request asks nothing any more).
 */
function newestOpen(list: readonly Intervention[], kind: 'room_scan' | 're_enrol') {
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const item = list[i] as Intervention;
    if (item.kind === kind && item.completedAt === null && item.cancelledAt === null) return item;
  }
  return null;
}

/** The newest room scan request not yet completed (one scan answers the latest request). */
export function pendingRoomScan(list: readonly Intervention[]): Intervention | null {
  return newestOpen(list, 'room_scan');
}

/** The newest request for new identity photos not yet completed. */
export function pendingReEnrol(list: readonly Intervention[]): Intervention | null {
  return newestOpen(list, 're_enrol');
}

/**
 * The proctor's note with the latest pause or termination, if any. A reopened attempt comes
 * back paused, so for a pause the reason it was reopened counts too.
 */
export function latestMessage(
  list: readonly Intervention[],
  kind: 'pause' | 'terminate',
): string | null {
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const item = list[i] as Intervention;
    if (item.kind === kind || (kind === 'pause' && item.kind === 'reopen')) return item.message;
  }
  return null;
}

/**
 * What to ask of the student in this state. A warning comes first (also while paused: the
 * proctor may explain the pause with it); then new identity photos (also while paused: a
 * proctor who doubts who is taking the exam may pause it to check); a room scan only while
 * the exam runs, since the exam behind a paused overlay cannot be used anyway.
 */
export function nextPrompt(
  list: readonly Intervention[],
  state: SessionState,
): InterventionPrompt | null {
  if (state !== 'in_progress' && state !== 'paused') return null;
  const warning = pendingWarning(list);
  if (warning) return { kind: 'warning', intervention: warning };
  const reEnrol = pendingReEnrol(list);
  if (reEnrol) return { kind: 're_enrol', intervention: reEnrol };
  const scan = state === 'in_progress' ? pendingRoomScan(list) : null;
  return scan ? { kind: 'room_scan', intervention: scan } : null;
}

/**
 * Whether a session read from a live message (or a poll) is news: replayed or late messages
 * carry older states and must not undo a newer one.
 */
export function isNewerSession(current: ExamSession, incoming: ExamSession): boolean {
  if (incoming.id !== current.id) return false;
  if (incoming.updatedAt !== current.updatedAt) return incoming.updatedAt > current.updatedAt;
  return incoming.state !== current.state || incoming.deadlineAt !== current.deadlineAt;
}
