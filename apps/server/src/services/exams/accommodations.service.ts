import { and, eq, isNull } from 'drizzle-orm';
import {
  ProctoringPolicy,
  type AccommodationsBody,
  type DetectorAccommodations,
  type Registration,
} from '@invigil/contracts';
import { stricterAccommodations } from '@invigil/detection/rules';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, registrations } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from './exam-access.js';
import { computeDeadline } from './exam-timing.js';
import { lockSessionFlags, type DetectorRulesChange } from '../detection/flags.service.js';
import {
  currentAttempt,
  detectorAccommodationsOf,
  toRegistration,
} from './registrations.service.js';
import { isoOrNull } from '../sessions/time.js';

/** Per-student accommodations, set by the exam's instructors and admins. */
export class AccommodationService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /**
     * Re-judges the student's flags inside the change's transaction when their detector
     * accommodations changed (flags the change makes moot are withdrawn, audited); returns
     * what to publish after the commit.
     */
    private readonly onDetectorsChanged?: (
      tx: Tx,
      change: DetectorRulesChange,
    ) => Promise<() => Promise<void>>,
  ) {}

  /**
   * Set a student's extra time and/or detector accommodations; a field left out of `change`
   * stays as it is. An attempt that is already
   * running (or paused) gets its deadline recomputed at once; a finished one keeps its
   * record. Audited when anything changes, in the same transaction — as are the open flags
   * a detector change makes moot, which are withdrawn (never deleted).
   */
  async set(
    actor: Actor,
    registrationId: string,
    change: AccommodationsBody,
  ): Promise<Registration> {
    const { registration, publish } = await this.db.transaction(async (tx) => {
      // The flags' lock comes before any row lock of the session (as in review and re-judging).
      const [target] = await tx
        .select({ sessionId: examSessions.id })
        .from(examSessions)
        .where(
          and(eq(examSessions.registrationId, registrationId), isNull(examSessions.supersededAt)),
        );
      if (target) await lockSessionFlags(tx, target.sessionId);
      const [found] = await tx
        .select({ r: registrations, s: examSessions })
        .from(registrations)
        .innerJoin(examSessions, currentAttempt)
        .where(eq(registrations.id, registrationId))
        .for('update', { of: [registrations, examSessions] });
      if (!found) throw errors.notFound('Registration');
      if (actor.role === 'student') throw errors.notFound('Registration');
      const exam = await loadExamFor(tx, actor, found.r.examId, 'manage');
      if (exam.status === 'archived') {
        throw errors.conflict('EXAM_ARCHIVED', 'This exam is archived and can no longer change');
      }
      if (change.detectors) refuseStricter(exam.policy, change.detectors);
      const previous = found.r.extraTimeMinutes;
      const previousDetectors = detectorAccommodationsOf(found.r.detectorAccommodations);
      const extraTimeMinutes = change.extraTimeMinutes ?? previous;
      const detectors = change.detectors ?? previousDetectors;
      const timeChanged = extraTimeMinutes !== previous;
      const detectorsChanged = JSON.stringify(detectors) !== JSON.stringify(previousDetectors);
      if (!timeChanged && !detectorsChanged) {
        return { registration: toRegistration(found.r, found.s), publish: undefined };
      }
      const [reg] = await tx
        .update(registrations)
        .set({ extraTimeMinutes, detectorAccommodations: detectors })
        .where(eq(registrations.id, registrationId))
        .returning();
      if (!reg) throw errors.notFound('Registration');
      let session = found.s;
      const running = session.state === 'in_progress' || session.state === 'paused';
      if (timeChanged && running && session.startedAt) {
        const deadlineAt = computeDeadline({
          startedAt: session.startedAt,
          durationMinutes: exam.durationMinutes,
          extraTimeMinutes,
          closesAt: exam.closesAt,
          pausedMs: session.pausedMs,
          extendedMinutes: session.extendedMinutes,
        });
        const [updated] = await tx
          .update(examSessions)
          .set({ deadlineAt, updatedAt: this.clock.now() })
          .where(eq(examSessions.id, session.id))
          .returning();
        if (updated) session = updated;
      }
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'registration.accommodations',
        entityType: 'registration',
        entityId: registrationId,
        examId: reg.examId,
        data: {
          extraTimeMinutes,
          previous,
          ...(timeChanged && running && { deadlineAt: isoOrNull(session.deadlineAt) }),
          ...(detectorsChanged && { detectors, previousDetectors }),
        },
      });
      const publish = detectorsChanged
        ? await this.onDetectorsChanged?.(tx, {
            sessionId: session.id,
            examId: reg.examId,
            actorId: actor.userId,
            previous: previousDetectors,
            action: 'registration.accommodations',
            entityType: 'registration',
            entityId: registrationId,
            description: describeDetectorChange(previousDetectors, detectors),
          })
        : undefined;
      return { registration: toRegistration(reg, session), publish };
    });
    await publish?.();
    return registration;
  }
}

/** "detector accommodations changed for no_face, voice" — the detectors whose change differs. */
function describeDetectorChange(
  before: DetectorAccommodations,
  after: DetectorAccommodations,
): string {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (name) =>
      JSON.stringify(before[name as keyof DetectorAccommodations]) !==
      JSON.stringify(after[name as keyof DetectorAccommodations]),
  );
  return `detector accommodations changed for ${names.sort().join(', ')}`;
}

/** Accommodations only relax: one that would make the exam's rule stricter is refused. */
function refuseStricter(storedPolicy: unknown, detectors: AccommodationsBody['detectors']): void {
  const policy = ProctoringPolicy.safeParse(storedPolicy ?? {});
  const stricter = stricterAccommodations(policy.success ? policy.data : {}, detectors);
  if (stricter.length === 0) return;
  throw errors.badRequest(
    'ACCOMMODATION_STRICTER',
    `An accommodation may only relax the exam's rules; these would be stricter: ${stricter.join(', ')}`,
    { detectors: stricter },
  );
}
