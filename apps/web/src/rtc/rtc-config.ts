import type { IceServer } from '@invigil/contracts';

/**
 * localStorage key that forces TURN relay (`iceTransportPolicy: 'relay'`) when set to '1'.
 * For tests and for checking a TURN server by hand; the query flag `?rtcRelay=1` does the
 * same for one page. Without either, every candidate type is used ('all').
 */
export const RELAY_STORAGE_KEY = 'invigil.rtc.relay';

/**
 * How long a link may take to connect (or reconnect) before the page gives up, when the
 * server does not say (`IceServersResponse.connectTimeoutSeconds`, its RTC_CONNECT_TIMEOUT).
 */
export const CONNECT_TIMEOUT_MS = 30_000;

/** Where the relay flag is read from (the page's own in the browser). */
export interface RelaySources {
  search: string;
  storage: Pick<Storage, 'getItem'> | null;
}

function pageSources(): RelaySources {
  if (typeof window === 'undefined') return { search: '', storage: null };
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {
    // Storage blocked (privacy settings): no flag.
  }
  return { search: window.location.search, storage };
}

/** True when the relay flag is present (query `rtcRelay=1` or localStorage, see above). */
export function forcedRelay(sources: RelaySources = pageSources()): boolean {
  if (new URLSearchParams(sources.search).get('rtcRelay') === '1') return true;
  try {
    return sources.storage?.getItem(RELAY_STORAGE_KEY) === '1';
  } catch {
    return false;
  }
}

/** The RTCPeerConnection configuration for the server's ICE servers. */
export function rtcConfiguration(
  iceServers: readonly IceServer[],
  relay: boolean = forcedRelay(),
): RTCConfiguration {
  return {
    iceServers: iceServers.map((s) => ({ ...s })),
    iceTransportPolicy: relay ? 'relay' : 'all',
    bundlePolicy: 'max-bundle',
  };
}

/** States in which an attempt can be watched or called (the server refuses others). */
export function isWatchable(state: string): boolean {
  return state === 'in_progress' || state === 'paused';
}

/** Roles that open live views and calls (the server refuses instructors and students). */
export function mayOpenLinks(role: string): boolean {
  return role === 'proctor' || role === 'admin';
}
