import { and, asc, eq, gt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/database.js';
import {
  answers,
  chatMessages,
  deletionRecords,
  flags,
  helpRequests,
  interventions,
  mediaSegments,
  questionMarks,
  questions,
  rtcLinks,
  sessionEvents,
  sessionNotes,
  sessionReviews,
  sessionRisk,
  snapshots,
} from '../../db/schema.js';
import { sessionEnded, type SubjectSession } from './subject-records.js';

// The record of one attempt of the subject, file by file. Every query is bound to the
// attempt's id, and the attempts come from `subjectSessions` (the subject's own). Staff
// appear as "staff", never by name: their identities are other people's data.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** session.json: the attempt, its score once released, risk, interventions, hands, calls. */
export async function sessionDocument(db: DbOrTx, s: SubjectSession) {
  const { session } = s;
  const ended = sessionEnded(session);
  const [risk] = ended
    ? await db.select().from(sessionRisk).where(eq(sessionRisk.sessionId, session.id))
    : [];
  const actions = await db
    .select()
    .from(interventions)
    .where(eq(interventions.sessionId, session.id))
    .orderBy(asc(interventions.createdAt));
  const hands = await db
    .select()
    .from(helpRequests)
    .where(eq(helpRequests.sessionId, session.id))
    .orderBy(asc(helpRequests.raisedAt));
  const links = await db
    .select()
    .from(rtcLinks)
    .where(eq(rtcLinks.sessionId, session.id))
    .orderBy(asc(rtcLinks.startedAt));
  // What retention or an erasure already deleted: the files are gone, the record of it is not.
  const deletions = await db
    .select()
    .from(deletionRecords)
    .where(eq(deletionRecords.sessionId, session.id))
    .orderBy(asc(deletionRecords.createdAt));
  const released = session.scoreReleasedAt !== null;
  return {
    id: session.id,
    examId: session.examId,
    examTitle: s.examTitle,
    registrationId: session.registrationId,
    attempt: session.attempt,
    state: session.state,
    supersededAt: iso(session.supersededAt),
    consentedAt: iso(session.consentedAt),
    startedAt: iso(session.startedAt),
    deadlineAt: iso(session.deadlineAt),
    endedAt: iso(session.endedAt),
    pausedMs: session.pausedMs,
    extendedMinutes: session.extendedMinutes,
    score: released ? session.score : null,
    maxScore: released ? session.maxScore : null,
    scoreReleasedAt: iso(session.scoreReleasedAt),
    faceTemplateStored: session.enrolledEmbedding !== null,
    risk: risk
      ? { score: risk.score, explanation: risk.explanation, updatedAt: iso(risk.updatedAt) }
      : null,
    interventions: actions.map((i) => ({
      kind: i.kind,
      message: i.message,
      minutes: i.minutes,
      by: 'staff',
      createdAt: iso(i.createdAt),
      acknowledgedAt: iso(i.acknowledgedAt),
      completedAt: iso(i.completedAt),
      cancelledAt: iso(i.cancelledAt),
    })),
    raisedHands: hands.map((h) => ({
      message: h.message,
      raisedAt: iso(h.raisedAt),
      takenAt: iso(h.takenAt),
      closedAt: iso(h.closedAt),
      closeReason: h.closeReason,
    })),
    liveViewsAndCalls: links.map((l) => ({
      kind: l.kind,
      startedAt: iso(l.startedAt),
      connectedAt: iso(l.connectedAt),
      endedAt: iso(l.endedAt),
      endReason: l.endReason,
    })),
    deleted: deletions.map((d) => ({
      rule: d.rule,
      what: d.kinds,
      items: d.items,
      bytes: d.bytes,
      at: iso(d.createdAt),
    })),
  };
}

/** flags.json: each flag with its evidence summary and the staff decision on it. */
export async function sessionFlags(db: DbOrTx, sessionId: string) {
  const rows = await db
    .select()
    .from(flags)
    .where(eq(flags.sessionId, sessionId))
    .orderBy(asc(flags.startMs), asc(flags.id));
  return rows.map((f) => ({
    id: f.id,
    type: f.type,
    source: f.source,
    detector: f.detector,
    model: f.model,
    severity: f.severity,
    confidence: f.confidence,
    startMs: f.startMs,
    endMs: f.endMs,
    message: f.message,
    evidence: f.evidence,
    decision: {
      status: f.reviewStatus,
      comment: f.reviewComment,
      decidedAt: iso(f.reviewedAt),
    },
    acknowledgedAt: iso(f.acknowledgedAt),
    createdAt: iso(f.createdAt),
  }));
}

/** notes.json: what proctors and reviewers wrote about the attempt. */
export async function sessionNoteList(db: DbOrTx, sessionId: string) {
  const rows = await db
    .select()
    .from(sessionNotes)
    .where(eq(sessionNotes.sessionId, sessionId))
    .orderBy(asc(sessionNotes.createdAt));
  return rows.map((n) => ({ by: 'staff', body: n.body, createdAt: iso(n.createdAt) }));
}

/** verdict.json: the review's verdict and the student's response (null when none). */
export async function sessionVerdict(db: DbOrTx, sessionId: string) {
  const [r] = await db.select().from(sessionReviews).where(eq(sessionReviews.sessionId, sessionId));
  if (!r) return null;
  return {
    verdict: r.verdict,
    reason: r.reason,
    decidedAt: iso(r.decidedAt),
    finalAt: iso(r.finalAt),
    response: r.response,
    respondedAt: iso(r.respondedAt),
  };
}

/** answers.json: each answer with its question, and grades once the score is released. */
export async function sessionAnswers(db: DbOrTx, s: SubjectSession) {
  const released = s.session.scoreReleasedAt !== null;
  const rows = await db
    .select({ a: answers, q: questions })
    .from(answers)
    .innerJoin(questions, eq(questions.id, answers.questionId))
    .where(eq(answers.sessionId, s.session.id))
    .orderBy(asc(questions.position));
  const marked = await db
    .select({ questionId: questionMarks.questionId, markedAt: questionMarks.markedAt })
    .from(questionMarks)
    .where(eq(questionMarks.sessionId, s.session.id));
  return {
    answers: rows.map(({ a, q }) => ({
      questionId: q.id,
      position: q.position,
      prompt: q.prompt,
      value: a.value,
      updatedAt: iso(a.updatedAt),
      grade: released ? { points: a.gradePoints, comment: a.gradeComment } : null,
    })),
    markedForReview: marked.map((m) => ({ questionId: m.questionId, markedAt: iso(m.markedAt) })),
  };
}

/** chat.json: the messages of the attempt's own chat (announcements to everyone are not). */
export async function sessionChat(db: DbOrTx, sessionId: string) {
  const rows = await db
    .select()
    .from(chatMessages)
    .where(eq(chatMessages.sessionId, sessionId))
    .orderBy(asc(chatMessages.seq));
  return rows.map((m) => ({ from: m.side, body: m.body, sentAt: iso(m.createdAt) }));
}

const EVENT_PAGE = 1000;

/**
 * events.ndjson, one JSON line per event, read a page at a time (a long attempt has many).
 * While the attempt runs, only what the browser reported (not the server's analysis).
 */
export async function* sessionEventLines(db: DbOrTx, s: SubjectSession): AsyncGenerator<Buffer> {
  const clientOnly = !sessionEnded(s.session);
  let after = 0;
  for (;;) {
    const page = await db
      .select()
      .from(sessionEvents)
      .where(
        and(
          eq(sessionEvents.sessionId, s.session.id),
          gt(sessionEvents.id, after),
          clientOnly ? eq(sessionEvents.source, 'client') : undefined,
        ),
      )
      .orderBy(asc(sessionEvents.id))
      .limit(EVENT_PAGE);
    if (page.length === 0) return;
    const lines = page.map((e) =>
      JSON.stringify({
        source: e.source,
        seq: e.seq,
        type: e.type,
        clientMs: e.clientMs,
        serverAt: iso(e.serverAt),
        data: e.data,
        untrustedReason: e.untrustedReason,
      }),
    );
    yield Buffer.from(lines.join('\n') + '\n');
    after = page[page.length - 1]!.id;
    if (page.length < EVENT_PAGE) return;
  }
}

/** A stored file of the attempt: where it is, what it is, and where it goes in the zip. */
export interface MediaItem {
  blobKey: string;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  /** `segment` of a track, `snapshot` or `identity` photo. */
  kind: 'segment' | 'snapshot' | 'identity';
  /** The track or snapshot kind and the sequence number. */
  name: string;
  seq: number;
  /** Client capture time (epoch ms). */
  atMs: number;
}

/** Every recording segment and snapshot (identity photos too) of the attempt. */
export async function sessionMedia(db: DbOrTx, sessionId: string): Promise<MediaItem[]> {
  const segs = await db
    .select()
    .from(mediaSegments)
    .where(eq(mediaSegments.sessionId, sessionId))
    .orderBy(asc(mediaSegments.track), asc(mediaSegments.seq));
  const snaps = await db
    .select()
    .from(snapshots)
    .where(eq(snapshots.sessionId, sessionId))
    .orderBy(asc(snapshots.kind), asc(snapshots.seq));
  return [
    ...segs.map((m) => ({
      blobKey: m.blobKey,
      sizeBytes: m.sizeBytes,
      sha256: m.sha256,
      contentType: m.contentType,
      kind: 'segment' as const,
      name: m.track,
      seq: m.seq,
      atMs: m.startMs,
    })),
    ...snaps.map((p) => ({
      blobKey: p.blobKey,
      sizeBytes: p.sizeBytes,
      sha256: p.sha256,
      contentType: p.contentType,
      kind: p.kind.startsWith('id_') ? ('identity' as const) : ('snapshot' as const),
      name: p.kind,
      seq: p.seq,
      atMs: p.takenMs,
    })),
  ];
}
