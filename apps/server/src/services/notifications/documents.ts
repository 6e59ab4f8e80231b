import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import {
  AUDIT_BROKEN_MAX_PROBLEMS,
  AUDIT_PROBLEM_CHARS,
  type NotificationDocument,
} from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { examSessions, exams, examStaff, users } from '../../db/schema.js';
import type { BusTopics } from '../../ports/event-bus.port.js';

/** A document of one kind. */
export type DocumentOf<E extends NotificationDocument['event']> = Extract<
  NotificationDocument,
  { event: E }
>;

/**
 * A document id derived from what the event is (e.g. `flag.high:<flag id>`), so every
 * server process that hears the same bus message builds the same id: the outbox
 * de-duplicates by it and receivers can too. UUID-shaped for receivers' convenience.
 */
export function documentId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The exam, session and student a notification is about, with the student's address. */
export interface NotificationSubject {
  exam: { id: string; title: string };
  session: { id: string };
  student: { id: string; name: string; email: string; disabled: boolean };
}

/** Load the subject of a session's notification; null when the session is gone. */
export async function loadSubject(
  db: DbOrTx,
  sessionId: string,
): Promise<NotificationSubject | null> {
  const [row] = await db
    .select({
      examId: exams.id,
      title: exams.title,
      studentId: users.id,
      name: users.name,
      email: users.email,
      disabled: users.disabled,
    })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .innerJoin(users, eq(users.id, examSessions.studentId))
    .where(eq(examSessions.id, sessionId));
  if (!row) return null;
  return {
    exam: { id: row.examId, title: row.title },
    session: { id: sessionId },
    student: { id: row.studentId, name: row.name, email: row.email, disabled: row.disabled },
  };
}

/** E-mail addresses of an exam's enabled proctors or instructors. */
export async function staffAddresses(
  db: DbOrTx,
  examId: string,
  role: 'proctor' | 'instructor',
): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(examStaff)
    .innerJoin(users, eq(users.id, examStaff.userId))
    .where(and(eq(examStaff.examId, examId), eq(examStaff.role, role), eq(users.disabled, false)));
  return rows.map((r) => r.email);
}

/** E-mail addresses of the enabled administrators (told when the audit trail fails verification). */
export async function adminAddresses(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.disabled, false)));
  return rows.map((r) => r.email);
}

// Only what receivers need: never the student's e-mail address.
const publicSubject = (s: NotificationSubject) => ({
  exam: s.exam,
  session: s.session,
  student: { id: s.student.id, name: s.student.name },
});

/** The `flag.high` document of a new high-severity flag; its time is the flag's creation. */
export function flagHighDocument(
  flag: BusTopics['flag.created'],
  subject: NotificationSubject,
): DocumentOf<'flag.high'> {
  return {
    id: documentId(`flag.high:${flag.id}`),
    event: 'flag.high',
    createdAt: flag.createdAt,
    data: {
      ...publicSubject(subject),
      flag: {
        id: flag.id,
        type: flag.type,
        message: flag.message,
        severity: flag.severity,
        confidence: flag.confidence,
        startMs: flag.startMs,
        endMs: flag.endMs,
        startOffsetMs: flag.startOffsetMs,
        endOffsetMs: flag.endOffsetMs,
      },
    },
  };
}

/**
 * The `verdict` document of a reviewer's decision. A provisional and a final verdict, or a
 * verdict decided again, are different documents (decidedAt and final are in the key).
 */
export function verdictDocument(
  v: BusTopics['review.verdict'],
  subject: NotificationSubject,
): DocumentOf<'verdict'> {
  return {
    id: documentId(`verdict:${v.sessionId}:${v.decidedAt}:${v.final ? 'final' : 'provisional'}`),
    event: 'verdict',
    createdAt: v.decidedAt,
    data: {
      ...publicSubject(subject),
      verdict: { verdict: v.verdict, reason: v.reason, final: v.final, decidedAt: v.decidedAt },
    },
  };
}

/** What a failed verification of the audit trail found (see jobs/audit-trail.ts). */
export interface AuditTrailReport {
  /** When the verification ran. */
  verifiedAt: Date;
  entries: number;
  checkpoints: number;
  /** Everything that did not check out, in words (AuditVerification.problems). */
  problems: string[];
}

// A problem can quote an error from the blob store: keep each, and the webhook body, bounded.
const clip = (text: string) =>
  text.length <= AUDIT_PROBLEM_CHARS ? text : `${text.slice(0, AUDIT_PROBLEM_CHARS - 1)}…`;

/**
 * The `audit.broken` document of a failed verification of the audit trail. Its id is the
 * verification's time: reported twice, the same verification is one document; the next day's
 * verification, if the trail is still broken, is a new one, so administrators are told again.
 */
export function auditBrokenDocument(report: AuditTrailReport): DocumentOf<'audit.broken'> {
  const verifiedAt = report.verifiedAt.toISOString();
  return {
    id: documentId(`audit.broken:${verifiedAt}`),
    event: 'audit.broken',
    createdAt: verifiedAt,
    data: {
      verifiedAt,
      entries: report.entries,
      checkpoints: report.checkpoints,
      problems: report.problems.slice(0, AUDIT_BROKEN_MAX_PROBLEMS).map(clip),
    },
  };
}

/** A test document for one webhook (new id every time). */
export function pingDocument(webhookId: string, now: Date): DocumentOf<'ping'> {
  return {
    id: randomUUID(),
    event: 'ping',
    createdAt: now.toISOString(),
    data: { webhookId, message: 'Test delivery from Invigil: the webhook is reachable.' },
  };
}
