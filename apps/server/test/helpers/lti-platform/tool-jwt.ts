import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Algorithms the emulator accepts from the tool (LTI requires RS256 support). */
const TOOL_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256'];

/**
 * Verifies JWTs the tool signs (client assertions, deep-linking responses) against the keys
 * published at `${toolBaseUrl}/lti/jwks`, fetched like a platform does: cached, and fetched
 * again at once when a kid is unknown (no cooldown, so a tool key rotation in a test is seen).
 */
export class ToolJwtVerifier {
  private readonly sets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly baseUrl: () => string | null) {}

  /** The tool's JWKS URL. */
  jwksUrl(): string {
    const base = this.baseUrl();
    if (!base) throw new Error('the tool is not known yet: call setTool()');
    return `${base}/lti/jwks`;
  }

  /** The payload of a valid `jwt` from the tool; throws (a jose error) otherwise. */
  async verify(
    jwt: string,
    o: { issuer: string; audience: string; subject?: string; required?: string[] },
  ): Promise<JWTPayload> {
    const url = this.jwksUrl();
    let keys = this.sets.get(url);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(url), { cooldownDuration: 0, cacheMaxAge: 60_000 });
      this.sets.set(url, keys);
    }
    const { payload } = await jwtVerify(jwt, keys, {
      issuer: o.issuer,
      audience: o.audience,
      ...(o.subject === undefined ? {} : { subject: o.subject }),
      algorithms: TOOL_ALGS,
      clockTolerance: 5,
      requiredClaims: ['exp', 'iat', ...(o.required ?? [])],
    });
    return payload;
  }
}
