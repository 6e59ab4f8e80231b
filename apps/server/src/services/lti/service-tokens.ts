import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ltiPlatforms } from '../../db/schema-lti.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ToolSigningKey } from './tool-keys.js';

type PlatformRow = typeof ltiPlatforms.$inferSelect;

/** The Advantage service scopes Invigil asks platforms for. */
export const LTI_SCOPES = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
} as const;

/** How long a platform's service call may take before it counts as failed. */
export const LTI_SERVICE_TIMEOUT_MS = 15_000;

/** A failed call to a platform's service, with a short reason fit for staff to read. */
export class LtiServiceError extends Error {
  override name = 'LtiServiceError';
  constructor(
    message: string,
    /** The HTTP status the platform answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What the service tokens need: the tool's signing key. */
export interface LtiSigner {
  signingKey(): Promise<ToolSigningKey>;
}

interface CachedToken {
  token: string;
  /** When to stop using it (60 s before the platform said it expires). */
  untilMs: number;
}

/** Tokens live this long when a platform does not say (the spec's usual hour, kept short). */
const DEFAULT_EXPIRES_S = 300;
const EARLY_S = 60;

/**
 * Access tokens for a platform's Advantage services (NRPS, AGS): the OAuth 2 client
 * credentials grant with a JWT client assertion signed by the tool key (LTI Security
 * Framework §4.1). A token is reused per (platform, scopes) until a minute before it expires.
 */
export class LtiServiceTokens {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly keys: LtiSigner,
    private readonly clock: Clock,
  ) {}

  /** A bearer token for `scopes` at `platform`; LtiServiceError when the platform refuses. */
  async get(platform: PlatformRow, scopes: readonly string[]): Promise<string> {
    const scope = [...new Set(scopes)].sort().join(' ');
    const cacheKey = `${platform.id} ${platform.authTokenUrl} ${platform.clientId} ${scope}`;
    const nowMs = this.clock.now().getTime();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.untilMs > nowMs) return cached.token;

    const assertion = await this.assertion(platform);
    let res: Response;
    try {
      res = await fetch(platform.authTokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope,
        }),
        signal: AbortSignal.timeout(LTI_SERVICE_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (error) {
      throw new LtiServiceError(
        `The platform's token endpoint cannot be reached (${reason(error)})`,
      );
    }
    const body = (await res.json().catch(() => null)) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    } | null;
    if (!res.ok || typeof body?.access_token !== 'string') {
      const said = typeof body?.error === 'string' ? `: ${body.error.slice(0, 100)}` : '';
      throw new LtiServiceError(
        `The platform refused a service token (HTTP ${res.status}${said})`,
        res.status,
      );
    }
    const expiresS =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : DEFAULT_EXPIRES_S;
    this.cache.set(cacheKey, {
      token: body.access_token,
      untilMs: nowMs + Math.max(0, expiresS - EARLY_S) * 1000,
    });
    return body.access_token;
  }

  /** Forget the cached tokens of a platform (a service said the token is no longer valid). */
  forget(platformId: string): void {
    for (const key of this.cache.keys()) {
      if (key.startsWith(`${platformId} `)) this.cache.delete(key);
    }
  }

  private async assertion(platform: PlatformRow): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    const nowS = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(platform.clientId)
      .setSubject(platform.clientId)
      .setAudience(platform.tokenAudience ?? platform.authTokenUrl)
      .setJti(randomUUID())
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 300)
      .sign(key);
  }
}

/** A short reason of a network error (no URL or token in it). */
export function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (error.name === 'TimeoutError') return 'timed out';
    if (cause && typeof cause.code === 'string') return cause.code;
    return error.message.slice(0, 120);
  }
  return 'unknown error';
}
