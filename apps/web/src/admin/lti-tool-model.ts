import type { LtiToolKey } from '@invigil/contracts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why the tool's base URL will not work with a hosted LMS, or null when it is fine: LMSs only
 * launch https tools, and the cross-site cookies a framed launch needs are Secure-only.
 * Plain http is accepted for this machine (trying things out).
 */
export function baseUrlProblem(baseUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return 'The public address of this server is not a valid URL: set PUBLIC_URL.';
  }
  if (url.protocol === 'https:') return null;
  if (LOCAL_HOSTS.has(url.hostname)) return null;
  return (
    `This server's public address is ${url.origin}, not https. LMSs refuse plain http tools ` +
    'and browsers drop the cookies of a framed launch: set PUBLIC_URL to the https address.'
  );
}

/** The state of a tool key, for the keys table. */
export interface KeyState {
  label: string;
  className: string;
  /** What happens to it next, in words. */
  detail: string;
}

/** Whether a key signs, is still published for platforms' caches, or is gone from the JWKS. */
export function keyState(key: LtiToolKey, now: number, format: (iso: string) => string): KeyState {
  if (key.retiredAt === null) {
    return { label: 'Signing', className: 'badge badge-published', detail: 'Signs new messages.' };
  }
  if (key.publishedUntil && Date.parse(key.publishedUntil) > now) {
    return {
      label: 'Retired',
      className: 'badge badge-draft',
      detail: `Still published until ${format(key.publishedUntil)}, so platforms that cached it keep working.`,
    };
  }
  return {
    label: 'Unpublished',
    className: 'badge badge-archived',
    detail: 'No longer in the key set.',
  };
}

/** Keys in display order: the signing key first, then the newest retired ones. */
export function sortKeys(keys: readonly LtiToolKey[]): LtiToolKey[] {
  return [...keys].sort((a, b) => {
    if ((a.retiredAt === null) !== (b.retiredAt === null)) return a.retiredAt === null ? -1 : 1;
    return Date.parse(b.createdAt) - Date.parse(a.createdAt);
  });
}

/** "Valid for 23 hours" / "Valid for 12 minutes" / "Expired" for an invite's expiry. */
export function validFor(expiresAt: string, now: number): string {
  const minutes = Math.floor((Date.parse(expiresAt) - now) / 60_000);
  if (Number.isNaN(minutes) || minutes <= 0) return 'Expired';
  if (minutes < 60) return `Valid for ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  return `Valid for ${hours} hour${hours === 1 ? '' : 's'}`;
}
