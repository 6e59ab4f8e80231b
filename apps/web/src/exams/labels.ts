import type { ExamStatus, SessionState } from '@invigil/contracts';

/** Human labels for exam statuses. */
export const EXAM_STATUS_LABEL: Record<ExamStatus, string> = {
  draft: 'Draft',
  published: 'Published',
  archived: 'Archived',
};

/** Human labels for session states. */
export const SESSION_STATE_LABEL: Record<SessionState, string> = {
  registered: 'Not started',
  checking_in: 'Checking in',
  in_progress: 'In progress',
  paused: 'Paused',
  submitted: 'Submitted',
  terminated: 'Terminated',
  under_review: 'Under review',
  reviewed: 'Reviewed',
};

/** Human labels for registration statuses. */
export const REGISTRATION_STATUS_LABEL: Record<'active' | 'cancelled', string> = {
  active: 'Registered',
  cancelled: 'Cancelled',
};

/** "1 seat left", "12 seats left", "Full". */
export function seatsLeftLabel(capacity: number, registered: number): string {
  const left = Math.max(0, capacity - registered);
  if (left === 0) return 'Full';
  return `${left} seat${left === 1 ? '' : 's'} left`;
}

/** "45 min", "2 h", "1 h 30 min". */
export function durationLabel(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
