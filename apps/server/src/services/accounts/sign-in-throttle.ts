import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/database.js';
import { knownDevices, signInThrottles } from '../../db/schema.js';

/** How failed sign-ins slow further attempts. */
export interface ThrottlePolicy {
  /** Failures from one address at one account before attempts there are slowed. */
  freeFailures: number;
  /** The longest wait, however many failures. */
  maxDelayMs: number;
}

/** Failures at one account, from every address, before it is slowed for unknown browsers. */
export const ACCOUNT_FACTOR = 4;
/** Failures older than this are forgotten. */
export const FORGET_AFTER_MS = 24 * 60 * 60_000;

/**
 * The wait after the n-th failure: none while within the free failures, then 2 s, 4 s, 8 s …
 * doubling up to `maxMs`. Growing delays keep guessing slow without ever locking anyone out.
 */
export function throttleDelayMs(failures: number, free: number, maxMs: number): number {
  if (failures <= free) return 0;
  return Math.min(maxMs, 1000 * 2 ** Math.min(30, failures - free));
}

const hash = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

/** The e-mail as the throttle counts it: what was typed, trimmed and lower-cased. */
const normal = (email: string) => email.trim().toLowerCase();

/** Throttle keys: per (address, account) and per account, hashed (see `signInThrottles`). */
export function throttleKeys(email: string, ip: string | null) {
  const account = hash('account', normal(email));
  return { account, pair: hash('pair', normal(email), ip ?? '') };
}

/** Why an attempt must wait, and until when. */
export interface Throttled {
  scope: 'address' | 'account';
  until: Date;
}

/** What recording a failure did: a scope that has just started to be slowed. */
export interface FailureRecorded {
  started: Throttled | undefined;
}

/**
 * Sign-in throttling in place of a lockout anyone could trigger: failures are counted per
 * (address, account) — a guesser's own address is slowed — and per account across all
 * addresses, where browsers the account signed in from before are exempt (so someone who knows
 * a student's e-mail cannot keep the student out). Counting is one atomic upsert per key, so
 * parallel guesses are all counted. Unknown and existing accounts are treated alike.
 */
export class SignInThrottle {
  constructor(
    private readonly db: Db,
    private readonly policy: ThrottlePolicy,
  ) {}

  /** The wait this attempt is under, if any (the account's only for an unknown browser). */
  async check(
    email: string,
    ip: string | null,
    knownBrowser: boolean,
    now: Date,
  ): Promise<Throttled | undefined> {
    const keys = throttleKeys(email, ip);
    const wanted = knownBrowser ? [keys.pair] : [keys.pair, keys.account];
    const rows = await this.db
      .select({ key: signInThrottles.key, until: signInThrottles.blockedUntil })
      .from(signInThrottles)
      .where(and(inArray(signInThrottles.key, wanted), gt(signInThrottles.blockedUntil, now)));
    const longest = rows.sort((a, b) => (b.until?.getTime() ?? 0) - (a.until?.getTime() ?? 0))[0];
    if (!longest?.until) return undefined;
    return { scope: longest.key === keys.pair ? 'address' : 'account', until: longest.until };
  }

  /** Count a failed attempt under both keys (in the caller's transaction). */
  async failed(tx: DbOrTx, email: string, ip: string | null, now: Date): Promise<FailureRecorded> {
    const keys = throttleKeys(email, ip);
    const free = this.policy.freeFailures;
    const pair = await this.count(tx, keys.pair, keys.account, now, free);
    const account = await this.count(tx, keys.account, keys.account, now, free * ACCOUNT_FACTOR);
    return { started: pair ?? account };
  }

  /** A successful sign-in forgets this address's failures and the account's. */
  async succeeded(email: string, ip: string | null): Promise<void> {
    const keys = throttleKeys(email, ip);
    await this.db
      .delete(signInThrottles)
      .where(inArray(signInThrottles.key, [keys.pair, keys.account]));
  }

  /** One atomic increment; returns the wait it started, if this failure started one. */
  private async count(
    tx: DbOrTx,
    key: string,
    account: string,
    now: Date,
    free: number,
  ): Promise<Throttled | undefined> {
    const t = signInThrottles;
    const forgetBefore = new Date(now.getTime() - FORGET_AFTER_MS);
    const [row] = await tx
      .insert(t)
      .values({ key, account, failures: 1, lastFailureAt: now })
      .onConflictDoUpdate({
        target: t.key,
        set: {
          failures: sql`case when ${t.lastFailureAt} < ${forgetBefore.toISOString()}::timestamptz then 1 else ${t.failures} + 1 end`,
          lastFailureAt: now,
        },
      })
      .returning({ failures: t.failures });
    const failures = row?.failures ?? 1;
    const delay = throttleDelayMs(failures, free, this.policy.maxDelayMs);
    if (delay === 0) return undefined;
    const until = new Date(now.getTime() + delay);
    // Parallel failures each set a wait: the longest stands.
    await tx
      .update(t)
      .set({
        blockedUntil: sql`greatest(coalesce(${t.blockedUntil}, ${until.toISOString()}::timestamptz), ${until.toISOString()}::timestamptz)`,
      })
      .where(eq(t.key, key));
    return failures === free + 1
      ? { scope: key === account ? 'account' : 'address', until }
      : undefined;
  }
}

/** A new password (reset, or set by an admin) forgets every failed sign-in at the account. */
export async function clearSignInFailures(db: DbOrTx, email: string): Promise<void> {
  await db
    .delete(signInThrottles)
    .where(eq(signInThrottles.account, throttleKeys(email, null).account));
}

/** A browser's token for the known-device cookie, and where it is kept hashed. */
export class KnownDevices {
  constructor(private readonly db: Db) {}

  /** Whether `token` is a browser `userId` signed in from before; marks it used. */
  async known(userId: string, token: string | undefined, now: Date): Promise<boolean> {
    if (!token || token.length > 200) return false;
    const rows = await this.db
      .update(knownDevices)
      .set({ lastUsedAt: now })
      .where(
        and(eq(knownDevices.tokenHash, hash('device', token)), eq(knownDevices.userId, userId)),
      )
      .returning({ userId: knownDevices.userId });
    return rows.length > 0;
  }

  /** Remember a new browser for `userId`; returns the token its cookie carries. */
  async remember(userId: string, now: Date): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.db
      .insert(knownDevices)
      .values({ tokenHash: hash('device', token), userId, createdAt: now, lastUsedAt: now });
    return token;
  }
}
