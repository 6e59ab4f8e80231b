import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { ltiLoginStates } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import { ltiError } from './lti-errors.js';
import type { LtiPlatformService, PlatformRow } from './platforms.service.js';
import { newLtiSecret, sha256Hex } from './secrets.js';

/** How long a browser has between login initiation and launch (also the state cookie's life). */
export const LOGIN_STATE_SECONDS = 600;

/** The parameters of a third-party login initiation (LTI Core 5.1.1, query or form). */
export const LoginInitiation = z.object({
  iss: z.string().min(1).max(2000),
  login_hint: z.string().min(1).max(2000),
  target_link_uri: z.string().min(1).max(2000),
  lti_message_hint: z.string().max(4000).optional(),
  client_id: z.string().min(1).max(500).optional(),
  lti_deployment_id: z.string().min(1).max(500).optional(),
});
export type LoginInitiation = z.infer<typeof LoginInitiation>;

/** A started login: where to send the browser, and the state for its cookie. */
export interface StartedLogin {
  redirectUrl: string;
  state: string;
  platform: PlatformRow;
}

/** A login state taken by a launch. */
export interface ClaimedState {
  platformId: string;
  nonce: string;
  /** A launch already used this state: a replay (refused once the token is checked). */
  replay: boolean;
}

/**
 * The first half of a launch: the platform asks the tool to start an OpenID Connect login,
 * the tool answers with a redirect to the platform's authorisation endpoint carrying a fresh
 * state (also set as a cookie in this browser) and nonce, both single-use.
 */
export class LtiLoginService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platforms: LtiPlatformService,
    private readonly redirectUri: () => string,
  ) {}

  /** Start a login; LTI_UNKNOWN_ISSUER when no registration matches iss (and client_id). */
  async start(p: LoginInitiation): Promise<StartedLogin> {
    const platform = await this.platforms.findForLogin(p.iss, p.client_id);
    if (!platform) throw ltiError('LTI_UNKNOWN_ISSUER', 'no registration for iss/client_id');
    if (
      p.lti_deployment_id !== undefined &&
      !(await this.platforms.hasDeployment(platform.id, p.lti_deployment_id))
    ) {
      throw ltiError('LTI_UNKNOWN_DEPLOYMENT', 'lti_deployment_id at login');
    }
    const state = newLtiSecret();
    const nonce = newLtiSecret();
    const now = this.clock.now();
    // Old states go as new ones come: the table holds only the last ten minutes' logins.
    await this.db.delete(ltiLoginStates).where(lt(ltiLoginStates.expiresAt, now));
    await this.db.insert(ltiLoginStates).values({
      stateHash: sha256Hex(state),
      nonce,
      platformId: platform.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + LOGIN_STATE_SECONDS * 1000),
    });
    const url = new URL(platform.authLoginUrl);
    const params: Record<string, string> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: platform.clientId,
      redirect_uri: this.redirectUri(),
      login_hint: p.login_hint,
      state,
      nonce,
      ...(p.lti_message_hint !== undefined && { lti_message_hint: p.lti_message_hint }),
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { redirectUrl: url.href, state, platform };
  }

  /**
   * Take the state a launch brings (single-use): null when unknown or expired. A state used
   * before is returned with `replay` (the launch is refused as a replayed token).
   */
  async claim(state: string): Promise<ClaimedState | null> {
    const now = this.clock.now();
    const hash = sha256Hex(state);
    const [taken] = await this.db
      .update(ltiLoginStates)
      .set({ usedAt: now })
      .where(
        and(
          eq(ltiLoginStates.stateHash, hash),
          isNull(ltiLoginStates.usedAt),
          gt(ltiLoginStates.expiresAt, now),
        ),
      )
      .returning();
    if (taken) return { platformId: taken.platformId, nonce: taken.nonce, replay: false };
    const [used] = await this.db
      .select()
      .from(ltiLoginStates)
      .where(eq(ltiLoginStates.stateHash, hash));
    if (used?.usedAt && used.expiresAt > now) {
      return { platformId: used.platformId, nonce: used.nonce, replay: true };
    }
    return null;
  }
}
