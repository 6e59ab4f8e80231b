import type { ltiPlatforms } from '../../db/schema-lti.js';
import {
  LTI_SERVICE_TIMEOUT_MS,
  LtiServiceError,
  reason,
  type LtiServiceTokens,
} from './service-tokens.js';

type PlatformRow = typeof ltiPlatforms.$inferSelect;

/** One call to a platform's Advantage service. */
export interface ServiceCall {
  method: 'GET' | 'POST';
  url: string;
  scopes: readonly string[];
  accept: string;
  contentType?: string;
  body?: unknown;
}

/**
 * Call a platform's service (NRPS, AGS) with a bearer token for `scopes`. A 401 forgets the
 * cached token and tries once more with a new one (the platform may have revoked it).
 * Anything but a 2xx is an LtiServiceError saying what the platform answered.
 */
export async function callService(
  tokens: LtiServiceTokens,
  platform: PlatformRow,
  call: ServiceCall,
): Promise<Response> {
  for (let round = 0; ; round += 1) {
    const token = await tokens.get(platform, call.scopes);
    let res: Response;
    try {
      res = await fetch(call.url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: call.accept,
          ...(call.contentType && { 'content-type': call.contentType }),
        },
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(LTI_SERVICE_TIMEOUT_MS),
      });
    } catch (error) {
      throw new LtiServiceError(`The platform cannot be reached (${reason(error)})`);
    }
    if (res.ok) return res;
    if (res.status === 401 && round === 0) {
      tokens.forget(platform.id);
      continue;
    }
    const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new LtiServiceError(
      `The platform answered HTTP ${res.status}${text ? `: ${text}` : ''}`,
      res.status,
    );
  }
}

/** The URL of a `rel="next"` entry of a Link header, if any (RFC 8288). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

/** `${lineItemUrl}/scores` with the line item's query kept after the path (Moodle adds one). */
export function scoresUrl(lineItemUrl: string): string {
  const u = new URL(lineItemUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/scores`;
  return u.toString();
}
