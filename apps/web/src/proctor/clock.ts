import { useSyncExternalStore } from 'react';

/**
 * One shared one-second clock for every countdown and "last upload" label on the page:
 * a single timer however many tiles there are, and only the small components that show a
 * time re-render each second (the tiles themselves stay memoised). The time is the
 * server's, as far as heartbeats tell (see setServerOffset).
 */

let offsetMs = 0;
let now = Date.now();
let timer: number | undefined;
const listeners = new Set<() => void>();

function tick() {
  now = Date.now() + offsetMs;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now() + offsetMs;
    timer = window.setInterval(tick, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      window.clearInterval(timer);
      timer = undefined;
    }
  };
}

const read = () => now;

/** The current (server) time in ms, updated once a second. */
export function useSecondClock(): number {
  return useSyncExternalStore(subscribe, read, read);
}

/**
 * Aligns the clock with the server's (from a heartbeat's `serverTime`), so "last upload
 * 12 s ago" and countdowns do not depend on the proctor's computer clock.
 */
export function setServerOffset(serverTime: string): void {
  const server = Date.parse(serverTime);
  if (Number.isNaN(server)) return;
  offsetMs = server - Date.now();
}

/** The server time now, for code outside rendering. */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
