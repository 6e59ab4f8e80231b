import { useCallback } from 'react';
import type { RosterEntry } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { formatDateTime } from '../lib/datetime';
import { ResourceView } from '../ui/states';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';
import { RegistrationBadge, SessionStateBadge } from './badges';

const columns: Column<RosterEntry>[] = [
  { header: 'Student', cell: (r) => r.studentName },
  { header: 'E-mail', cell: (r) => <span className="break">{r.studentEmail}</span> },
  { header: 'Registration', cell: (r) => <RegistrationBadge status={r.status} /> },
  { header: 'Session', cell: (r) => <SessionStateBadge state={r.sessionState} /> },
  { header: 'Registered at', cell: (r) => formatDateTime(r.createdAt) },
];

/** Sorts active registrations first, then by name. */
export function sortRoster(entries: readonly RosterEntry[]): RosterEntry[] {
  return [...entries].sort(
    (a, b) =>
      Number(a.status === 'cancelled') - Number(b.status === 'cancelled') ||
      a.studentName.localeCompare(b.studentName),
  );
}

/** The registrations of one exam (GET /api/exams/:id/registrations). */
export function Roster({ examId, examTitle }: { examId: string; examTitle: string }) {
  const load = useCallback((signal: AbortSignal) => examsApi.roster(examId, signal), [examId]);
  const roster = useResource(load);
  return (
    <ResourceView resource={roster} empty="No students have registered yet.">
      {(entries) => {
        const active = entries.filter((e) => e.status === 'active').length;
        return (
          <>
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
          </>
        );
      }}
    </ResourceView>
  );
}
