import { lt } from 'drizzle-orm';
import type { Role } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { ltiDeepLinkRequests } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { SignedIn } from '../accounts/auth.service.js';
import { appendAudit } from '../audit/audit.service.js';
import type { LtiHandoffs } from './handoffs.js';
import type { IdTokenVerifier } from './id-token.js';
import {
  linkedExam,
  signInByLaunch,
  staffTarget,
  studentTarget,
  upsertLink,
} from './launch-effects.js';
import { readLaunch, type LtiLaunch } from './lti-claims.js';
import { ltiCodeOf, ltiError } from './lti-errors.js';
import type { LoginInitiation, LtiLoginService, StartedLogin } from './login.service.js';
import { mapLtiRoles } from './platform-users.js';
import type { LtiPlatformService, PlatformRow } from './platforms.service.js';
import { newLtiSecret } from './secrets.js';

/** How long an instructor has to choose an exam for a deep-linking request. */
export const DEEP_LINK_MINUTES = 30;

/** Where a launch comes from (for the session and the audit trail). */
export interface LaunchMeta {
  ip?: string;
  userAgent?: string;
}

/** What a resource link launch opens. */
export interface ResourceLaunch {
  kind: 'resource';
  person: { name: string; email: string; role: Role };
  exam: { id: string; title: string };
  /** The one-time ticket the launch page hands to /lti/handoff. */
  handoff: string;
}

/** A deep-linking request, waiting for the instructor's choice at /lti/deep-link/:id. */
export interface DeepLinkLaunch {
  kind: 'deep-link';
  requestId: string;
}

/**
 * LTI 1.3 launches: login initiation, the launch itself (every check of LTI Core and the
 * Security Framework), the accounts and exam access it gives, and the deep-linking request
 * it opens. Every refusal is audited as `lti.launch_failed` with its code and creates nothing
 * (the launch's writes are one transaction).
 */
export class LtiLaunchService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platforms: LtiPlatformService,
    private readonly login: LtiLoginService,
    private readonly verifier: IdTokenVerifier,
    private readonly handoffs: LtiHandoffs,
  ) {}

  /** Start a login (GET or POST /lti/login). */
  async startLogin(p: LoginInitiation, meta: LaunchMeta): Promise<StartedLogin> {
    try {
      return await this.login.start(p);
    } catch (error) {
      await this.auditFailure(error, meta, { stage: 'login', issuer: p.iss });
      throw error;
    }
  }

  /** Exchange a launch page's ticket for a session (POST /lti/handoff); refusals are audited. */
  async handoff(token: string, meta: LaunchMeta): Promise<{ session: SignedIn; target: string }> {
    try {
      return await this.handoffs.redeem(token, meta);
    } catch (error) {
      await this.auditFailure(error, meta, { stage: 'handoff' });
      throw error;
    }
  }

  /**
   * A launch (POST /lti/launch): `state` as posted, `cookieState` as this browser's cookie
   * holds it. Returns what the launch page shows.
   */
  async launch(
    form: { idToken: string | undefined; state: string | undefined },
    cookieState: string | undefined,
    meta: LaunchMeta,
  ): Promise<ResourceLaunch | DeepLinkLaunch> {
    const context: Record<string, unknown> = { stage: 'launch' };
    try {
      if (!form.state || !cookieState || cookieState !== form.state) {
        throw ltiError(
          'LTI_STATE_INVALID',
          !form.state ? 'no state' : !cookieState ? 'no state cookie' : 'cookie differs',
        );
      }
      if (!form.idToken) throw ltiError('LTI_BAD_MESSAGE', 'no id_token');
      const claimed = await this.login.claim(form.state);
      if (!claimed) throw ltiError('LTI_STATE_INVALID', 'unknown, used or expired state');
      const platform = await this.platforms.row(claimed.platformId);
      if (!platform) throw ltiError('LTI_STATE_INVALID', 'platform removed');
      context.platformId = platform.id;
      context.issuer = platform.issuer;
      const payload = await this.verifier.verify(form.idToken, platform);
      if (claimed.replay) throw ltiError('LTI_NONCE_INVALID', 'state and token used before');
      const launch = readLaunch(payload as Record<string, unknown>);
      context.subject = launch.subject;
      context.messageType = launch.messageType;
      if (launch.nonce !== claimed.nonce) throw ltiError('LTI_NONCE_INVALID', 'nonce mismatch');
      context.deploymentId = launch.deploymentId;
      if (!(await this.platforms.hasDeployment(platform.id, launch.deploymentId))) {
        throw ltiError('LTI_UNKNOWN_DEPLOYMENT');
      }
      const role = mapLtiRoles(platform, launch.roles);
      if (!role) throw ltiError('LTI_ROLE_NOT_ALLOWED', `roles: ${launch.roles.join(' ')}`);
      return launch.messageType === 'LtiDeepLinkingRequest'
        ? await this.deepLinkRequest(platform, launch, role, meta)
        : await this.resourceLaunch(platform, launch, role, meta);
    } catch (error) {
      await this.auditFailure(error, meta, context);
      throw error;
    }
  }

  private async resourceLaunch(
    platform: PlatformRow,
    launch: LtiLaunch,
    role: Role,
    meta: LaunchMeta,
  ): Promise<ResourceLaunch> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const exam = await linkedExam(tx, platform, launch);
      const user = await signInByLaunch(tx, platform, launch, now, meta.ip ?? null);
      const target =
        role === 'student'
          ? await studentTarget(tx, user, exam, now)
          : await staffTarget(tx, user, exam.id, now);
      await upsertLink(tx, platform, launch, exam.id, now);
      const handoff = await this.handoffs.create(tx, user.id, target, now);
      await appendAudit(
        tx,
        {
          actorId: user.id,
          action: 'lti.launch',
          entityType: 'exam',
          entityId: exam.id,
          examId: exam.id,
          data: {
            platformId: platform.id,
            deploymentId: launch.deploymentId,
            resourceLinkId: launch.resourceLink!.id,
            contextId: launch.context?.id ?? null,
            role,
          },
        },
        now,
      );
      return {
        kind: 'resource' as const,
        person: { name: user.name, email: user.email, role: user.role as Role },
        exam: { id: exam.id, title: exam.title },
        handoff,
      };
    });
  }

  private async deepLinkRequest(
    platform: PlatformRow,
    launch: LtiLaunch,
    role: Role,
    meta: LaunchMeta,
  ): Promise<DeepLinkLaunch> {
    if (role !== 'instructor' && role !== 'admin') {
      throw ltiError('LTI_ROLE_NOT_ALLOWED', `deep linking as ${role}`);
    }
    const settings = launch.deepLinking!;
    // Invigil places resource links only; a platform asking for other kinds gets nothing it can use.
    if (settings.acceptTypes.length > 0 && !settings.acceptTypes.includes('ltiResourceLink')) {
      throw ltiError('LTI_BAD_MESSAGE', `accept_types: ${settings.acceptTypes.join(' ')}`);
    }
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const user = await signInByLaunch(tx, platform, launch, now, meta.ip ?? null);
      const requestId = newLtiSecret();
      // Old requests go as new ones come: the table holds only the last half hour's.
      await tx.delete(ltiDeepLinkRequests).where(lt(ltiDeepLinkRequests.expiresAt, now));
      await tx.insert(ltiDeepLinkRequests).values({
        id: requestId,
        platformId: platform.id,
        deploymentId: launch.deploymentId,
        userId: user.id,
        returnUrl: settings.returnUrl,
        data: settings.data,
        acceptMultiple: settings.acceptMultiple,
        contextId: launch.context?.id ?? null,
        contextTitle: launch.context?.title ?? null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + DEEP_LINK_MINUTES * 60_000),
      });
      return { kind: 'deep-link' as const, requestId };
    });
  }

  /** A refused launch in the audit trail: its code, the cause, and what is known of the launch. */
  private async auditFailure(error: unknown, meta: LaunchMeta, context: Record<string, unknown>) {
    if (!(error instanceof AppError) || error.status >= 500) return;
    const reason = ltiCodeOf(error) ?? error.code;
    await this.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          actorId: null,
          action: 'lti.launch_failed',
          entityType: 'lti_platform',
          entityId: typeof context.platformId === 'string' ? context.platformId : null,
          data: {
            reason,
            ...(typeof error.cause === 'string' && { cause: error.cause }),
            ...context,
            ip: meta.ip ?? null,
          },
        },
        this.clock.now(),
      ),
    );
  }
}
