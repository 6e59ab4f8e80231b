import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../../ports/clock.port.js';
import { ltiError } from './lti-errors.js';

/** The algorithms a platform may sign launches with. */
export const LAUNCH_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256'];
/** Clock skew allowed on exp and iat. */
const LEEWAY_SECONDS = 60;

/** What the verifier needs of a platform registration. */
export interface VerifyingPlatform {
  id: string;
  issuer: string;
  clientId: string;
  jwksUrl: string;
}

/** How the platforms' key sets are fetched. */
export interface JwksOptions {
  /** How long a fetched key set is used before it is fetched again. */
  cacheMaxAgeMs: number;
  /** The least time between fetches (an unknown kid refetches, but not more often). */
  cooldownMs: number;
}

/** The defaults: ten minutes of caching, at most one refetch per 30 s on an unknown kid. */
export const DEFAULT_JWKS_OPTIONS: JwksOptions = { cacheMaxAgeMs: 600_000, cooldownMs: 30_000 };

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies launch id_tokens against each platform's JWKS. One key set per platform, kept
 * between launches; jose refetches it when a token names a kid it does not hold (the
 * platform rotated its key), at most once per cooldown.
 */
export class IdTokenVerifier {
  private readonly sets = new Map<string, { url: string; set: RemoteSet }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: JwksOptions = DEFAULT_JWKS_OPTIONS,
  ) {}

  /**
   * The token's payload when its signature, iss, aud (and azp), exp and iat hold; otherwise
   * the LTI refusal that says which did not.
   */
  async verify(token: string, platform: VerifyingPlatform): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet(platform), {
        issuer: platform.issuer,
        audience: platform.clientId,
        algorithms: LAUNCH_ALGORITHMS,
        clockTolerance: LEEWAY_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ['iat', 'exp'],
      }));
    } catch (error) {
      throw refusalOf(error);
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    // With several audiences the token must say it was issued for this tool (LTI Core 5.1.3).
    if ((aud.length > 1 || payload.azp !== undefined) && payload.azp !== platform.clientId) {
      throw ltiError('LTI_BAD_AUDIENCE', 'azp is not the client id');
    }
    const iat = payload.iat ?? 0;
    if (iat * 1000 > this.clock.now().getTime() + LEEWAY_SECONDS * 1000) {
      throw ltiError('LTI_TOKEN_EXPIRED', 'iat is in the future');
    }
    return payload;
  }

  private keySet(platform: VerifyingPlatform): RemoteSet {
    const known = this.sets.get(platform.id);
    if (known?.url === platform.jwksUrl) return known.set;
    const set = createRemoteJWKSet(new URL(platform.jwksUrl), {
      cacheMaxAge: this.options.cacheMaxAgeMs,
      cooldownDuration: this.options.cooldownMs,
      timeoutDuration: 5000,
    });
    this.sets.set(platform.id, { url: platform.jwksUrl, set });
    return set;
  }
}

/** The refusal for what jose found wrong with a token. */
function refusalOf(error: unknown) {
  if (error instanceof joseErrors.JWTExpired) return ltiError('LTI_TOKEN_EXPIRED', 'exp passed');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const cause = `${error.claim}: ${error.reason}`;
    if (error.claim === 'iss') return ltiError('LTI_UNKNOWN_ISSUER', cause);
    if (error.claim === 'aud') return ltiError('LTI_BAD_AUDIENCE', cause);
    if (error.claim === 'iat' || error.claim === 'nbf' || error.claim === 'exp') {
      return ltiError('LTI_TOKEN_EXPIRED', cause);
    }
    return ltiError('LTI_BAD_MESSAGE', cause);
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  ) {
    return ltiError('LTI_BAD_SIGNATURE', error.code);
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return ltiError('LTI_BAD_SIGNATURE', `platform JWKS unusable: ${error.code}`);
  }
  if (error instanceof joseErrors.JOSEError) return ltiError('LTI_BAD_MESSAGE', error.code);
  // The key set could not be fetched at all (network, status): the platform's keys are unknown.
  return ltiError(
    'LTI_BAD_SIGNATURE',
    `platform JWKS not fetched: ${error instanceof Error ? error.message : String(error)}`,
  );
}
