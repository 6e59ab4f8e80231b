import { AUDIT_BROKEN_MAX_PROBLEMS } from '@invigil/contracts';
import type { MailMessage } from '../../ports/mailer.port.js';
import type { DocumentOf } from './documents.js';

/** An e-mail without its recipient. */
export type MailContent = Omit<MailMessage, 'to'>;

/** Where a student reads their review (flags, decisions, verdict) and may respond (web app route). */
export const studentResultPath = (sessionId: string): string => `/student/results/${sessionId}`;
/** Where staff follow a session live: timeline, flags, evidence, player. */
const sessionDetailPath = (sessionId: string): string => `/proctor/sessions/${sessionId}`;
/** Where staff review a session and its verdict. */
const sessionReviewPath = (sessionId: string): string => `/review/sessions/${sessionId}`;
/** Where administrators read the audit log. */
const auditLogPath = '/admin/audit';

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Header values stay on one line whatever a title contains.
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

const VERDICT_LABEL = { clean: 'clean', suspicious: 'suspicious', violation: 'violation' } as const;

/** "12:05" from an offset in ms, or null. */
function clock(offsetMs: number | null): string | null {
  if (offsetMs === null) return null;
  const s = Math.max(0, Math.round(offsetMs / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Build the message from lines of text (each a paragraph) and one link: the text part as
 * is, the HTML part escaped, so nothing a user typed (titles, names, reasons) becomes markup.
 */
function compose(
  subject: string,
  lines: string[],
  link: { label: string; url: string },
): MailContent {
  const text = [...lines, '', `${link.label}: ${link.url}`, ''].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return { subject: oneLine(subject), text, html };
}

/** The e-mail to an exam's proctors about a high-severity flag. */
export function flagHighMail(doc: DocumentOf<'flag.high'>, publicUrl: string): MailContent {
  const { exam, student, flag, session } = doc.data;
  const at = clock(flag.startOffsetMs);
  return compose(
    `High-severity flag: ${student.name} — ${exam.title}`,
    [
      `A high-severity flag was raised in “${exam.title}”.`,
      `Student: ${student.name}`,
      `Flag: ${flag.message} (${flag.type}, ${Math.round(flag.confidence * 100)} % confidence)`,
      at ? `At ${at} into the attempt.` : `At ${new Date(flag.startMs).toISOString()}.`,
    ],
    { label: 'Open the session', url: `${publicUrl}${sessionDetailPath(session.id)}` },
  );
}

/** The e-mail to an exam's instructors about a verdict. */
export function verdictStaffMail(doc: DocumentOf<'verdict'>, publicUrl: string): MailContent {
  const { exam, student, verdict, session } = doc.data;
  const kind = verdict.final ? 'final' : 'provisional';
  return compose(
    `Verdict ${VERDICT_LABEL[verdict.verdict]} (${kind}): ${student.name} — ${exam.title}`,
    [
      `A reviewer decided a ${kind} verdict on ${student.name}’s attempt at “${exam.title}”.`,
      `Verdict: ${VERDICT_LABEL[verdict.verdict]}`,
      `Reason: ${verdict.reason}`,
    ],
    { label: 'Open the review', url: `${publicUrl}${sessionReviewPath(session.id)}` },
  );
}

/** The e-mail to the student about their own verdict, linking to their result page. */
export function verdictStudentMail(doc: DocumentOf<'verdict'>, publicUrl: string): MailContent {
  const { exam, verdict, session } = doc.data;
  return compose(
    `The review of your attempt at ${exam.title}`,
    [
      `The review of your attempt at “${exam.title}” is done.`,
      `Verdict: ${VERDICT_LABEL[verdict.verdict]}`,
      `Reason: ${verdict.reason}`,
      verdict.final
        ? 'This decision is final.'
        : 'You can see each flag with the reviewer’s decision and send one written response before the verdict becomes final.',
    ],
    { label: 'See your result', url: `${publicUrl}${studentResultPath(session.id)}` },
  );
}

/**
 * The e-mail to administrators when the daily verification of the audit trail failed: what
 * was found and what to do about it. Problems are listed as they are (the document holds at
 * most AUDIT_BROKEN_MAX_PROBLEMS); the HTML part escapes them like any other text.
 */
export function auditBrokenMail(doc: DocumentOf<'audit.broken'>, publicUrl: string): MailContent {
  const { verifiedAt, entries, checkpoints, problems } = doc.data;
  const clipped = problems.length >= AUDIT_BROKEN_MAX_PROBLEMS;
  return compose(
    'Invigil: the audit trail failed verification',
    [
      `The verification of the audit trail at ${verifiedAt} failed (${entries} entries, ${checkpoints} checkpoints checked). Entries may have been changed or removed outside Invigil.`,
      clipped
        ? `The first ${problems.length} problems found:`
        : `Problems found (${problems.length}):`,
      ...problems.map((p) => `- ${p}`),
      'What to do: run `invigil audit verify` on the server for the full report, and compare the audit log with your backups of the database and of the blob store (audit/checkpoints) to find what changed and when. Until then, do not rely on the audit log from the first problem on.',
    ],
    { label: 'Open the audit log', url: `${publicUrl}${auditLogPath}` },
  );
}
