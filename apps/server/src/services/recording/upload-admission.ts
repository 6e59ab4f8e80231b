import { and, eq, gt, gte, inArray, isNull, lte } from 'drizzle-orm';
import { ProctoringPolicy } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { exams, interventions, registrations, snapshots } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { ContentVerdict } from './media-signature.js';
import type { SessionRow } from '../sessions/session-access.js';
import type { EventVerdict, QuotaInputs, QuotaVerdict } from './upload-quota.js';

/**
 * The rules an upload must pass before it is stored, beyond owner, hash and state: what its
 * bytes are, the session's allowance, and identity photos fixed once the attempt started.
 * RecordingService applies them; each refusal is an AppError with a stable code.
 */

const MB = 1024 * 1024;

/** What a quota depends on that does not change during an upload: the exam and registration. */
export type ExamAllowance = Omit<QuotaInputs, 'startedAt' | 'endedAt' | 'pausedMs'>;

/** The exam's policy and duration and the registration's extra time, for the session's quota. */
export async function loadExamAllowance(
  db: DbOrTx,
  session: Pick<SessionRow, 'examId' | 'registrationId'>,
): Promise<ExamAllowance> {
  const [row] = await db
    .select({
      policy: exams.policy,
      durationMinutes: exams.durationMinutes,
      extraTimeMinutes: registrations.extraTimeMinutes,
    })
    .from(exams)
    .innerJoin(registrations, eq(registrations.id, session.registrationId))
    .where(eq(exams.id, session.examId));
  if (!row) throw errors.notFound('Session');
  return examAllowance(row);
}

/** The allowance from the exam's stored policy (defaults applied) and the durations. */
export function examAllowance(row: {
  policy: unknown;
  durationMinutes: number;
  extraTimeMinutes: number;
}): ExamAllowance {
  const { durationMinutes, extraTimeMinutes } = row;
  return { durationMinutes, extraTimeMinutes, policy: ProctoringPolicy.parse(row.policy ?? {}) };
}

/** The quota inputs of a session at this moment: its exam and its attempt's clock. */
export function quotaInputs(
  exam: ExamAllowance,
  session: Pick<SessionRow, 'startedAt' | 'endedAt' | 'pausedMs'>,
): QuotaInputs {
  const { startedAt, endedAt, pausedMs } = session;
  return { ...exam, startedAt, endedAt, pausedMs };
}

/**
 * 413 QUOTA_EXCEEDED for a refused quota verdict, with a message a student can act on and
 * the limit in `details`. `what` names the track or kind (e.g. `webcam recording`).
 */
export function quotaError(verdict: Exclude<QuotaVerdict, { ok: true }>, what: string): AppError {
  const message =
    verdict.limit === 'seq'
      ? `Upload refused: the ${what} of this session has more parts than this exam allows ` +
        `(at most ${verdict.max + 1}); contact your proctor`
      : `Upload refused: the ${what} of this session exceeded this exam's allowance ` +
        `(${(verdict.used / MB).toFixed(1)} MB of ${(verdict.max / MB).toFixed(1)} MB used); ` +
        'contact your proctor';
  const { ok: _ok, ...details } = verdict;
  return new AppError(413, 'QUOTA_EXCEEDED', message, details);
}

/** 413 QUOTA_EXCEEDED for a batch of client events past the session's allowance. */
export function eventQuotaError(verdict: Exclude<EventVerdict, { ok: true }>): AppError {
  const message =
    verdict.limit === 'events'
      ? 'Events refused: this session has sent more events than this exam allows so far ' +
        `(at most ${verdict.max + 1}); contact your proctor`
      : `Events refused: event ${verdict.seq} carries ${verdict.size} bytes of data, more ` +
        `than the ${verdict.max} allowed; contact your proctor`;
  const { ok: _ok, ...details } = verdict;
  return new AppError(413, 'QUOTA_EXCEEDED', message, details);
}

/** 415 CONTENT_MISMATCH or 413 IMAGE_TOO_LARGE for a refused content verdict. */
export function contentError(
  verdict: Exclude<ContentVerdict, { ok: true }>,
  declared: string,
): AppError {
  if (verdict.code === 'IMAGE_TOO_LARGE') {
    const { width, height } = verdict.image;
    return new AppError(
      413,
      'IMAGE_TOO_LARGE',
      `The image is ${width} × ${height} pixels, more than may be stored`,
      { width, height },
    );
  }
  return new AppError(
    415,
    'CONTENT_MISMATCH',
    `The bytes are not a readable ${declared} file as declared`,
    { declaredType: declared },
  );
}

/** How long a proctor's `re_enrol` request lets new identity photos in, on the server's clock. */
export const RE_ENROL_WINDOW_MS = 15 * 60_000;

/**
 * Identity photos are fixed once the attempt has started: a new one (a slot not yet stored)
 * is 409 IDENTITY_LOCKED unless a proctor asked the student to enrol again and that request
 * is still open: a `re_enrol` intervention not completed, sent at most RE_ENROL_WINDOW_MS ago
 * (server clock), and not yet answered by one full set — a face photo and a document photo
 * received after it. So a request lets in one set of new photos (and retakes before the set
 * is complete), never a stream of them. The earlier photos always stay as evidence.
 */
export async function assertIdentityOpen(
  db: DbOrTx,
  session: Pick<SessionRow, 'id' | 'startedAt'>,
  now: Date,
): Promise<void> {
  if (session.startedAt === null) return;
  const requests = await db
    .select({ createdAt: interventions.createdAt })
    .from(interventions)
    .where(
      and(
        eq(interventions.sessionId, session.id),
        eq(interventions.kind, 're_enrol'),
        isNull(interventions.completedAt),
        // A request staff withdrew lets nothing in.
        isNull(interventions.cancelledAt),
        lte(interventions.createdAt, now),
        gt(interventions.createdAt, new Date(now.getTime() - RE_ENROL_WINDOW_MS)),
      ),
    );
  for (const request of requests) {
    if (!(await fullSetSince(db, session.id, request.createdAt))) return;
  }
  throw errors.conflict(
    'IDENTITY_LOCKED',
    requests.length > 0
      ? 'The new identity photos the proctor asked for have been received; ask your proctor ' +
          'if you need to send others'
      : 'Identity photos cannot be changed once the exam has started, or the proctor’s request ' +
          'for new ones has expired; ask your proctor if you need to enrol again',
  );
}

/** Whether a face photo and a document photo were both received at or after `since`. */
async function fullSetSince(db: DbOrTx, sessionId: string, since: Date): Promise<boolean> {
  const kinds = await db
    .selectDistinct({ kind: snapshots.kind })
    .from(snapshots)
    .where(
      and(
        eq(snapshots.sessionId, sessionId),
        inArray(snapshots.kind, ['id_face', 'id_document']),
        gte(snapshots.receivedAt, since),
      ),
    );
  return kinds.length === 2;
}
