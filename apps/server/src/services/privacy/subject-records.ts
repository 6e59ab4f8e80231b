import { asc, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/database.js';
import {
  apiTokens,
  authSessions,
  examSessions,
  exams,
  knownDevices,
  passwordResets,
  registrations,
  users,
} from '../../db/schema.js';

// What is held about one person outside their attempts: the account, how it was used, and
// the registrations. Every query is bound to the subject's own user id.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The account: who they are and its security history; never a password hash or a secret. */
export async function subjectProfile(db: DbOrTx, userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) return undefined;
  const signIns = await db
    .select()
    .from(authSessions)
    .where(eq(authSessions.userId, userId))
    .orderBy(desc(authSessions.createdAt));
  const devices = await db
    .select({ createdAt: knownDevices.createdAt, lastUsedAt: knownDevices.lastUsedAt })
    .from(knownDevices)
    .where(eq(knownDevices.userId, userId));
  const resets = await db
    .select()
    .from(passwordResets)
    .where(eq(passwordResets.userId, userId))
    .orderBy(desc(passwordResets.createdAt));
  const tokens = await db.select().from(apiTokens).where(eq(apiTokens.userId, userId));
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    disabled: user.disabled,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
    lastLoginAt: iso(user.lastLoginAt),
    passwordChangedAt: iso(user.passwordChangedAt),
    mustChangePassword: user.mustChangePassword,
    signIns: signIns.map((s) => ({
      createdAt: iso(s.createdAt),
      lastSeenAt: iso(s.lastSeenAt),
      expiresAt: iso(s.expiresAt),
      revokedAt: iso(s.revokedAt),
      ip: s.ip,
      userAgent: s.userAgent,
    })),
    knownBrowsers: devices.map((d) => ({
      firstSeenAt: iso(d.createdAt),
      lastUsedAt: iso(d.lastUsedAt),
    })),
    passwordResetLinks: resets.map((r) => ({
      requestedAt: iso(r.createdAt),
      ip: r.ip,
      usedAt: iso(r.usedAt),
      revokedAt: iso(r.revokedAt),
      expiresAt: iso(r.expiresAt),
    })),
    apiTokens: tokens.map((t) => ({
      name: t.name,
      scopes: t.scopes,
      createdAt: iso(t.createdAt),
      expiresAt: iso(t.expiresAt),
      lastUsedAt: iso(t.lastUsedAt),
      revokedAt: iso(t.revokedAt),
    })),
  };
}

/** The subject's registrations with their exams' titles and accommodations. */
export async function subjectRegistrations(db: DbOrTx, userId: string) {
  const rows = await db
    .select({ r: registrations, title: exams.title })
    .from(registrations)
    .innerJoin(exams, eq(exams.id, registrations.examId))
    .where(eq(registrations.studentId, userId))
    .orderBy(asc(registrations.createdAt));
  return rows.map(({ r, title }) => ({
    id: r.id,
    examId: r.examId,
    examTitle: title,
    status: r.status,
    extraTimeMinutes: r.extraTimeMinutes,
    detectorAccommodations: r.detectorAccommodations,
    createdAt: iso(r.createdAt),
    cancelledAt: iso(r.cancelledAt),
  }));
}

/** A session row of the subject with its exam's title. */
export interface SubjectSession {
  session: typeof examSessions.$inferSelect;
  examTitle: string;
}

/** Every attempt of the subject (superseded ones too), oldest first. */
export async function subjectSessions(db: DbOrTx, userId: string): Promise<SubjectSession[]> {
  const rows = await db
    .select({ session: examSessions, examTitle: exams.title })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .where(eq(examSessions.studentId, userId))
    .orderBy(asc(examSessions.createdAt), asc(examSessions.id));
  return rows;
}

/** States in which an attempt is over: its whole record can be given out. */
const ENDED = new Set(['submitted', 'terminated', 'under_review', 'reviewed']);

/**
 * Whether an attempt has ended (or was superseded): while one runs, what the proctoring has
 * noted so far (flags, notes, server analysis) is held back, as the live pages hold it back.
 */
export const sessionEnded = (s: typeof examSessions.$inferSelect) =>
  ENDED.has(s.state) || s.supersededAt !== null;
