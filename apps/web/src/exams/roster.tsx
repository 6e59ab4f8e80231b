import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ProctoringPolicy, Registration, RosterEntry, SessionState } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { formatDateTime } from '../lib/datetime';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';
import { AccommodationsCell } from './accommodations-cell';
import { AccommodationsDialog } from './accommodations-dialog';
import { summarizeAccommodations } from './accommodations-model';
import { RegistrationBadge, SessionStateBadge } from './badges';
import { ExtraTimeControl, formatExtraTime } from './extra-time-control';
import './roster.css';

/** States in which an attempt has begun, so it has answers to look at. */
const STARTED: readonly SessionState[] = [
  'in_progress',
  'paused',
  'submitted',
  'terminated',
  'under_review',
  'reviewed',
];

const baseColumns: Column<RosterEntry>[] = [
  // Name and e-mail, status and time share columns so the staff tools fit beside them.
  {
    header: 'Student',
    cell: (r) => (
      <span className="roster-stack">
        {r.studentName}
        <span className="break muted small">{r.studentEmail}</span>
      </span>
    ),
  },
  {
    header: 'Registration',
    cell: (r) => (
      <span className="roster-stack">
        <RegistrationBadge status={r.status} />
        <span className="muted small">{formatDateTime(r.createdAt)}</span>
      </span>
    ),
  },
  { header: 'Session', cell: (r) => <SessionStateBadge state={r.sessionState} /> },
];

/** "7 / 9", or "—" before the attempt is scored. */
export const formatScore = (r: { score: number | null; maxScore: number | null }) =>
  r.score === null || r.maxScore === null ? '—' : `${r.score} / ${r.maxScore}`;

/** Sorts active registrations first, then by name. */
export function sortRoster(entries: readonly RosterEntry[]): RosterEntry[] {
  return [...entries].sort(
    (a, b) =>
      Number(a.status === 'cancelled') - Number(b.status === 'cancelled') ||
      a.studentName.localeCompare(b.studentName),
  );
}

/**
 * The registrations of one exam (GET /api/exams/:id/registrations). With `extraTime`, staff
 * who manage the exam can set each student's extra time, and with the exam's `policy` also
 * each student's detector accommodations; with `answersLink`, started attempts link to their
 * answers and score. Everyone sees how many detectors are relaxed for each student.
 */
export function Roster({
  examId,
  examTitle,
  extraTime = false,
  answersLink = false,
  policy,
}: {
  examId: string;
  examTitle: string;
  extraTime?: boolean;
  answersLink?: boolean;
  /** The exam's policy: needed to edit detector accommodations against its rules. */
  policy?: ProctoringPolicy;
}) {
  const load = useCallback((signal: AbortSignal) => examsApi.roster(examId, signal), [examId]);
  const roster = useResource(load);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const editable = (r: RosterEntry) => extraTime && policy !== undefined && r.status === 'active';
  const editingEntry = roster.data?.find((e) => e.id === editing);
  /** Both accommodations come back with every save; the roster row takes them. */
  const applySaved = (saved: Registration) =>
    roster.mutate((list) =>
      list?.map((e) =>
        e.id === saved.id
          ? { ...e, extraTimeMinutes: saved.extraTimeMinutes, detectors: saved.detectors }
          : e,
      ),
    );

  const columns: Column<RosterEntry>[] = [
    ...baseColumns,
    {
      header: 'Extra time',
      cell: (r) =>
        extraTime && r.status === 'active' ? (
          <ExtraTimeControl
            entry={r}
            onSaved={(saved) => {
              applySaved(saved);
              setFeedback({
                tone: 'success',
                text: `Extra time for ${r.studentName}: ${formatExtraTime(saved.extraTimeMinutes)}.`,
              });
            }}
          />
        ) : (
          formatExtraTime(r.extraTimeMinutes)
        ),
    },
    {
      header: 'Detection',
      cell: (r) => (
        <AccommodationsCell entry={r} onEdit={editable(r) ? () => setEditing(r.id) : undefined} />
      ),
    },
  ];
  // Recording begins at check-in (identity photos, room scan); staff can play it from there.
  columns.push({
    header: 'Recording',
    cell: (r) =>
      r.sessionState === 'registered' ? (
        '—'
      ) : (
        <Link
          to={`/admin/sessions/${r.sessionId}/recording`}
          aria-label={`Recording of ${r.studentName}`}
        >
          Play
        </Link>
      ),
  });
  if (answersLink) {
    columns.push({
      header: 'Score',
      cell: (r) =>
        STARTED.includes(r.sessionState) ? (
          <span className="roster-score">
            {formatScore(r)}
            <Link
              to={`/admin/sessions/${r.sessionId}/answers`}
              aria-label={`Answers of ${r.studentName}`}
            >
              Answers
            </Link>
          </span>
        ) : (
          '—'
        ),
    });
  }

  return (
    <ResourceView resource={roster} empty="No students have registered yet.">
      {(entries) => {
        const active = entries.filter((e) => e.status === 'active').length;
        return (
          <>
            <StatusMessage feedback={feedback} />
            <p className="muted small">
              {active} registered
              {entries.length > active ? `, ${entries.length - active} cancelled` : ''}.{' '}
              <button type="button" className="link-button" onClick={roster.reload}>
                Refresh roster
              </button>
            </p>
            <Table
              caption={`Roster of ${examTitle}`}
              columns={columns}
              rows={sortRoster(entries)}
              rowKey={(r) => r.id}
            />
            {editingEntry && policy ? (
              <AccommodationsDialog
                entry={editingEntry}
                policy={policy}
                onClose={() => setEditing(null)}
                onSaved={(saved) => {
                  applySaved(saved);
                  const summary = summarizeAccommodations(saved.detectors);
                  setFeedback({
                    tone: 'success',
                    text: `Detection for ${editingEntry.studentName}: ${summary.count > 0 ? `${summary.label} (${summary.items.join('; ')})` : 'standard rules'}.`,
                  });
                  setEditing(null);
                }}
              />
            ) : null}
          </>
        );
      }}
    </ResourceView>
  );
}
