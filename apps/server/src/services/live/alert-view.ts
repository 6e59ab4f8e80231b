import type { Alert, AlertState, Flag, PersonRef } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import type { flags } from '../../db/schema.js';
import { peopleById } from '../accounts/people.js';
import { isoOrNull } from '../sessions/time.js';

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
  /** Other flags of the same condition shown in this alert (see `mergeConditions`). */
  related?: Flag[];
}

/**
 * How far apart (ms) two detections of one condition may be and still be one alert: the
 * server analyses sampled snapshots, so its "no face" starts and ends some seconds away
 * from the browser's.
 */
export const MERGE_WINDOW_MS = 30_000;

/** The fields of a flag that decide which alert it belongs to. */
export type MergeableFlag = Pick<
  FlagRow,
  'id' | 'sessionId' | 'type' | 'source' | 'startMs' | 'endMs' | 'createdAt'
>;

/** One alert's flags: the first raised, then the others of the same condition. */
export interface ConditionGroup<T extends MergeableFlag> {
  primary: T;
  related: T[];
}

/**
 * One condition = one alert: flags of the same session and type from different sources
 * (the browser's and the server's) whose times overlap, give or take MERGE_WINDOW_MS, are
 * one group, led by the flag raised first. Each flag stays a flag of its own (its evidence and
 * review are kept); only the alert feed shows them as one. Deterministic: the same flags
 * always give the same groups, so a snapshot and the live messages agree.
 */
export function mergeConditions<T extends MergeableFlag>(rows: readonly T[]): ConditionGroup<T>[] {
  const ordered = [...rows].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
  );
  const groups: ConditionGroup<T>[] = [];
  const end = (f: T) => f.endMs ?? Number.POSITIVE_INFINITY;
  const overlaps = (a: T, b: T) =>
    a.startMs <= end(b) + MERGE_WINDOW_MS && b.startMs <= end(a) + MERGE_WINDOW_MS;
  for (const f of ordered) {
    const group = groups.find((g) => {
      const members = [g.primary, ...g.related];
      return (
        g.primary.sessionId === f.sessionId &&
        g.primary.type === f.type &&
        members.every((m) => m.source !== f.source) &&
        members.some((m) => overlaps(m, f))
      );
    });
    if (group) group.related.push(f);
    else groups.push({ primary: f, related: [] });
  }
  return groups;
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
    ...(s.related && s.related.length > 0 && { related: s.related }),
  }));
}
