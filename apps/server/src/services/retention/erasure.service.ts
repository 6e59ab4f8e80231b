import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { ErasureReceipt } from '@invigil/contracts';
import {
  apiTokens,
  auditLog,
  authSessions,
  chatMessages,
  examSessions,
  exams,
  helpRequests,
  knownDevices,
  passwordResets,
  sessionReviews,
  users,
} from '../../db/schema.js';
import { errors } from '../../errors.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { eraseSubjectExports } from '../privacy/erase-exports.js';
import { heldSql, undecidedReviewSql } from './retention-due.js';
import { addCounts, noDeletions, purgeSession, type PurgeDeps } from './session-purge.js';

/** What replaces erased free text the student wrote (chat, response), so threads still read. */
export const ERASED_TEXT = '[erased]';

/** What an erasure keeps by design, as the receipt lists it. */
const RETAINED = [
  'verdicts and flag decisions (without the student’s own words)',
  'answers, grades and scores of each attempt',
  'the audit trail (append-only; entries name the account by its id)',
  'deletion records',
];

/**
 * Erasure on request: remove a student's evidence (recordings, snapshots, identity photos,
 * face descriptors), its data exports and free text, and anonymise the account, except for attempts a legal
 * hold keeps, an undecided review keeps, or that are still running. Staff accounts are
 * refused (409 ERASURE_NOT_ALLOWED: they are disabled instead, and an admin may be the last),
 * and the admin must type the account's e-mail (400 ERASURE_CONFIRMATION_MISMATCH). The
 * receipt is the `user.erase` audit entry.
 */
export async function eraseUser(
  deps: PurgeDeps,
  actor: Actor,
  userId: string,
  confirmEmail: string,
): Promise<ErasureReceipt> {
  requireRole(actor, ['admin']);
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw errors.notFound('User');
  if (user.role !== 'student') {
    throw errors.conflict(
      'ERASURE_NOT_ALLOWED',
      'Only student accounts can be erased; disable a staff account instead',
      { role: user.role },
    );
  }
  if (user.email.toLowerCase() !== confirmEmail.toLowerCase()) {
    throw errors.badRequest(
      'ERASURE_CONFIRMATION_MISMATCH',
      'Type the account’s e-mail address exactly to confirm the erasure',
    );
  }
  const runId = randomUUID();
  const sessions = await deps.db
    .select({
      id: examSessions.id,
      examId: examSessions.examId,
      state: examSessions.state,
      held: sql<boolean>`${heldSql}`,
      undecided: sql<boolean>`${undecidedReviewSql}`,
    })
    .from(examSessions)
    .innerJoin(exams, eq(exams.id, examSessions.examId))
    .where(eq(examSessions.studentId, userId));

  const kept: ErasureReceipt['kept'] = [];
  const erasable: string[] = [];
  const deleted = noDeletions();
  for (const s of sessions) {
    const running = s.state === 'in_progress' || s.state === 'paused';
    if (s.held) kept.push({ sessionId: s.id, examId: s.examId, reason: 'legal_hold' });
    else if (running) kept.push({ sessionId: s.id, examId: s.examId, reason: 'attempt_running' });
    else if (s.undecided) {
      kept.push({ sessionId: s.id, examId: s.examId, reason: 'undecided_review' });
    } else {
      const outcome = await purgeSession(deps, {
        sessionId: s.id,
        scope: 'all',
        rule: 'erasure',
        trigger: 'admin',
        actorId: actor.userId,
        runId,
      });
      // A hold placed since the list was read wins.
      if (outcome.status === 'held') {
        kept.push({ sessionId: s.id, examId: s.examId, reason: 'legal_hold' });
        continue;
      }
      if (outcome.status === 'deleted') addCounts(deleted, outcome.counts);
      erasable.push(s.id);
    }
  }
  // A data export's zip holds copies of the recordings: it goes too, held attempts or not
  // (the evidence itself stays where a hold keeps it).
  const dataExports = await eraseSubjectExports(deps.db, deps.blobs, userId);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    let chat = 0;
    let help = 0;
    let responses = 0;
    if (erasable.length > 0) {
      chat = (
        await tx
          .update(chatMessages)
          .set({ body: ERASED_TEXT })
          .where(
            and(
              inArray(chatMessages.sessionId, erasable),
              eq(chatMessages.side, 'student'),
              sql`${chatMessages.body} <> ${ERASED_TEXT}`,
            ),
          )
          .returning({ id: chatMessages.id })
      ).length;
      help = (
        await tx
          .update(helpRequests)
          .set({ message: null })
          .where(and(inArray(helpRequests.sessionId, erasable), isNotNull(helpRequests.message)))
          .returning({ id: helpRequests.id })
      ).length;
      responses = (
        await tx
          .update(sessionReviews)
          .set({ response: ERASED_TEXT })
          .where(
            and(
              inArray(sessionReviews.sessionId, erasable),
              isNotNull(sessionReviews.response),
              sql`${sessionReviews.response} <> ${ERASED_TEXT}`,
            ),
          )
          .returning({ id: sessionReviews.sessionId })
      ).length;
    }
    const signIns = (
      await tx
        .delete(authSessions)
        .where(eq(authSessions.userId, userId))
        .returning({ id: authSessions.id })
    ).length;
    await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
    await tx.delete(passwordResets).where(eq(passwordResets.userId, userId));
    await tx.delete(knownDevices).where(eq(knownDevices.userId, userId));
    await tx
      .update(users)
      .set({
        name: 'Erased user',
        email: `erased-${userId}@erased.invalid`,
        disabled: true,
        // Not a hash any password produces: nobody signs in as this account again.
        passwordHash: `erased:${randomBytes(16).toString('hex')}`,
        mustChangePassword: false,
        updatedAt: now,
      })
      .where(eq(users.id, userId));
    const receipt: Omit<ErasureReceipt, 'auditEntryId'> = {
      userId,
      erasedAt: now.toISOString(),
      sessionsErased: erasable.length,
      deleted: {
        ...deleted,
        chatMessages: chat,
        helpRequests: help,
        responses,
        signInSessions: signIns,
        dataExports,
      },
      kept,
      retained: RETAINED,
    };
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'user.erase',
      entityType: 'user',
      entityId: userId,
      data: { ...receipt, runId },
    });
    const [entry] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.erase'), eq(auditLog.entityId, userId)))
      .orderBy(desc(auditLog.id))
      .limit(1);
    return { ...receipt, auditEntryId: entry?.id ?? 0 };
  });
}
