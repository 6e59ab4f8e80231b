import type {
  ExamLtiLink,
  LtiGradeStatus,
  LtiGradeSubmission,
  LtiRosterSync,
  LtiViolationGrade,
} from '@invigil/contracts';
import type { Feedback } from '../ui/status-message';

/** The choices of the exam policy's `ltiViolationGrade`, for the exam form's select. */
export const VIOLATION_GRADE_LABELS: Record<LtiViolationGrade, string> = {
  withhold: 'Nothing: withhold the score',
  zero: 'A score of zero',
  score_with_comment: 'The score, with a comment that a violation was found',
};

/** Label and badge class of a grade submission's status. */
export function gradeStatusBadge(status: LtiGradeStatus): { label: string; className: string } {
  switch (status) {
    case 'sent':
      return { label: 'Sent', className: 'badge badge-published' };
    case 'pending':
      return { label: 'Waiting to send', className: 'badge badge-draft' };
    case 'withheld':
      return { label: 'Withheld', className: 'badge badge-archived' };
    case 'failed':
      return { label: 'Failed', className: 'badge badge-session-terminated' };
  }
}

/** Label and badge class of a roster synchronisation's status. */
export function syncStatusBadge(status: LtiRosterSync['status']): {
  label: string;
  className: string;
} {
  switch (status) {
    case 'running':
      return { label: 'Running', className: 'badge badge-draft' };
    case 'done':
      return { label: 'Done', className: 'badge badge-published' };
    case 'failed':
      return { label: 'Failed', className: 'badge badge-session-terminated' };
  }
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A synchronisation's outcome in words ("30 members: 3 added, 25 already registered, 2 skipped"). */
export function describeSync(sync: LtiRosterSync): string {
  if (sync.status === 'running') return 'Reading the course roster…';
  if (sync.status === 'failed') return sync.error ?? 'The platform did not answer as expected.';
  return (
    `${count(sync.members, 'member')}: ${sync.added} added, ${sync.existing} already ` +
    `registered, ${sync.skipped} skipped`
  );
}

/** The name of the course a link is placed in (its title, else its id, else the platform). */
export function linkCourse(link: ExamLtiLink): string {
  return link.contextTitle ?? link.contextId ?? link.platformName;
}

/** The course a sync or grade refers to, by link id ("—" when the link is gone). */
export function courseOf(links: readonly ExamLtiLink[], linkId: string): string {
  const link = links.find((l) => l.id === linkId);
  return link ? linkCourse(link) : '—';
}

/** What "Sync roster now" did, across the links that have a roster. */
export function describeSyncResult(syncs: readonly LtiRosterSync[]): Feedback {
  if (syncs.length === 0) {
    return {
      tone: 'info',
      text: 'No course link of this exam offers its roster (the platform did not grant Names and Role Provisioning).',
    };
  }
  const failed = syncs.filter((s) => s.status === 'failed');
  const added = syncs.reduce((n, s) => n + s.added, 0);
  const parts = [
    `Roster synchronised: ${count(added, 'student')} newly registered from ${count(
      syncs.length - failed.length,
      'course',
    )}.`,
  ];
  if (syncs.some((s) => s.status === 'running')) {
    parts.push('Some are still running; their results appear below.');
  }
  if (failed.length > 0) {
    parts.push(`${count(failed.length, 'course')} failed: ${failed[0]?.error ?? 'no answer'}.`);
  }
  return { tone: failed.length > 0 ? 'error' : 'success', text: parts.join(' ') };
}

/** What "Retry failed" did. */
export function describeRetry(queued: number): Feedback {
  return queued === 0
    ? { tone: 'info', text: 'No failed score was waiting to be sent.' }
    : {
        tone: 'success',
        text: `${count(queued, 'score')} queued to be sent again; the statuses update below.`,
      };
}

/** How many grade submissions are in each status. */
export function gradeCounts(grades: readonly LtiGradeSubmission[]): Record<LtiGradeStatus, number> {
  const counts: Record<LtiGradeStatus, number> = { pending: 0, sent: 0, withheld: 0, failed: 0 };
  for (const g of grades) counts[g.status] += 1;
  return counts;
}

/** The score as sent ("42 / 50"), or a dash while there is none. */
export function formatScore(g: Pick<LtiGradeSubmission, 'scoreGiven' | 'scoreMaximum'>): string {
  if (g.scoreGiven === null) return '—';
  const round = (n: number) => String(Math.round(n * 100) / 100);
  return g.scoreMaximum === null
    ? round(g.scoreGiven)
    : `${round(g.scoreGiven)} / ${round(g.scoreMaximum)}`;
}

/**
 * While a sync runs or a score waits, the panel reloads every few seconds; otherwise it
 * stays still (false).
 */
export function pollInterval(
  data: { rosterSyncs: LtiRosterSync[]; grades: LtiGradeSubmission[] } | undefined,
): number | false {
  if (!data) return false;
  const busy =
    data.rosterSyncs.some((s) => s.status === 'running') ||
    data.grades.some((g) => g.status === 'pending');
  return busy ? 5_000 : false;
}
