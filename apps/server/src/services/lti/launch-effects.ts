import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/database.js';
import {
  examSessions,
  examStaff,
  exams,
  ltiResourceLinks,
  registrations,
  userIdentities,
  users,
} from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { appendAudit } from '../audit/audit.service.js';
import { currentAttempt } from '../exams/registrations.service.js';
import { registerLearner } from './learner-registration.js';
import type { LtiLaunch } from './lti-claims.js';
import { ltiError } from './lti-errors.js';
import { platformUser } from './platform-users.js';
import type { PlatformRow } from './platforms.service.js';

/** A user row. */
export type UserRow = typeof users.$inferSelect;
/** An exam row. */
export type ExamRow = typeof exams.$inferSelect;

/** The exam a resource link opens: the custom parameter set when it was placed, else its row. */
export const EXAM_CUSTOM_PARAM = 'invigil_exam_id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The account a launch signs in to (matched, linked or made by the rules shared with roster
 * syncs, platform-users.ts), recorded as a sign-in by LTI.
 */
export async function signInByLaunch(
  tx: Tx,
  platform: PlatformRow,
  launch: LtiLaunch,
  now: Date,
  ip: string | null,
): Promise<UserRow> {
  const user = await platformUser(
    tx,
    platform,
    {
      sub: launch.subject,
      name: launch.name ?? undefined,
      email: launch.email ?? undefined,
      roles: launch.roles,
    },
    { now },
  );
  await tx
    .update(userIdentities)
    .set({ lastSignInAt: now })
    .where(
      and(eq(userIdentities.issuer, platform.issuer), eq(userIdentities.subject, launch.subject)),
    );
  await tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id));
  await appendAudit(
    tx,
    {
      actorId: user.id,
      action: 'auth.sign_in',
      entityType: 'user',
      entityId: user.id,
      data: { method: 'lti', issuer: platform.issuer, ip },
    },
    now,
  );
  return user;
}

/** The exam of a resource link; LTI_EXAM_NOT_LINKED when neither custom nor row names one. */
export async function linkedExam(
  tx: Tx,
  platform: PlatformRow,
  launch: LtiLaunch,
): Promise<ExamRow> {
  const custom = launch.custom[EXAM_CUSTOM_PARAM];
  let examId: string | undefined = custom && UUID.test(custom) ? custom : undefined;
  if (!examId) {
    const [row] = await tx
      .select({ examId: ltiResourceLinks.examId })
      .from(ltiResourceLinks)
      .where(linkKey(platform.id, launch));
    examId = row?.examId;
  }
  const [exam] = examId ? await tx.select().from(exams).where(eq(exams.id, examId)) : [];
  if (!exam) throw ltiError('LTI_EXAM_NOT_LINKED', custom ? 'custom exam id unknown' : 'no link');
  return exam;
}

/**
 * A learner's launch: registered for the exam by the catalogue's rules (capacity, deadline,
 * archived); the target is the attempt's check-in page.
 */
export async function studentTarget(tx: Tx, user: UserRow, exam: ExamRow, now: Date) {
  if (user.role !== 'student') {
    // A staff account taking the exam would mix its staff rights with a student's.
    throw ltiError('LTI_ROLE_NOT_ALLOWED', `learner launch of a ${user.role} account`);
  }
  if (exam.status === 'draft') {
    throw new AppError(409, 'EXAM_NOT_OPEN', 'This exam is not published yet; ask your instructor');
  }
  await registerLearner(tx, exam.id, user.id, { now, actorId: user.id, via: 'launch' });
  const [attempt] = await tx
    .select({ id: examSessions.id })
    .from(registrations)
    .innerJoin(examSessions, currentAttempt)
    .where(and(eq(registrations.examId, exam.id), eq(registrations.studentId, user.id)));
  if (!attempt) throw new Error('registered without an attempt');
  return `/student/sessions/${attempt.id}`;
}

/**
 * Instructors and proctors become staff of the exam in their account role (admins see every
 * exam already); the target is the exam's page for that role.
 */
export async function staffTarget(tx: Tx, user: UserRow, examId: string, now: Date) {
  if (user.role === 'admin') return `/admin/exams/${examId}`;
  const role = user.role === 'instructor' ? 'instructor' : 'proctor';
  const [existing] = await tx
    .select({ role: examStaff.role })
    .from(examStaff)
    .where(and(eq(examStaff.examId, examId), eq(examStaff.userId, user.id)));
  if (existing?.role !== role) {
    await tx
      .insert(examStaff)
      .values({ examId, userId: user.id, role, assignedAt: now, assignedBy: null })
      .onConflictDoUpdate({ target: [examStaff.examId, examStaff.userId], set: { role } });
    await appendAudit(
      tx,
      {
        actorId: null,
        action: 'exam.staff.assign',
        entityType: 'user',
        entityId: user.id,
        examId,
        data: { role, method: 'lti' },
      },
      now,
    );
  }
  return role === 'instructor' ? `/admin/exams/${examId}` : `/proctor/exams/${examId}/live`;
}

/** The link row, created or brought up to date (its exam, titles and service endpoints). */
export async function upsertLink(
  tx: Tx,
  platform: PlatformRow,
  launch: LtiLaunch,
  examId: string,
  now: Date,
): Promise<void> {
  const values = {
    examId,
    contextId: launch.context?.id ?? null,
    contextTitle: launch.context?.title ?? null,
    title: launch.resourceLink?.title ?? null,
    // Endpoints the platform stopped sending are kept: roster and grade work uses the last known.
    ...(launch.ags?.lineItem && { lineItemUrl: launch.ags.lineItem }),
    ...(launch.ags?.lineItems && { lineItemsUrl: launch.ags.lineItems }),
    ...(launch.ags && { agsScopes: launch.ags.scopes }),
    ...(launch.membershipsUrl && { membershipsUrl: launch.membershipsUrl }),
    lastLaunchAt: now,
  };
  await tx
    .insert(ltiResourceLinks)
    .values({
      platformId: platform.id,
      deploymentId: launch.deploymentId,
      resourceLinkId: launch.resourceLink!.id,
      createdAt: now,
      ...values,
    })
    .onConflictDoUpdate({
      target: [
        ltiResourceLinks.platformId,
        ltiResourceLinks.deploymentId,
        ltiResourceLinks.resourceLinkId,
      ],
      set: values,
    });
}

/** The unique key of a resource link row. */
const linkKey = (platformId: string, launch: LtiLaunch) =>
  and(
    eq(ltiResourceLinks.platformId, platformId),
    eq(ltiResourceLinks.deploymentId, launch.deploymentId),
    eq(ltiResourceLinks.resourceLinkId, launch.resourceLink!.id),
  );
