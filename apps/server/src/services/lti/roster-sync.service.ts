import { and, desc, eq, gt, inArray, isNotNull, notInArray } from 'drizzle-orm';
import type { LtiRosterSync } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { exams, ltiPlatforms, ltiResourceLinks, ltiRosterSyncs } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import { iso, isoOrNull } from '../sessions/time.js';
import { registerLearner } from './learner-registration.js';
import { mapLtiRoles, platformUser, type PlatformMember } from './platform-users.js';
import { callService, nextLink } from './service-client.js';
import { LTI_SCOPES, LtiServiceError, type LtiServiceTokens } from './service-tokens.js';

type SyncRow = typeof ltiRosterSyncs.$inferSelect;
type LinkRow = typeof ltiResourceLinks.$inferSelect;
type PlatformRow = typeof ltiPlatforms.$inferSelect;

const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
/** Guards against a platform whose `next` links never end. */
const MAX_PAGES = 200;
const MAX_MEMBERS = 50_000;

/** The API view of a sync. */
export const toRosterSync = (r: SyncRow): LtiRosterSync => ({
  id: r.id,
  linkId: r.linkId,
  trigger: r.trigger as LtiRosterSync['trigger'],
  status: r.status as LtiRosterSync['status'],
  members: r.members,
  added: r.added,
  existing: r.existing,
  skipped: r.skipped,
  error: r.error,
  startedAt: iso(r.startedAt),
  finishedAt: isoOrNull(r.finishedAt),
});

/** One member of an NRPS membership container, as far as Invigil reads it. */
interface NrpsMember {
  user_id?: unknown;
  roles?: unknown;
  status?: unknown;
  name?: unknown;
  given_name?: unknown;
  family_name?: unknown;
  email?: unknown;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** A member as platformUser takes it, or undefined when it has no subject. */
function memberOf(m: NrpsMember): (PlatformMember & { active: boolean }) | undefined {
  const sub = str(m.user_id);
  if (!sub) return undefined;
  const given = [str(m.given_name), str(m.family_name)].filter(Boolean).join(' ');
  return {
    sub,
    name: str(m.name) ?? (given || undefined),
    email: str(m.email),
    roles: Array.isArray(m.roles) ? m.roles.filter((r): r is string => typeof r === 'string') : [],
    // NRPS: status is Active unless said otherwise (Inactive, Deleted).
    active: m.status === undefined || m.status === 'Active',
  };
}

/**
 * Roster synchronisation (LTI NRPS 2.0): the learners of a resource link's course become
 * registered for its exam, matched or made as at a launch (platformUser) and registered by the
 * registration rules (registerLearner). Counted per sync: `members` listed, `added`,
 * `existing` (already registered), `skipped` (not a learner only — instructors are staffed at
 * their launch —, inactive at the platform, cancelled their own registration, or refused:
 * an account conflict, a disabled account, the exam full or closed).
 *
 * Members who left the course are not unregistered: a registration may already carry an
 * attempt, and the platform's list is not proof of leaving (a member may be hidden, paged
 * away or moved to another section); staff cancel registrations themselves.
 */
export class LtiRosterSyncService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly tokens: LtiServiceTokens,
  ) {}

  /**
   * Sync now every link of an exam that has a roster (instructors of the exam and admins);
   * 409 LTI_NO_ROSTER when none has. Each link's result is returned, failed ones included.
   */
  async syncExam(actor: Actor, examId: string): Promise<LtiRosterSync[]> {
    await loadExamFor(this.db, actor, examId, 'manage');
    const links = await this.db
      .select({ id: ltiResourceLinks.id })
      .from(ltiResourceLinks)
      .where(and(eq(ltiResourceLinks.examId, examId), isNotNull(ltiResourceLinks.membershipsUrl)))
      .orderBy(desc(ltiResourceLinks.lastLaunchAt));
    if (links.length === 0) {
      throw errors.conflict(
        'LTI_NO_ROSTER',
        'No course placement of this exam offers its roster (the platform sent no memberships service); launch the exam from the course first',
      );
    }
    const results: LtiRosterSync[] = [];
    for (const link of links) results.push(await this.syncLink(link.id, 'manual', actor.userId));
    return results;
  }

  /**
   * Sync the links whose last sync is older than `everyMs` (or never ran), for exams still
   * open for registration; returns how many ran. Called by the scheduled job.
   */
  async syncDue(everyMs: number): Promise<number> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - everyMs);
    const recent = this.db
      .select({ linkId: ltiRosterSyncs.linkId })
      .from(ltiRosterSyncs)
      .where(gt(ltiRosterSyncs.startedAt, since));
    const due = await this.db
      .select({ id: ltiResourceLinks.id })
      .from(ltiResourceLinks)
      .innerJoin(exams, eq(exams.id, ltiResourceLinks.examId))
      .where(
        and(
          isNotNull(ltiResourceLinks.membershipsUrl),
          eq(exams.status, 'published'),
          gt(exams.registrationDeadline, now),
          gt(exams.closesAt, now),
          notInArray(ltiResourceLinks.id, recent),
        ),
      );
    for (const link of due) await this.syncLink(link.id, 'schedule', null);
    return due.length;
  }

  /** Sync one link's course now; the sync row says how it went (never throws for the platform). */
  async syncLink(
    linkId: string,
    trigger: 'manual' | 'schedule',
    requestedBy: string | null,
  ): Promise<LtiRosterSync> {
    const [found] = await this.db
      .select({ link: ltiResourceLinks, platform: ltiPlatforms })
      .from(ltiResourceLinks)
      .innerJoin(ltiPlatforms, eq(ltiPlatforms.id, ltiResourceLinks.platformId))
      .where(eq(ltiResourceLinks.id, linkId));
    if (!found) throw errors.notFound('Course placement');
    const { link, platform } = found;
    const [started] = await this.db
      .insert(ltiRosterSyncs)
      .values({ linkId, trigger, requestedBy, startedAt: this.clock.now() })
      .returning();
    if (!started) throw new Error('roster sync insert returned nothing');
    const counts = { members: 0, added: 0, existing: 0, skipped: 0 };
    const reasons: Record<string, number> = {};
    let error: string | null = null;
    let failure: unknown;
    try {
      for await (const member of this.members(platform, link)) {
        counts.members += 1;
        const outcome = await this.syncMember(platform, link, member, requestedBy);
        if (outcome === 'added' || outcome === 'existing') counts[outcome] += 1;
        else {
          counts.skipped += 1;
          reasons[outcome] = (reasons[outcome] ?? 0) + 1;
        }
      }
    } catch (e) {
      error =
        e instanceof LtiServiceError ? e.message : 'The sync stopped on an error of Invigil’s';
      // Not the platform's doing: recorded as failed (never left running), then reported.
      if (!(e instanceof LtiServiceError)) failure = e;
    }
    const now = this.clock.now();
    const finished = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(ltiRosterSyncs)
        .set({ ...counts, status: error ? 'failed' : 'done', error, finishedAt: now })
        .where(eq(ltiRosterSyncs.id, started.id))
        .returning();
      await appendAudit(
        tx,
        {
          actorId: requestedBy,
          action: 'lti.roster.sync',
          entityType: 'lti_resource_link',
          entityId: linkId,
          examId: link.examId,
          data: { trigger, ...counts, skippedFor: reasons, ...(error && { error }) },
        },
        now,
      );
      return toRosterSync(row ?? started);
    });
    if (failure !== undefined) throw failure;
    return finished;
  }

  /**
   * One member, in its own transaction (a refusal undoes only this member): the outcome, or
   * why it was skipped.
   */
  private async syncMember(
    platform: PlatformRow,
    link: LinkRow,
    member: PlatformMember & { active: boolean },
    actorId: string | null,
  ): Promise<string> {
    if (!member.active) return 'inactive';
    // Learners only: other roles get their access (as staff) by launching.
    if (mapLtiRoles(platform, member.roles) !== 'student') return 'not_learner';
    const now = this.clock.now();
    try {
      return await this.db.transaction(async (tx) => {
        const user = await platformUser(tx, platform, member, { now, actorId });
        if (user.role !== 'student') return 'not_student_account';
        return registerLearner(tx, link.examId, user.id, {
          now,
          actorId,
          via: 'roster',
          keepCancelled: true,
        });
      });
    } catch (e) {
      if (e instanceof AppError) return e.code;
      throw e;
    }
  }

  /** The course's members, page after page (Link rel="next"). */
  private async *members(
    platform: PlatformRow,
    link: LinkRow,
  ): AsyncGenerator<PlatformMember & { active: boolean }> {
    let url: string | undefined = link.membershipsUrl ?? undefined;
    let seen = 0;
    for (let page = 0; url && page < MAX_PAGES; page += 1) {
      const res = await callService(this.tokens, platform, {
        method: 'GET',
        url,
        scopes: [LTI_SCOPES.nrps],
        accept: NRPS_MEDIA_TYPE,
      });
      const body = (await res.json().catch(() => null)) as { members?: unknown } | null;
      if (!body || !Array.isArray(body.members)) {
        throw new LtiServiceError('The platform sent a roster Invigil cannot read');
      }
      for (const raw of body.members as NrpsMember[]) {
        const member = raw && typeof raw === 'object' ? memberOf(raw) : undefined;
        if (!member) continue;
        seen += 1;
        if (seen > MAX_MEMBERS) throw new LtiServiceError('The roster is too large to sync');
        yield member;
      }
      url = nextLink(res.headers.get('link'));
    }
  }

  /** The newest syncs of an exam's links (at most `limit`). */
  async recentForExam(examId: string, limit = 20): Promise<LtiRosterSync[]> {
    const links = this.db
      .select({ id: ltiResourceLinks.id })
      .from(ltiResourceLinks)
      .where(eq(ltiResourceLinks.examId, examId));
    const rows = await this.db
      .select()
      .from(ltiRosterSyncs)
      .where(inArray(ltiRosterSyncs.linkId, links))
      .orderBy(desc(ltiRosterSyncs.startedAt))
      .limit(limit);
    return rows.map(toRosterSync);
  }
}
