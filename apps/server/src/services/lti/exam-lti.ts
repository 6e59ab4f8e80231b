import { desc, eq } from 'drizzle-orm';
import type { ExamLti } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { ltiPlatforms, ltiResourceLinks } from '../../db/schema.js';
import type { Actor } from '../accounts/actor.js';
import { loadExamFor } from '../exams/exam-access.js';
import { iso } from '../sessions/time.js';
import { canSendScores, type LtiGradePassback } from './grade-passback.service.js';
import type { LtiRosterSyncService } from './roster-sync.service.js';

/**
 * GET /api/exams/:id/lti (staff of the exam): its course placements, the newest roster
 * synchronisations, and where each attempt's grade stands.
 */
export async function examLti(
  db: Db,
  deps: { roster: LtiRosterSyncService; grades: LtiGradePassback },
  actor: Actor,
  examId: string,
): Promise<ExamLti> {
  await loadExamFor(db, actor, examId, 'read');
  const links = await db
    .select({ link: ltiResourceLinks, platformName: ltiPlatforms.name })
    .from(ltiResourceLinks)
    .innerJoin(ltiPlatforms, eq(ltiPlatforms.id, ltiResourceLinks.platformId))
    .where(eq(ltiResourceLinks.examId, examId))
    .orderBy(desc(ltiResourceLinks.lastLaunchAt));
  return {
    links: links.map(({ link, platformName }) => ({
      id: link.id,
      platformId: link.platformId,
      platformName,
      contextId: link.contextId,
      contextTitle: link.contextTitle,
      title: link.title,
      lastLaunchAt: iso(link.lastLaunchAt),
      agsAvailable: canSendScores(link),
      nrpsAvailable: link.membershipsUrl !== null,
    })),
    rosterSyncs: await deps.roster.recentForExam(examId),
    grades: await deps.grades.forExam(actor, examId),
  };
}
