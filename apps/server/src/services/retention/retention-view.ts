import { type LegalHold, RetentionRules } from '@invigil/contracts';
import { iso } from '../sessions/time.js';

/** The legal hold columns that exams and sessions share. */
export interface HoldColumns {
  legalHoldAt: Date | null;
  legalHoldBy: string | null;
  legalHoldReason: string | null;
}

/** The API view of a row's legal hold; null when none is placed. */
export function legalHoldOf(row: HoldColumns): LegalHold | null {
  if (!row.legalHoldAt) return null;
  return {
    placedAt: iso(row.legalHoldAt),
    placedBy: row.legalHoldBy,
    reason: row.legalHoldReason ?? '',
  };
}

/** An exam's own retention rules; null (the institution's defaults) also for an unreadable value. */
export function examRetention(row: { retention: unknown }): RetentionRules | null {
  if (row.retention === null || row.retention === undefined) return null;
  const parsed = RetentionRules.safeParse(row.retention);
  return parsed.success ? parsed.data : null;
}

/** An exam's legal hold as the API shows it. */
export function examLegalHold(row: HoldColumns): LegalHold | null {
  return legalHoldOf(row);
}
