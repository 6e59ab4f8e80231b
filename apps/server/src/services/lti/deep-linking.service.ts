import { and, eq, gt, isNull, sum } from 'drizzle-orm';
import { SignJWT } from 'jose';
import type { Exam, Role } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { ltiDeepLinkRequests, questions, users } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import type { ExamService } from '../exams/exams.service.js';
import { CLAIM } from './lti-claims.js';
import { ltiError } from './lti-errors.js';
import { EXAM_CUSTOM_PARAM } from './launch-effects.js';
import type { LtiPlatformService, PlatformRow } from './platforms.service.js';
import { newLtiSecret } from './secrets.js';
import { TOOL_KEY_ALG, type LtiToolKeys } from './tool-keys.js';

/** How long the platform has to accept a deep-linking response. */
const RESPONSE_SECONDS = 600;
/** The line item's maximum for an exam without questions (its score comes from elsewhere). */
const DEFAULT_SCORE_MAXIMUM = 100;
/** Seats of an exam made from the chooser: a course's roster, not a room. */
const CHOOSER_CAPACITY = 10_000;

type RequestRow = typeof ltiDeepLinkRequests.$inferSelect;

/** An open deep-linking request and who it is for. */
export interface OpenRequest {
  row: RequestRow;
  platform: PlatformRow;
  actor: Actor;
  userName: string;
}

/** A new exam as the chooser's small form gives it. */
export interface NewExamChoice {
  title: string;
  opensAt: Date;
  closesAt: Date;
  durationMinutes: number;
}

/** The signed answer and where the browser posts it. */
export interface DeepLinkResponse {
  returnUrl: string;
  jwt: string;
  exam: { id: string; title: string };
}

/**
 * Deep Linking 2.0: an instructor in the platform picks an Invigil exam (or makes one) and
 * the platform gets a signed `LtiDeepLinkingResponse` with one resource link to it. The
 * request's random id is the chooser page's credential, for its user, once, for 30 minutes.
 */
export class LtiDeepLinkingService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platforms: LtiPlatformService,
    private readonly exams: ExamService,
    private readonly keys: LtiToolKeys,
    private readonly launchUrl: () => string,
  ) {}

  /** The request, unused and unexpired; LTI_DEEP_LINK_INVALID otherwise. */
  async open(requestId: string): Promise<OpenRequest> {
    const [found] = await this.db
      .select({ row: ltiDeepLinkRequests, user: users })
      .from(ltiDeepLinkRequests)
      .innerJoin(users, eq(users.id, ltiDeepLinkRequests.userId))
      .where(
        and(
          eq(ltiDeepLinkRequests.id, requestId),
          isNull(ltiDeepLinkRequests.usedAt),
          gt(ltiDeepLinkRequests.expiresAt, this.clock.now()),
        ),
      );
    if (!found) throw ltiError('LTI_DEEP_LINK_INVALID', 'request unknown, used or expired');
    if (found.user.disabled) throw ltiError('LTI_ACCOUNT_DISABLED');
    const platform = await this.platforms.row(found.row.platformId);
    if (!platform) throw ltiError('LTI_DEEP_LINK_INVALID', 'platform removed');
    return {
      row: found.row,
      platform,
      actor: {
        userId: found.user.id,
        email: found.user.email,
        role: found.user.role as Role,
        via: 'cookie',
      },
      userName: found.user.name,
    };
  }

  /** The exams the request's user may place: those they manage, not archived. */
  async choices(request: OpenRequest): Promise<Exam[]> {
    const all = await this.exams.list(request.actor, {});
    return all.filter((e) => e.status !== 'archived');
  }

  /**
   * Answer the request with an existing exam the user manages or a new one (made as the
   * exams service makes any), signed by the tool key; the request is used up.
   */
  async choose(
    requestId: string,
    choice: { examId: string } | { newExam: NewExamChoice },
  ): Promise<DeepLinkResponse> {
    const request = await this.open(requestId);
    const { actor } = request;
    let exam: { id: string; title: string; description: string; opensAt: Date; closesAt: Date };
    if ('examId' in choice) {
      const row = await loadExamFor(this.db, actor, choice.examId, 'manage');
      exam = row;
    } else {
      const n = choice.newExam;
      const created = await this.exams.create(actor, {
        title: n.title,
        opensAt: n.opensAt.toISOString(),
        closesAt: n.closesAt.toISOString(),
        registrationDeadline: n.closesAt.toISOString(),
        durationMinutes: n.durationMinutes,
        capacity: CHOOSER_CAPACITY,
      });
      exam = { ...created, opensAt: n.opensAt, closesAt: n.closesAt };
    }
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const [used] = await tx
        .update(ltiDeepLinkRequests)
        .set({ usedAt: now })
        .where(and(eq(ltiDeepLinkRequests.id, requestId), isNull(ltiDeepLinkRequests.usedAt)))
        .returning({ id: ltiDeepLinkRequests.id });
      if (!used) throw ltiError('LTI_DEEP_LINK_INVALID', 'request used meanwhile');
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'lti.deep_link',
          entityType: 'exam',
          entityId: exam.id,
          examId: exam.id,
          data: {
            platformId: request.platform.id,
            deploymentId: request.row.deploymentId,
            contextId: request.row.contextId,
            created: !('examId' in choice),
          },
        },
        now,
      );
    });
    const jwt = await this.sign(request, exam, now);
    return { returnUrl: request.row.returnUrl, jwt, exam: { id: exam.id, title: exam.title } };
  }

  private async sign(
    request: OpenRequest,
    exam: { id: string; title: string; description: string; opensAt: Date; closesAt: Date },
    now: Date,
  ): Promise<string> {
    const window = {
      startDateTime: exam.opensAt.toISOString(),
      endDateTime: exam.closesAt.toISOString(),
    };
    const item = {
      type: 'ltiResourceLink',
      title: exam.title,
      ...(exam.description && { text: exam.description.slice(0, 1000) }),
      url: this.launchUrl(),
      custom: { [EXAM_CUSTOM_PARAM]: exam.id },
      lineItem: {
        scoreMaximum: await this.scoreMaximum(exam.id),
        label: exam.title,
        resourceId: exam.id,
      },
      available: window,
      submission: window,
    };
    const { kid, key } = await this.keys.signingKey();
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({
      nonce: newLtiSecret(),
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: request.row.deploymentId,
      ...(request.row.data !== null && {
        'https://purl.imsglobal.org/spec/lti-dl/claim/data': request.row.data,
      }),
      'https://purl.imsglobal.org/spec/lti-dl/claim/content_items': [item],
    })
      .setProtectedHeader({ alg: TOOL_KEY_ALG, kid, typ: 'JWT' })
      .setIssuer(request.platform.clientId)
      .setAudience(request.platform.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + RESPONSE_SECONDS)
      .sign(key);
  }

  /** The sum of the exam's question points, or a default for an exam without questions. */
  private async scoreMaximum(examId: string): Promise<number> {
    const [row] = await this.db
      .select({ total: sum(questions.points) })
      .from(questions)
      .where(eq(questions.examId, examId));
    const total = Number(row?.total ?? 0);
    return total > 0 ? total : DEFAULT_SCORE_MAXIMUM;
  }
}
