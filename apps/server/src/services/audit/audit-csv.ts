import type { AuditEntry } from '@invigil/contracts';
import { canonicalJson } from './audit-chain.js';

/** The export's columns, in order (its header row). */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'actor_id',
  'actor_email',
  'action',
  'entity_type',
  'entity_id',
  'exam_id',
  'data',
] as const;

// A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field per RFC 4180 (quoted when it holds a quote, comma or line break; quotes
 * doubled). Text a spreadsheet would read as a formula gets a leading `'`, so opening an
 * export never runs what an actor typed. Numbers go as they are; null is an empty field.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 has it. */
export function csvLine(fields: readonly (string | number | null)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The header row of an audit export. */
export const auditCsvHeader = (): string => csvLine(AUDIT_CSV_COLUMNS);

/** One audit entry as a row of the export; `data` as canonical JSON (keys sorted). */
export function auditCsvLine(e: AuditEntry): string {
  return csvLine([
    e.id,
    e.at,
    e.actorId,
    e.actorEmail,
    e.action,
    e.entityType,
    e.entityId,
    e.examId,
    canonicalJson(e.data),
  ]);
}
