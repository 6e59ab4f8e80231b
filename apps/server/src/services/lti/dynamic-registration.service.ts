import { and, eq, gt, isNull } from 'drizzle-orm';
import { LtiPlatformInput, type LtiPlatform, type LtiRegistrationInvite } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { ltiRegistrationInvites } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { appendAudit } from '../audit/audit.service.js';
import type { LtiPlatformService } from './platforms.service.js';
import { newLtiSecret, sha256Hex } from './secrets.js';
import { LTI_SCOPES, LTI_SERVICE_TIMEOUT_MS, reason } from './service-tokens.js';
import { toolRegistration, type ToolUrls } from './tool-registration.js';

/** How long an invitation's URL works. */
export const INVITE_HOURS = 24;
/** The platform's configuration and registration answers are small JSON documents. */
const MAX_BODY_BYTES = 256 * 1024;

const TOOL_CONFIG_CLAIM = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORM_CONFIG_CLAIM = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** A refused registration: the code and status the page shows. */
const inviteInvalid = (status: 404 | 410) =>
  new AppError(
    status,
    'LTI_INVITE_INVALID',
    status === 404
      ? 'This registration link is not valid; ask the Invigil administrator for a new one'
      : 'This registration link was already used or has expired; ask the Invigil administrator for a new one',
  );

/** The platform could not be registered: `status` 400 for a bad request, 502 for the platform. */
export const registrationFailed = (message: string, status: 400 | 502 = 502) =>
  new AppError(status, 'LTI_REGISTRATION_FAILED', message);

/** Whether a platform's URL may be called: https, or http on this machine (development, tests). */
export function allowedPlatformUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  if (url.protocol === 'https:') return url;
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && local ? url : undefined;
}

/** The parts of a platform's OpenID configuration Invigil uses. */
interface PlatformConfiguration {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  registrationEndpoint: string;
  tokenAudience: string | null;
  productFamily: string | null;
}

/**
 * LTI Dynamic Registration 1.0: an admin makes a one-time invitation (its URL valid for
 * INVITE_HOURS); the platform's admin pastes it into the platform, which opens it with its
 * OpenID configuration URL and a registration token. Invigil reads the configuration, registers
 * itself at the platform's registration endpoint, and stores the platform and its deployment.
 * A failed attempt gives the invitation back, so the platform's admin can try again.
 */
export class LtiDynamicRegistration {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platforms: LtiPlatformService,
  ) {}

  /** A new invitation; only its SHA-256 is stored, the URL is shown once. */
  async createInvite(actorId: string, baseUrl: string): Promise<LtiRegistrationInvite> {
    const token = newLtiSecret();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + INVITE_HOURS * 3_600_000);
    await this.db.transaction(async (tx) => {
      await tx
        .insert(ltiRegistrationInvites)
        .values({ tokenHash: sha256Hex(token), createdBy: actorId, createdAt: now, expiresAt });
      await appendAudit(
        tx,
        {
          actorId,
          action: 'lti.registration.invite',
          entityType: 'lti_registration_invite',
          entityId: null,
          data: { expiresAt: expiresAt.toISOString() },
        },
        now,
      );
    });
    return {
      url: `${baseUrl.replace(/\/+$/, '')}/lti/register/${token}`,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /**
   * Register at the platform that opened the invitation's URL. Refusals: LTI_INVITE_INVALID
   * (404 unknown, 410 used or expired), LTI_REGISTRATION_FAILED (400 bad parameters, 502 the
   * platform failed or answered nonsense), LTI_PLATFORM_EXISTS (409).
   */
  async register(
    inviteToken: string,
    query: { openidConfiguration: string; registrationToken?: string | undefined },
    urls: ToolUrls,
  ): Promise<LtiPlatform> {
    const tokenHash = sha256Hex(inviteToken);
    const invite = await this.claim(tokenHash);
    try {
      const configUrl = allowedPlatformUrl(query.openidConfiguration);
      if (!configUrl) {
        throw registrationFailed(
          'The platform’s configuration address must use https (http only on this machine)',
          400,
        );
      }
      const config = await this.platformConfiguration(configUrl);
      const answer = await postJson(
        config.registrationEndpoint,
        toolRegistration(urls, Object.values(LTI_SCOPES)),
        query.registrationToken,
      );
      const clientId = typeof answer.client_id === 'string' ? answer.client_id : undefined;
      const toolConfig = answer[TOOL_CONFIG_CLAIM] as { deployment_id?: unknown } | undefined;
      const deploymentId = toolConfig?.deployment_id;
      if (!clientId) throw registrationFailed('The platform’s registration gave no client ID');
      if (typeof deploymentId !== 'string' || deploymentId === '') {
        throw registrationFailed('The platform’s registration gave no deployment ID');
      }
      const input = LtiPlatformInput.safeParse({
        name: `${config.productFamily ?? 'Learning platform'} (${new URL(config.issuer).host})`,
        issuer: config.issuer,
        clientId,
        authLoginUrl: config.authorizationEndpoint,
        authTokenUrl: config.tokenEndpoint,
        tokenAudience: config.tokenAudience,
        jwksUrl: config.jwksUri,
        deploymentIds: [deploymentId],
      });
      if (!input.success) {
        throw registrationFailed('The platform’s configuration has values Invigil cannot store');
      }
      const platform = await this.platforms.create(invite.createdBy, input.data, 'dynamic');
      await this.complete(tokenHash, invite.createdBy, platform);
      return platform;
    } catch (error) {
      await this.release(tokenHash);
      throw error;
    }
  }

  /** Take the invitation for this attempt (one attempt at a time); refused when it cannot be. */
  private async claim(tokenHash: string) {
    const now = this.clock.now();
    const [claimed] = await this.db
      .update(ltiRegistrationInvites)
      .set({ usedAt: now })
      .where(
        and(
          eq(ltiRegistrationInvites.tokenHash, tokenHash),
          isNull(ltiRegistrationInvites.usedAt),
          gt(ltiRegistrationInvites.expiresAt, now),
        ),
      )
      .returning();
    if (claimed) return claimed;
    const [known] = await this.db
      .select({ tokenHash: ltiRegistrationInvites.tokenHash })
      .from(ltiRegistrationInvites)
      .where(eq(ltiRegistrationInvites.tokenHash, tokenHash));
    throw inviteInvalid(known ? 410 : 404);
  }

  private async release(tokenHash: string) {
    await this.db
      .update(ltiRegistrationInvites)
      .set({ usedAt: null })
      .where(
        and(
          eq(ltiRegistrationInvites.tokenHash, tokenHash),
          isNull(ltiRegistrationInvites.platformId),
        ),
      );
  }

  private async complete(tokenHash: string, actorId: string | null, platform: LtiPlatform) {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await tx
        .update(ltiRegistrationInvites)
        .set({ platformId: platform.id })
        .where(eq(ltiRegistrationInvites.tokenHash, tokenHash));
      await appendAudit(
        tx,
        {
          actorId,
          action: 'lti.registration.complete',
          entityType: 'lti_platform',
          entityId: platform.id,
          data: {
            issuer: platform.issuer,
            clientId: platform.clientId,
            deploymentIds: platform.deploymentIds,
          },
        },
        now,
      );
    });
  }

  /** Fetch and check the platform's OpenID configuration (LTI Dynamic Registration §3.4–3.5). */
  private async platformConfiguration(url: URL): Promise<PlatformConfiguration> {
    const doc = await getJson(url.toString());
    const issuer = allowedPlatformUrl(doc.issuer);
    // The configuration must be published under its issuer's origin: anyone else's document
    // could otherwise name a platform it does not speak for.
    if (!issuer || issuer.origin !== url.origin || !url.href.startsWith(issuer.origin)) {
      throw registrationFailed(
        'The platform’s configuration names an issuer at another address than the configuration itself',
      );
    }
    const endpoint = (key: string) => {
      const value = allowedPlatformUrl(doc[key]);
      if (!value) throw registrationFailed(`The platform’s configuration has no usable ${key}`);
      return value.toString();
    };
    const platformConfig = doc[PLATFORM_CONFIG_CLAIM] as
      { product_family_code?: unknown } | undefined;
    return {
      issuer: doc.issuer as string,
      authorizationEndpoint: endpoint('authorization_endpoint'),
      tokenEndpoint: endpoint('token_endpoint'),
      jwksUri: endpoint('jwks_uri'),
      registrationEndpoint: endpoint('registration_endpoint'),
      tokenAudience:
        typeof doc.authorization_server === 'string' && doc.authorization_server !== ''
          ? doc.authorization_server
          : null,
      productFamily:
        typeof platformConfig?.product_family_code === 'string'
          ? platformConfig.product_family_code.slice(0, 100)
          : null,
    };
  }
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  return readJson(url, () =>
    fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(LTI_SERVICE_TIMEOUT_MS),
      redirect: 'error',
    }),
  );
}

async function postJson(
  url: string,
  body: unknown,
  bearer: string | undefined,
): Promise<Record<string, unknown>> {
  return readJson(url, () =>
    fetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(bearer && { authorization: `Bearer ${bearer}` }),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(LTI_SERVICE_TIMEOUT_MS),
      redirect: 'error',
    }),
  );
}

/** A JSON object answered by the platform, or LTI_REGISTRATION_FAILED saying what went wrong. */
async function readJson(
  url: string,
  call: () => Promise<Response>,
): Promise<Record<string, unknown>> {
  const where = new URL(url).host;
  let res: Response;
  try {
    res = await call();
  } catch (error) {
    throw registrationFailed(`The platform at ${where} cannot be reached (${reason(error)})`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    throw registrationFailed(`The platform at ${where} answered HTTP ${res.status}`);
  }
  if (text.length > MAX_BODY_BYTES) throw registrationFailed(`The platform’s answer is too large`);
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Reported below.
  }
  throw registrationFailed(`The platform at ${where} did not answer with JSON`);
}
