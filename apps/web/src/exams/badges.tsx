import type { ExamStatus, SessionState } from '@invigil/contracts';
import { EXAM_STATUS_LABEL, REGISTRATION_STATUS_LABEL, SESSION_STATE_LABEL } from './labels';

/** A coloured label for an exam's status. */
export function ExamStatusBadge({ status }: { status: ExamStatus }) {
  return <span className={`badge badge-${status}`}>{EXAM_STATUS_LABEL[status]}</span>;
}

/** A label for a session's state. */
export function SessionStateBadge({ state }: { state: SessionState }) {
  return <span className={`badge badge-session-${state}`}>{SESSION_STATE_LABEL[state]}</span>;
}

/** A label for a registration's status. */
export function RegistrationBadge({ status }: { status: 'active' | 'cancelled' }) {
  return <span className={`badge badge-reg-${status}`}>{REGISTRATION_STATUS_LABEL[status]}</span>;
}
