import { eq } from 'drizzle-orm';
import { SignupSettings } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { settings } from '../../db/schema.js';
import { appendAudit } from '../audit/audit.service.js';
import type { Actor } from './actor.js';
import type { Db } from '../../db/database.js';

const SIGNUP_KEY = 'signup';
const SIGNUP_DEFAULT: SignupSettings = { enabled: false, allowedDomains: [] };

/** Self sign-up settings: off until an admin turns them on. */
export async function getSignupSettings(db: DbOrTx): Promise<SignupSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, SIGNUP_KEY));
  const parsed = SignupSettings.safeParse(row?.value);
  return parsed.success ? parsed.data : SIGNUP_DEFAULT;
}

/** Replace the self sign-up settings (admin), audited. */
export async function setSignupSettings(
  db: Db,
  actor: Actor,
  value: SignupSettings,
): Promise<SignupSettings> {
  const allowedDomains = [...new Set(value.allowedDomains)];
  const next = { enabled: value.enabled, allowedDomains };
  await db.transaction(async (tx) => {
    await tx
      .insert(settings)
      .values({ key: SIGNUP_KEY, value: next })
      .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: new Date() } });
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'settings.signup.update',
      entityType: 'settings',
      entityId: SIGNUP_KEY,
      data: next,
    });
  });
  return next;
}

/** True when `email`'s domain is allowed (an empty list allows every domain). */
export function emailDomainAllowed(email: string, allowedDomains: readonly string[]): boolean {
  if (allowedDomains.length === 0) return true;
  const domain = email.toLowerCase().split('@')[1] ?? '';
  return allowedDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
}
