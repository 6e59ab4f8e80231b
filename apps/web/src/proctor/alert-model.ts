import type {
  Alert,
  AlertState,
  DetectorName,
  FlagSource,
  PersonRef,
  Severity,
} from '@invigil/contracts';
import { ApiError } from '../api/errors';

/** Severities, most serious first. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** Human labels for severities. */
export const SEVERITY_LABEL: Record<Severity, string> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

/** Short names of what a flag is about. */
export const FLAG_TYPE_LABEL: Record<DetectorName, string> = {
  no_face: 'No face',
  multiple_faces: 'Several faces',
  head_turned: 'Looking away',
  identity_mismatch: 'Different person',
  poor_camera: 'Poor camera conditions',
  spoof: 'Photo or screen',
  phone: 'Phone',
  book: 'Book',
  extra_person: 'Another person',
  voice: 'Voice',
  tab_switch: 'Left the exam tab',
  fullscreen_exit: 'Left full screen',
  client_integrity: 'Browser report disagrees',
  recording_gap: 'Recording missing',
  detection_silent: 'Detection silent',
  snapshots_missing: 'Snapshots missing',
  snapshot_unreadable: 'Unreadable snapshot',
  clock_skew: 'Clock mismatch',
  late_event: 'Late events',
  id_document_mismatch: 'ID does not match',
  connection_lost: 'Connection lost',
  upload_backlog: 'Uploads behind',
};

/** Who detected a condition, as the feed names it. */
export const SOURCE_LABEL: Record<FlagSource, string> = {
  client: 'Browser',
  server: 'Server',
  rules: 'Rules',
};

/**
 * Every source that detected the alert's condition (its flag and the flags merged into it),
 * in a fixed order: "Browser", "Server".
 */
export function alertSources(alert: Alert): string[] {
  const sources = new Set([alert.flag, ...(alert.related ?? [])].map((f) => f.source));
  return (Object.keys(SOURCE_LABEL) as FlagSource[])
    .filter((s) => sources.has(s))
    .map((s) => SOURCE_LABEL[s]);
}

/** A lost connection that has come back: the student is back online. */
export function isBackOnline(alert: Alert): boolean {
  return alert.flag.type === 'connection_lost' && alert.flag.endMs !== null;
}

/** "Back online after 42 s" / "after 2 min 5 s", from the lost connection's flag. */
export function backOnlineText(alert: Alert): string {
  const { startMs, endMs } = alert.flag;
  const s = Math.max(0, Math.round(((endMs ?? startMs) - startMs) / 1000));
  const span = s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `Back online after ${span} offline`;
}

/**
 * Alerts of lost connections that came back since `before` (the student is online again),
 * so the feed can tell the proctor as it tells of new alerts.
 */
export function cameBackOnline(before: readonly Alert[], after: readonly Alert[]): Alert[] {
  const wasLost = new Set(
    before
      .filter((a) => a.flag.type === 'connection_lost' && a.flag.endMs === null)
      .map((a) => a.flag.id),
  );
  return after.filter((a) => wasLost.has(a.flag.id) && isBackOnline(a));
}

/** The feed arranged for display. */
export interface AlertGroups {
  /**
   * Alerts still being dealt with, by severity, each newest first: not acknowledged yet, or
   * taken by a proctor (taking acknowledges, and the holder still needs them in view).
   */
  open: Record<Severity, Alert[]>;
  /** Acknowledged alerts nobody holds (of the last hour), newest first. */
  acknowledged: Alert[];
  /** How many alerts wait for acknowledgement. */
  openCount: number;
}

/** Splits the feed (newest first) into severity groups and the settled rest. */
export function groupAlerts(alerts: readonly Alert[]): AlertGroups {
  const open: Record<Severity, Alert[]> = { high: [], medium: [], low: [] };
  const acknowledged: Alert[] = [];
  let openCount = 0;
  for (const alert of alerts) {
    if (!alert.handling.acknowledgedAt) openCount += 1;
    if (alert.handling.acknowledgedAt && !alert.handling.assignedTo) acknowledged.push(alert);
    else open[alert.flag.severity].push(alert);
  }
  return { open, acknowledged, openCount };
}

/**
 * Alerts not in `seen`, in feed order: the ones that just arrived. The ids of a fresh
 * snapshot go into `seen` first so that a page load does not ring for old alerts.
 */
export function newAlerts(alerts: readonly Alert[], seen: ReadonlySet<string>): Alert[] {
  return alerts.filter((a) => !seen.has(a.flag.id));
}

/** Whether new alerts call for a sound: any high or medium one nobody acknowledged yet. */
export function shouldBeep(fresh: readonly Alert[]): boolean {
  return fresh.some(
    (a) => a.flag.severity !== 'low' && !a.handling.acknowledgedAt && !isBackOnline(a),
  );
}

/** What a screen reader hears about new alerts, and how urgently. */
export interface Announcement {
  text: string;
  /** Assertive when a high-severity alert is among them. */
  assertive: boolean;
}

/**
 * One sentence for a batch of new alerts, so a burst of flags is one announcement, not
 * many: "High alert: Sam Student, Phone." or "3 new alerts, 1 high: Sam Student, Phone, …".
 */
export function announce(fresh: readonly Alert[]): Announcement | null {
  if (fresh.length === 0) return null;
  const high = fresh.filter((a) => a.flag.severity === 'high').length;
  const describe = (a: Alert) =>
    `${a.student.name}, ${isBackOnline(a) ? 'back online' : FLAG_TYPE_LABEL[a.flag.type]}`;
  if (fresh.length === 1) {
    const [alert] = fresh as [Alert];
    if (isBackOnline(alert))
      return { text: `${alert.student.name} is back online.`, assertive: false };
    return {
      text: `${SEVERITY_LABEL[alert.flag.severity]} alert: ${describe(alert)}.`,
      assertive: high > 0,
    };
  }
  const first = [...fresh].sort(
    (a, b) => SEVERITIES.indexOf(a.flag.severity) - SEVERITIES.indexOf(b.flag.severity),
  )[0] as Alert;
  return {
    text: `${fresh.length} new alerts${high ? `, ${high} high` : ''}. First: ${describe(first)}.`,
    assertive: high > 0,
  };
}

/** Who handles an alert, seen by the user `meId`. */
export type Holder = { kind: 'nobody' } | { kind: 'me' } | { kind: 'other'; name: string };

/** Who has taken an alert. */
export function holderOf(handling: AlertState, meId: string): Holder {
  if (!handling.assignedTo) return { kind: 'nobody' };
  if (handling.assignedTo.id === meId) return { kind: 'me' };
  return { kind: 'other', name: handling.assignedTo.name };
}

/**
 * The handling from an acknowledge/assign answer, which may be the alert state itself or a
 * whole alert.
 */
export function handlingFrom(result: AlertState | Alert): AlertState {
  return 'handling' in result ? result.handling : result;
}

/**
 * The person under the first of `keys` present in an error's details (`{ id, name }`), or
 * null: how a 409 "someone else has it" names who does.
 */
export function personInDetails(details: unknown, ...keys: string[]): PersonRef | null {
  if (typeof details !== 'object' || details === null) return null;
  const record = details as Record<string, unknown>;
  const person = keys.map((key) => record[key]).find((v) => v !== undefined && v !== null);
  if (typeof person !== 'object' || person === null) return null;
  const { id, name } = person as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : null;
}

/**
 * The proctor named in a 409 ALERT_TAKEN error's details (`{ assignedTo: { id, name } }`),
 * so the feed can show who has the alert at once.
 */
export function holderFromDetails(details: unknown): PersonRef | null {
  return personInDetails(details, 'assignedTo');
}

/**
 * Who beat this user to it, when `error` is the 409 `code` ("already taken") naming them
 * (read from its details with `read`); null for any other failure.
 */
export function takenByAnother(
  error: unknown,
  code: 'ALERT_TAKEN' | 'HAND_TAKEN',
  read: (details: unknown) => PersonRef | null,
): PersonRef | null {
  return error instanceof ApiError && error.code === code ? read(error.details) : null;
}
