import { z } from 'zod';
import { IceServer } from '@invigil/contracts';
import { int } from './env-values.js';

const ICE_URL = /^(stun|stuns|turn|turns):[^\s]+$/;

/** ICE_SERVERS: a JSON array of RTCIceServer objects, each URL a stun:/turn:/turns: one. */
const iceServers = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Must be a JSON array of ICE servers' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      IceServer.refine(
        (s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).every((u) => ICE_URL.test(u)),
        { message: 'Each ICE server URL must start with stun:, stuns:, turn: or turns:' },
      ),
      { message: 'Must be a JSON array of ICE servers' },
    ),
  );

/** TURN_URLS: comma-separated turn:/turns: URLs. */
const turnUrls = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
  )
  .pipe(
    z
      .array(z.string().regex(/^turns?:[^\s]+$/, 'Each TURN URL must start with turn: or turns:'))
      .min(1),
  );

/**
 * Live views and calls (WebRTC): how browsers reach each other (ICE, TURN) and the limits and
 * timeouts of a link. Together because a deployment behind NAT changes them as one.
 */
export const LIVE_ENV = {
  ICE_SERVERS: iceServers
    .optional()
    .describe(
      'Extra ICE servers for live views and calls, a JSON array of RTCIceServer, e.g. [{"urls":"stun:stun.example.org:3478"}]. Unset: none (host candidates only, enough on one LAN or loopback).',
    ),
  TURN_URLS: turnUrls
    .optional()
    .describe(
      'TURN relay URLs for live views and calls, comma-separated, e.g. turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349. Needs TURN_SECRET.',
    ),
  TURN_SECRET: z
    .string()
    .min(16, { message: 'Must be at least 16 characters' })
    .optional()
    .describe(
      'Shared secret of the TURN server (coturn use-auth-secret / static-auth-secret); browsers get short-lived credentials derived from it, never the secret. Never logged.',
    ),
  TURN_TTL_SECONDS: int(60, 7 * 24 * 3600)
    .default(3600)
    .describe('How long the TURN credentials handed to a browser stay valid.'),
  RTC_MAX_VIEWERS: int(1, 20)
    .default(2)
    .describe('Proctors who may have a live view or call open on one session at the same time.'),
  RTC_CONNECT_TIMEOUT_SECONDS: int(5, 600)
    .default(30)
    .describe(
      'A live view or call not connected (or reconnected) within this many seconds ends as timed out.',
    ),
  RTC_RING_TIMEOUT_SECONDS: int(5, 600)
    .default(45)
    .describe('A call the student has not answered within this many seconds ends as timed out.'),
} as const;

/** The live settings once parsed, all this file's functions need. */
type LiveEnv = z.infer<z.ZodObject<typeof LIVE_ENV>>;

/** Settings of live views and calls between proctors' and students' browsers. */
export interface RtcConfig {
  /** ICE servers given to browsers as they are (STUN, or TURN with fixed credentials). */
  iceServers: IceServer[];
  /** TURN with short-lived credentials (coturn use-auth-secret); undefined = none. */
  turn?: { urls: string[]; secret: string; ttlSeconds: number } | undefined;
  /** Proctors with open links on one session at most. */
  maxViewers: number;
  /** A link not live this long after (re)connecting began ends `timeout`. */
  connectTimeoutMs: number;
  /** A call still ringing this long ends `timeout`. */
  ringTimeoutMs: number;
  /** How long a student's page may be away (a reload) before their links end; tests shorten it. */
  studentLeftGraceMs?: number;
  /** How long a proctor's dropped socket may take to come back and re-claim its links (default 3 s). */
  ownerLeftGraceMs?: number;
}

/**
 * TURN given only in part: reported at start-up, since otherwise calls across NATs would
 * quietly fail to connect.
 */
export function liveProblems(e: LiveEnv): string[] {
  const problems: string[] = [];
  if (e.TURN_URLS && !e.TURN_SECRET) {
    problems.push('TURN_URLS is set but TURN_SECRET is not: browsers could not sign in to TURN');
  }
  if (e.TURN_SECRET && !e.TURN_URLS) {
    problems.push('TURN_SECRET is set but TURN_URLS is not: there is no TURN server to use it');
  }
  return problems;
}

/** The live settings in milliseconds; TURN only when both its URLs and its secret are set. */
export function rtcConfig(e: LiveEnv): RtcConfig {
  return {
    iceServers: e.ICE_SERVERS ?? [],
    turn:
      e.TURN_URLS && e.TURN_SECRET
        ? { urls: e.TURN_URLS, secret: e.TURN_SECRET, ttlSeconds: e.TURN_TTL_SECONDS }
        : undefined,
    maxViewers: e.RTC_MAX_VIEWERS,
    connectTimeoutMs: e.RTC_CONNECT_TIMEOUT_SECONDS * 1000,
    ringTimeoutMs: e.RTC_RING_TIMEOUT_SECONDS * 1000,
  };
}
