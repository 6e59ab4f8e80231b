import { AuditFilters } from '@invigil/contracts';
import { isoToLocalInput, localInputToIso } from '../lib/datetime';

/** The filters as the API and the page's URL take them: only those given, times in ISO. */
export type AppliedFilters = AuditFilters;

/** The URL (and API) keys of the filters, in the order a link lists them. */
export const FILTER_KEYS = [
  'actor',
  'action',
  'entityType',
  'entityId',
  'examId',
  'from',
  'to',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** The filter form as typed; `from` and `to` are `datetime-local` values in local time. */
export type AuditFilterForm = Record<FilterKey, string>;

/** A message per form field that cannot be applied. */
export type AuditFilterErrors = Partial<Record<FilterKey, string>>;

/** Entries per page (and per "Load older entries"). */
export const PAGE_SIZE = 100;

/** Kinds of target the server records, offered as suggestions (any text may be typed). */
export const KNOWN_ENTITY_TYPES = [
  'api_token',
  'audit_log',
  'exam',
  'flag',
  'help_request',
  'intervention',
  'job',
  'master_key',
  'registration',
  'rtc_link',
  'session',
  'settings',
  'user',
  'webhook',
] as const;

/** Action prefixes offered as suggestions: a trailing `.` matches every action under it. */
export const KNOWN_ACTION_PREFIXES = [
  'alert.',
  'audit.',
  'auth.',
  'chat.',
  'exam.',
  'flag.',
  'hand.',
  'job.',
  'recording.',
  'registration.',
  'review.',
  'rtc.',
  'session.',
  'settings.',
  'token.',
  'user.',
  'webhook.',
] as const;

/** The filters a URL names: known keys with a value, trimmed; anything else is ignored. */
export function filtersFromSearch(params: URLSearchParams): AppliedFilters {
  const filters: AppliedFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** The query string of the filters, keys in a fixed order so equal filters give equal text. */
export function searchFromFilters(filters: AppliedFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return params;
}

/** How many filters are applied. */
export function appliedCount(filters: AppliedFilters): number {
  return FILTER_KEYS.filter((key) => !!filters[key]).length;
}

/** Whether any filter is applied. */
export const hasFilters = (filters: AppliedFilters): boolean => appliedCount(filters) > 0;

/** The form showing applied filters (times in the browser's time zone). */
export function formFromFilters(filters: AppliedFilters): AuditFilterForm {
  return {
    actor: filters.actor ?? '',
    action: filters.action ?? '',
    entityType: filters.entityType ?? '',
    entityId: filters.entityId ?? '',
    examId: filters.examId ?? '',
    from: isoToLocalInput(filters.from),
    to: isoToLocalInput(filters.to),
  };
}

/** A form with nothing in it. */
export const emptyFilterForm = (): AuditFilterForm => formFromFilters({});

// Friendlier words than the schema's for what people get wrong in this form.
const MESSAGES: Partial<Record<FilterKey, string>> = {
  action:
    'Letters, digits, _ - and . only: an action such as user.create, or a prefix such as auth.',
  examId: 'An exam id looks like 0b3c4d5e-1111-4222-8333-444455556666',
};

/**
 * The filters a form asks for, checked against the API's own schema so that Apply never sends
 * what the server would refuse; otherwise a message per field.
 */
export function filtersFromForm(
  form: AuditFilterForm,
): { ok: true; filters: AppliedFilters } | { ok: false; errors: AuditFilterErrors } {
  const errors: AuditFilterErrors = {};
  const time = (key: 'from' | 'to'): string | undefined => {
    if (!form[key].trim()) return undefined;
    const iso = localInputToIso(form[key]);
    if (!iso) errors[key] = 'Enter a date and time';
    return iso ?? undefined;
  };
  const candidate: Record<FilterKey, string | undefined> = {
    actor: form.actor.trim() || undefined,
    action: form.action.trim() || undefined,
    entityType: form.entityType.trim() || undefined,
    entityId: form.entityId.trim() || undefined,
    examId: form.examId.trim() || undefined,
    from: time('from'),
    to: time('to'),
  };
  const { from, to } = candidate;
  if (from && to && Date.parse(from) >= Date.parse(to)) errors.to = 'Must be after “From”';
  const parsed = AuditFilters.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as FilterKey | undefined;
      if (key && FILTER_KEYS.includes(key)) errors[key] ??= MESSAGES[key] ?? issue.message;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const filters: AppliedFilters = {};
  for (const key of FILTER_KEYS) {
    const value = candidate[key];
    if (value) filters[key] = value;
  }
  return { ok: true, filters };
}

/** The API query of one page of the filtered log; `before` for the older pages. */
export function pageQuery(
  filters: AppliedFilters,
  before?: number,
): AppliedFilters & { before?: number; limit: number } {
  return { ...filters, ...(before === undefined ? {} : { before }), limit: PAGE_SIZE };
}
