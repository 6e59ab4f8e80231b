import type { RetentionRules } from '@invigil/contracts';

/** The three retention periods, in display order, with their labels and what they count from. */
export const RETENTION_FIELDS = [
  ['mediaDaysAfterVerdict', 'Recordings and snapshots', 'days after the verdict'],
  ['identityDays', 'Identity photos and face data', 'days after the attempt ended'],
  ['undecidedDays', 'Everything of attempts without a verdict', 'days after the attempt ended'],
] as const;

type Key = (typeof RETENTION_FIELDS)[number][0];

/** Retention as edited: day counts as strings, empty to keep without limit. */
export type RetentionForm = Record<Key, string>;

/** An exam's retention as edited: its own periods, or the institution's defaults. */
export interface ExamRetentionForm {
  custom: boolean;
  days: RetentionForm;
}

/** The longest period accepted (about a century). */
export const MAX_RETENTION_DAYS = 36_500;

/** Form values of stored rules (null days: empty, meaning keep). */
export function rulesToForm(rules: RetentionRules): RetentionForm {
  return Object.fromEntries(
    RETENTION_FIELDS.map(([key]) => [key, rules[key] === null ? '' : String(rules[key])]),
  ) as RetentionForm;
}

/** Either rules to save or field errors keyed by field. */
export type RetentionResult =
  { ok: true; rules: RetentionRules } | { ok: false; errors: Partial<Record<Key, string>> };

/** Check the days: whole numbers from 1 to MAX_RETENTION_DAYS, or empty to keep. */
export function formToRules(form: RetentionForm): RetentionResult {
  const errors: Partial<Record<Key, string>> = {};
  const rules: Partial<RetentionRules> = {};
  for (const [key] of RETENTION_FIELDS) {
    const raw = form[key].trim();
    if (raw === '') {
      rules[key] = null;
      continue;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > MAX_RETENTION_DAYS) {
      errors[key] = `Enter whole days from 1 to ${MAX_RETENTION_DAYS}, or leave empty to keep.`;
    } else rules[key] = n;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, rules: rules as RetentionRules };
}

/** The exam form's retention values: its own rules, or the defaults' shape to start from. */
export function examRetentionToForm(
  retention: RetentionRules | null,
  defaults: RetentionRules,
): ExamRetentionForm {
  return { custom: retention !== null, days: rulesToForm(retention ?? defaults) };
}

/** A short sentence for a period: "365 days after the verdict" or "kept". */
export function describeDays(days: number | null, after: string): string {
  if (days === null) return 'kept without limit';
  return `${days} ${days === 1 ? 'day' : 'days'} ${after.replace(/^days /, '')}`;
}
