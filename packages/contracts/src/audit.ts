import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** One audit log entry, with the actor's current e-mail (both null for the system). */
export const AuditEntry = z.object({
  id: z.number().int(),
  at: Timestamp,
  actorId: Id.nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  examId: Id.nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** The most entries one page (or one `GET /api/audit`) may hold. */
export const AUDIT_PAGE_MAX = 1000;

/** The most rows one CSV export holds, newest first; narrower filters reach older ones. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

/**
 * The action filter: one action (`user.create`), or every action under a prefix when it ends
 * with `.` (`auth.` matches `auth.lockout` and `auth.password.change`). Case-sensitive, as
 * actions are written.
 */
export const AuditActionFilter = z
  .string()
  .trim()
  .max(100)
  .regex(/^[A-Za-z0-9_.-]*$/, 'An action such as user.create, or a prefix such as auth.');

// Text filters may be empty (a form sent as it is): an empty filter is no filter.
const filterShape = {
  /** A user id (exactly), or part of the actor's e-mail (any case). */
  actor: z.string().trim().max(254).optional(),
  action: AuditActionFilter.optional(),
  /** The target's kind (`user`, `exam`, `session`…), exactly. */
  entityType: z.string().trim().max(64).optional(),
  /** The target's id, exactly. */
  entityId: z.string().trim().max(200).optional(),
  examId: Id.optional(),
  /** From this time on (inclusive). */
  from: Timestamp.optional(),
  /** Up to this time (exclusive). */
  to: Timestamp.optional(),
};

const fromBeforeTo = (q: { from?: string | undefined; to?: string | undefined }) =>
  !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to);
const fromBeforeToIssue = { message: '`from` must be before `to`', path: ['to'] };

/** What to narrow the audit log to (every filter optional; all given must match). */
export const AuditFilters = z.strictObject(filterShape).refine(fromBeforeTo, fromBeforeToIssue);
export type AuditFilters = z.infer<typeof AuditFilters>;

/**
 * GET /api/audit and /api/audit/page query: the filters, `before` (an entry id: only older
 * entries, for paging by keyset) and `limit` (1–1000, default 100).
 */
export const ListAuditQuery = z
  .strictObject({
    ...filterShape,
    before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
  })
  .refine(fromBeforeTo, fromBeforeToIssue);
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

/**
 * One page of GET /api/audit/page, newest first. `nextBefore` is the `before` of the next
 * (older) page, or null when this page reaches the oldest matching entry.
 */
export const AuditPage = z.object({
  entries: z.array(AuditEntry),
  nextBefore: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;
