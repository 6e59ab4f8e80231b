import * as client from 'openid-client';
import type { OidcConfig } from '../../config/config.js';
import type { Claims } from './oidc-claims.js';
import { ssoError } from './oidc-errors.js';

/** What a started sign-in must remember until the provider sends the browser back. */
export interface OidcFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** How long the provider may take to answer one request (discovery, token, userinfo). */
const TIMEOUT_SECONDS = 10;

/**
 * The provider as openid-client speaks to it. Discovery happens at the first sign-in, not at
 * start-up (a provider that is down must not keep Invigil from starting), and is kept once it
 * worked; a failed one is tried again at the next sign-in.
 */
export class OidcClient {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(private readonly settings: OidcConfig) {}

  /** The provider's configuration; SSO_UNAVAILABLE when it cannot be read. */
  private async configuration(): Promise<client.Configuration> {
    this.discovered ??= client
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.settings.clientSecret,
        undefined,
        {
          timeout: TIMEOUT_SECONDS,
          // Plain http is refused in production by the configuration check (env-oidc.ts).
          ...(this.settings.issuer.startsWith('http:') && {
            execute: [client.allowInsecureRequests],
          }),
        },
      )
      .catch((error: unknown) => {
        this.discovered = undefined;
        throw error;
      });
    try {
      return await this.discovered;
    } catch (error) {
      throw ssoError('SSO_UNAVAILABLE', undefined, describe(error));
    }
  }

  /** The provider's authorization URL for a new sign-in, and what to remember for its return. */
  async begin(redirectUri: string): Promise<{ url: URL; flow: OidcFlow }> {
    const config = await this.configuration();
    const flow: OidcFlow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, flow };
  }

  /**
   * Exchange the code the provider sent back (`callbackUrl`: the redirect URI with the query
   * received) and return the claims: the ID token's, validated by openid-client (signature,
   * issuer, audience, expiry, nonce), completed by the userinfo answer for the same subject.
   */
  async finish(callbackUrl: URL, flow: OidcFlow): Promise<Claims> {
    const config = await this.configuration();
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw ssoError('SSO_TOKEN_INVALID');
      const userinfo = config.serverMetadata().userinfo_endpoint
        ? await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)
        : {};
      // The signed ID token wins where both say something.
      return { ...userinfo, ...idClaims };
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) {
        throw ssoError('SSO_DENIED', { error: error.error }, describe(error));
      }
      if (unreachable(error)) throw ssoError('SSO_UNAVAILABLE', undefined, describe(error));
      if (error instanceof client.ResponseBodyError || error instanceof client.ClientError) {
        throw ssoError('SSO_TOKEN_INVALID', undefined, describe(error));
      }
      throw error;
    }
  }
}

/** A network failure or time-out (fetch throws TypeError, the timeout a DOMException). */
function unreachable(error: unknown): boolean {
  return (
    (error instanceof TypeError && error.message === 'fetch failed') ||
    (error instanceof DOMException &&
      (error.name === 'TimeoutError' || error.name === 'AbortError'))
  );
}

/** A short, secret-free description of a provider error, for the log and the audit entry. */
function describe(error: unknown): string {
  if (error instanceof client.ResponseBodyError) return `${error.error}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return 'unknown error';
}
