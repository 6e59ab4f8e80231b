import { z } from 'zod';
import type { OidcFlow } from '../../services/accounts/oidc-client.js';

/** The cookie that carries a started sign-in to the provider and back. */
export const FLOW_COOKIE = 'invigil_oidc';
/** Only the single sign-on routes read it. */
export const FLOW_COOKIE_PATH = '/api/auth/oidc';
/** How long a person has to sign in at the provider. */
export const FLOW_SECONDS = 10 * 60;

const Stored = z.strictObject({
  s: z.string().min(1).max(200),
  n: z.string().min(1).max(200),
  v: z.string().min(43).max(128),
  t: z.number().int(),
});

/**
 * The flow as the cookie's value. It holds only random values this server made for this
 * browser (state, nonce, PKCE verifier), so it needs no signature: whoever could plant one
 * could as well have started a sign-in here and kept the cookie. It is httpOnly, lives ten
 * minutes and is SameSite=Lax, since the provider's redirect back is a cross-site navigation.
 */
export function encodeFlow(flow: OidcFlow, nowMs: number): string {
  const stored: z.infer<typeof Stored> = {
    s: flow.state,
    n: flow.nonce,
    v: flow.codeVerifier,
    t: nowMs,
  };
  return Buffer.from(JSON.stringify(stored)).toString('base64url');
}

/** The flow a cookie carries; null when absent, malformed or older than FLOW_SECONDS. */
export function decodeFlow(value: string | undefined, nowMs: number): OidcFlow | null {
  if (!value || value.length > 2048) return null;
  try {
    const parsed = Stored.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    if (!parsed.success) return null;
    const { s, n, v, t } = parsed.data;
    if (nowMs - t > FLOW_SECONDS * 1000 || t - nowMs > 60_000) return null;
    return { state: s, nonce: n, codeVerifier: v };
  } catch {
    return null;
  }
}
