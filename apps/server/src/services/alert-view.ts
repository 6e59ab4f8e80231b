import type { Alert, AlertState, Flag, PersonRef } from '@invigil/contracts';
import type { DbOrTx } from '../db/database.js';
import type { flags } from '../db/schema.js';
import { peopleById } from './people.js';
import { isoOrNull } from './time.js';

type FlagRow = typeof flags.$inferSelect;

/** How a flag is being handled on the dashboard, from its acknowledgement and assignment columns. */
export function toAlertState(row: FlagRow, people: Map<string, PersonRef>): AlertState {
  const ref = (id: string | null) => (id === null ? null : (people.get(id) ?? null));
  return {
    flagId: row.id,
    sessionId: row.sessionId,
    acknowledgedBy: ref(row.acknowledgedBy),
    acknowledgedAt: isoOrNull(row.acknowledgedAt),
    assignedTo: ref(row.assignedTo),
    assignedAt: isoOrNull(row.assignedAt),
  };
}

/** One flag to show as an alert: its stored row, its API view and its student. */
export interface AlertSource {
  row: FlagRow;
  flag: Flag;
  studentId: string;
}

/**
 * Alerts for flags, loading every person they name (students, acknowledgers, assignees)
 * in one query. A student whose account is gone shows as "(deleted user)".
 */
export async function buildAlerts(db: DbOrTx, sources: readonly AlertSource[]): Promise<Alert[]> {
  const people = await peopleById(
    db,
    sources.flatMap((s) => [s.studentId, s.row.acknowledgedBy, s.row.assignedTo]),
  );
  return sources.map((s) => ({
    flag: s.flag,
    student: people.get(s.studentId) ?? { id: s.studentId, name: '(deleted user)' },
    handling: toAlertState(s.row, people),
  }));
}
