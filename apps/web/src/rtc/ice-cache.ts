import type { IceServersResponse } from '@invigil/contracts';

/** Credentials are reused until this long before they expire, never closer. */
const MARGIN_MS = 5 * 60_000;
/** Without an expiry (no TURN configured), the answer is kept this long. */
const NO_EXPIRY_KEEP_MS = 10 * 60_000;

/**
 * Wraps the ICE-servers request so a link does not wait for it: the first call starts the
 * request, later calls share it while its TURN credentials stay valid (minus a margin), and a
 * failed request is forgotten so the next call tries again. Calling it when a link is
 * announced warms it before the offer arrives — one request fewer on the way to the first frame.
 */
export function cachedIceServers(
  fetch: () => Promise<IceServersResponse>,
  now: () => number = Date.now,
): () => Promise<IceServersResponse> {
  let cached: { answer: Promise<IceServersResponse>; until: number } | null = null;
  return () => {
    if (cached && now() < cached.until) return cached.answer;
    const answer = fetch();
    const entry = { answer, until: Number.POSITIVE_INFINITY };
    cached = entry;
    answer.then(
      (r) => {
        const expires = r.expiresAt === null ? Number.NaN : Date.parse(r.expiresAt);
        entry.until = Number.isNaN(expires) ? now() + NO_EXPIRY_KEEP_MS : expires - MARGIN_MS;
      },
      () => {
        if (cached === entry) cached = null;
      },
    );
    return answer;
  };
}
