import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { bearerToken, oauthError, readForm, sendJson } from './http.js';
import type { PlatformState } from './state.js';
import { LTI_SCOPES } from './types.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_LIFETIME_S = 3600;
const SUPPORTED_SCOPES = new Set<string>(Object.values(LTI_SCOPES));

/** Access tokens the token endpoint granted, and the check the service endpoints make. */
export class AccessTokens {
  private readonly granted = new Map<string, { scopes: string[]; expiresAt: number }>();

  /** A new bearer token for `scopes`. */
  issue(scopes: string[]): string {
    const token = randomBytes(24).toString('base64url');
    this.granted.set(token, { scopes, expiresAt: Date.now() + TOKEN_LIFETIME_S * 1000 });
    return token;
  }

  /**
   * Throws 401 unless the request carries a live token, and 403 unless it has one of
   * `anyOf` (as RFC 6750 says: invalid_token, insufficient_scope).
   */
  require(req: http.IncomingMessage, anyOf: string[]): void {
    const token = bearerToken(req);
    const grant = token ? this.granted.get(token) : undefined;
    if (!grant || grant.expiresAt < Date.now()) {
      throw oauthError(401, 'invalid_token', 'a valid bearer token is required', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    if (!anyOf.some((s) => grant.scopes.includes(s))) {
      throw oauthError(403, 'insufficient_scope', `needs one of: ${anyOf.join(' ')}`, {
        'www-authenticate': 'Bearer error="insufficient_scope"',
      });
    }
  }
}

/**
 * POST /token: the client_credentials grant with a JWT client assertion signed by a key at
 * the tool's JWKS (iss = sub = client_id, aud = the token URL, unexpired, jti never seen).
 */
export async function handleToken(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const form = await readForm(req);
  if (form.get('grant_type') !== 'client_credentials') {
    throw oauthError(400, 'unsupported_grant_type', 'only client_credentials is supported');
  }
  if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
    throw oauthError(400, 'invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
  }
  const assertion = form.get('client_assertion');
  if (!assertion) throw oauthError(400, 'invalid_request', 'client_assertion is missing');
  const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) throw oauthError(400, 'invalid_request', 'scope is missing');

  await verifyAssertion(state, assertion);
  const scopes = requested.filter((s) => SUPPORTED_SCOPES.has(s));
  if (scopes.length === 0) throw oauthError(400, 'invalid_scope', 'no supported scope requested');
  state.tokenRequests.push({ scopes });
  sendJson(res, 200, {
    access_token: state.tokens.issue(scopes),
    token_type: 'Bearer',
    expires_in: TOKEN_LIFETIME_S,
    scope: scopes.join(' '),
  });
}

async function verifyAssertion(state: PlatformState, assertion: string): Promise<void> {
  let jti: unknown;
  try {
    const payload = await state.toolJwt.verify(assertion, {
      issuer: state.clientId,
      subject: state.clientId,
      audience: state.tokenAudience,
      required: ['jti'],
    });
    jti = payload.jti;
  } catch (err) {
    throw oauthError(401, 'invalid_client', `client assertion refused: ${(err as Error).message}`);
  }
  if (typeof jti !== 'string' || state.assertionJtis.has(jti)) {
    throw oauthError(401, 'invalid_client', 'client assertion jti was already used');
  }
  state.assertionJtis.add(jti);
}
