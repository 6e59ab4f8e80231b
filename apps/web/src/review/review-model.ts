import {
  describeVerdictConflict,
  verdictConflict,
  type FlagDecisionRecord,
  type FlagReviewStatus,
  type ReviewFlag,
  type ReviewQueueEntry,
  type ReviewVerdict,
  type SessionReview,
  type Verdict,
} from '@invigil/contracts';

/** How a verdict is named on screen. */
export const VERDICT_LABEL: Record<Verdict, string> = {
  clean: 'Clean',
  suspicious: 'Suspicious',
  violation: 'Violation',
};

/** What each verdict means, for the verdict form. */
export const VERDICT_HINT: Record<Verdict, string> = {
  clean: 'Nothing in the session breaks the exam rules.',
  suspicious: 'Something looks wrong but is not proven.',
  violation: 'The exam rules were broken.',
};

/** How a flag decision is named on screen. */
export const DECISION_LABEL: Record<FlagReviewStatus, string> = {
  open: 'Not decided',
  confirmed: 'Confirmed',
  dismissed: 'Dismissed',
};

/** "Provisional" or "Final", with the response state when it matters. */
export function verdictStatus(v: ReviewVerdict, responded: boolean): string {
  if (v.final) return 'Final';
  return responded ? 'Provisional — reopened by the student’s response' : 'Provisional';
}

/** Columns the review queue can be sorted by. */
export type QueueSortKey = 'priority' | 'student' | 'risk' | 'flags' | 'state';

/** A sort: column and direction. */
export interface QueueSort {
  key: QueueSortKey;
  dir: 'asc' | 'desc';
}

/** The server's order: responses awaiting re-review, then unreviewed, then the rest. */
export const PRIORITY_SORT: QueueSort = { key: 'priority', dir: 'asc' };

/** Undecided flags of an entry. */
export const openFlags = (e: ReviewQueueEntry) => e.flags.open;

/**
 * Sort queue entries. `priority` keeps the server's order (its index); other keys break ties
 * by that order too, so equal rows stay where the server put them.
 */
export function sortQueue(
  entries: readonly ReviewQueueEntry[],
  sort: QueueSort,
): ReviewQueueEntry[] {
  const index = new Map(entries.map((e, i) => [e.session.id, i]));
  const pos = (e: ReviewQueueEntry) => index.get(e.session.id) ?? 0;
  const value = (e: ReviewQueueEntry): number | string => {
    switch (sort.key) {
      case 'student':
        return e.student.name.toLocaleLowerCase();
      case 'risk':
        return e.risk;
      case 'flags':
        return openFlags(e);
      case 'state':
        return e.verdict === null ? 0 : e.final ? 2 : 1;
      default:
        return pos(e);
    }
  };
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...entries].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c =
      typeof va === 'number' && typeof vb === 'number'
        ? va - vb
        : String(va).localeCompare(String(vb));
    return sign * c || pos(a) - pos(b);
  });
}

/** The next sort after activating a column header: same column flips, a new one starts sensibly. */
export function nextSort(current: QueueSort, key: QueueSortKey): QueueSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'risk' || key === 'flags' ? 'desc' : 'asc' };
}

/** Where a queue entry stands, in words. */
export function queueStatus(e: ReviewQueueEntry): string {
  if (e.awaitingReReview) return 'Student responded — review again';
  if (e.verdict === null) return e.session.state === 'under_review' ? 'In review' : 'To review';
  return `${VERDICT_LABEL[e.verdict]} (${e.final ? 'final' : 'provisional'})`;
}

/** Exam time of a flag as "m:ss–m:ss" (start only while it had no end). */
export function flagSpan(f: ReviewFlag, clock: (ms: number) => string): string {
  if (f.startOffsetMs === null) return '—';
  const start = clock(f.startOffsetMs);
  return f.endOffsetMs === null ? `from ${start}` : `${start}–${clock(f.endOffsetMs)}`;
}

/**
 * "During a call with NAME (proctor)" for a voice flag the server found overlapping a call
 * with a proctor (the voice may be the student answering them); null for every other flag.
 * Said beside the flag: it changes nothing about it.
 */
export function duringCallText(f: Pick<ReviewFlag, 'duringCall'>): string | null {
  return f.duringCall ? `During a call with ${f.duringCall.proctorName} (proctor)` : null;
}

/**
 * The student's response reopened the review and no final verdict is given yet: every flag
 * may be re-decided before the final verdict.
 */
export function reopenedByResponse(r: SessionReview): boolean {
  return r.response !== null && r.session.state === 'under_review' && !r.verdict?.final;
}

/**
 * Why `verdict` would go against the flag decisions on screen, in words; null when it does not
 * (the server applies the same rule and then asks for the reviewer's explanation).
 */
export function verdictConflictText(verdict: Verdict, flags: readonly ReviewFlag[]): string | null {
  const decisions = flags.map((f) => f.decision);
  const conflict = verdictConflict(verdict, decisions);
  if (!conflict) return null;
  return describeVerdictConflict(conflict, decisions.filter((d) => d === 'confirmed').length);
}

/** One replaced decision in words: "Confirmed by Pat Proctor, <when>". */
export function decisionRecordText(
  record: FlagDecisionRecord,
  formatTime: (iso: string) => string,
): string {
  return `${DECISION_LABEL[record.decision]} by ${record.decidedBy?.name ?? 'a former user'}, ${formatTime(record.decidedAt)}`;
}
