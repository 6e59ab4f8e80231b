import { createHmac } from 'node:crypto';
import type { IceServer, IceServersResponse } from '@invigil/contracts';
import type { RtcConfig } from '../../config/config.js';

/** A TURN server's shared-secret settings (coturn `use-auth-secret`). */
export interface TurnSecret {
  urls: readonly string[];
  secret: string;
  ttlSeconds: number;
}

/**
 * Short-lived TURN credentials by the TURN REST scheme that coturn's `use-auth-secret`
 * checks: username `${expiry}:${userId}` (expiry in Unix seconds), credential the base64
 * HMAC-SHA1 of the username keyed with the shared secret. The secret never leaves the
 * server, and a leaked credential stops working at `expiresAt`.
 */
export function turnCredentials(
  turn: TurnSecret,
  userId: string,
  now: Date,
): { server: IceServer; expiresAt: Date } {
  const expiry = Math.floor(now.getTime() / 1000) + turn.ttlSeconds;
  const username = `${expiry}:${userId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return {
    server: { urls: [...turn.urls], username, credential },
    expiresAt: new Date(expiry * 1000),
  };
}

/**
 * What GET /api/rtc/ice-servers answers: the configured ICE servers as they are, plus the
 * TURN servers with credentials for `userId` when TURN is configured, and the connect
 * timeout the server enforces (so the browser gives up at the same time). No servers at all is
 * valid: two browsers on one LAN (or loopback) connect with host candidates.
 */
export function iceServersFor(rtc: RtcConfig, userId: string, now: Date): IceServersResponse {
  const iceServers: IceServer[] = rtc.iceServers.map((s) => ({ ...s }));
  const connectTimeoutSeconds = Math.max(1, Math.round(rtc.connectTimeoutMs / 1000));
  if (!rtc.turn) return { iceServers, expiresAt: null, connectTimeoutSeconds };
  const { server, expiresAt } = turnCredentials(rtc.turn, userId, now);
  return {
    iceServers: [...iceServers, server],
    expiresAt: expiresAt.toISOString(),
    connectTimeoutSeconds,
  };
}
