import { useCallback, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { SessionReview, SessionState } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { SessionStateBadge } from '../exams/badges';
import { formatDateTime } from '../lib/datetime';
import { RecordingPlayer, type RecordingPlayerHandle } from '../player';
import { formatClock } from '../player/timeline';
import { Page, Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { FlagDecisionForm } from './flag-decision';
import { FlagSummary, SnapshotStrip } from './flag-summary';
import {
  VERDICT_LABEL,
  decisionRecordText,
  reopenedByResponse,
  verdictStatus,
} from './review-model';
import { SessionLegalHoldSection } from '../admin/legal-hold-session';
import { ReviewTimeline } from './review-timeline';
import { StaffActions } from './staff-actions';
import { VerdictForm } from './verdict-form';
import './review.css';

/** States in which flags may be decided and a verdict given (the server has the final word). */
const REVIEWABLE: readonly SessionState[] = ['submitted', 'terminated', 'under_review'];

/** The reviewer's view of one session: response, identity, flags, recording, verdict. */
function ReviewBody({
  review,
  onChange,
}: {
  review: SessionReview;
  onChange: (review: SessionReview, text: string) => void;
}) {
  const player = useRef<RecordingPlayerHandle>(null);
  const playerSection = useRef<HTMLDivElement>(null);
  const reviewable = REVIEWABLE.includes(review.session.state);
  const reopened = reopenedByResponse(review);
  const startMs = review.session.startedAt ? Date.parse(review.session.startedAt) : null;
  const identityFlags = review.flags.filter((f) => review.identity.flagIds.includes(f.id));

  const playAt = (epochMs: number) => {
    player.current?.seekToEpoch(epochMs);
    playerSection.current?.scrollIntoView({ block: 'start' });
    playerSection.current?.focus({ preventScroll: true });
  };

  return (
    <>
      {review.response ? (
        <section className="card review-response" aria-labelledby="response-heading">
          <h2 id="response-heading">The student responded</h2>
          <p className="muted small">Sent {formatDateTime(review.response.respondedAt)}</p>
          <blockquote className="pre">{review.response.text}</blockquote>
          {reopened ? (
            <p>
              Read it before giving the final verdict below. You can change any flag decision until
              then.
            </p>
          ) : null}
        </section>
      ) : null}

      <Section title="Session" id="session-summary">
        <dl className="review-facts">
          <dt>Student</dt>
          <dd>
            {review.student.name} <span className="muted">({review.student.email})</span>
          </dd>
          <dt>Exam</dt>
          <dd>{review.exam.title}</dd>
          <dt>State</dt>
          <dd>
            <SessionStateBadge state={review.session.state} />
          </dd>
          <dt>Attempt</dt>
          <dd>
            {formatDateTime(review.session.startedAt)} – {formatDateTime(review.session.endedAt)}
          </dd>
          <dt>Risk score</dt>
          <dd>{review.risk ?? 0} / 100</dd>
          <dt>Verdict</dt>
          <dd>
            {review.verdict
              ? `${VERDICT_LABEL[review.verdict.verdict]} — ${verdictStatus(review.verdict, review.response !== null)}${
                  review.verdict.reviewer ? `, by ${review.verdict.reviewer.name}` : ''
                }`
              : 'None yet'}
            {review.verdict?.overrideComment ? (
              <span className="pre verdict-override">
                <br />
                Against the flag decisions, because: {review.verdict.overrideComment}
              </span>
            ) : null}
          </dd>
        </dl>
        <p>
          <a href={reviewApi.reportHtmlUrl(review.session.id)} target="_blank" rel="noreferrer">
            Printable report<span className="sr-only"> (opens in a new tab)</span>
          </a>
        </p>
      </Section>

      <Section title="Identity evidence" id="identity">
        {review.identity.snapshots.length === 0 ? (
          <p className="empty">No identity photos were taken.</p>
        ) : (
          <SnapshotStrip
            sessionId={review.session.id}
            snapshots={review.identity.snapshots}
            startMs={null}
          />
        )}
        <p className="muted small">
          {review.identity.faceEnrolled ? 'A face was enrolled from the identity photo. ' : ''}
          {identityFlags.length === 0
            ? 'No identity mismatch was flagged.'
            : `${identityFlags.length} identity mismatch flag(s), listed below.`}
        </p>
      </Section>

      <Section title={`Flags (${review.flags.length}, ${review.undecided} undecided)`} id="flags">
        {reopened && review.flags.length > 0 ? (
          <p className="notice" role="note">
            The student responded: you can change any decision below (<q>Change decision</q>) before
            the final verdict. Each replaced decision stays in the flag’s history.
          </p>
        ) : null}
        {review.flags.length === 0 ? (
          <p className="empty">No flags were raised in this session.</p>
        ) : (
          <ol className="flag-list">
            {review.flags.map((f) => (
              <li key={f.id} className={`flag-item flag-${f.decision}`}>
                <FlagSummary flag={f} headingId={`flag-${f.id}`} />
                {f.detail ? (
                  <p className="muted small">
                    {f.detail.source} detector {f.detail.detector}, confidence{' '}
                    {Math.round(f.detail.confidence * 100)} %
                    {f.detail.decidedBy ? ` · decided by ${f.detail.decidedBy.name}` : ''}
                  </p>
                ) : null}
                {f.detail && f.detail.history.length > 0 ? (
                  <details className="flag-history">
                    <summary>Earlier decisions ({f.detail.history.length})</summary>
                    <ol>
                      {f.detail.history.map((h) => (
                        <li key={`${h.decidedAt}-${h.decision}`}>
                          {decisionRecordText(h, formatDateTime)}
                          {h.comment ? <span className="pre">: {h.comment}</span> : null}
                        </li>
                      ))}
                    </ol>
                  </details>
                ) : null}
                <SnapshotStrip
                  sessionId={review.session.id}
                  snapshots={f.snapshots}
                  startMs={startMs}
                />
                <p>
                  <button
                    type="button"
                    className="button small secondary"
                    onClick={() => playAt(f.startMs)}
                    aria-describedby={`flag-${f.id}`}
                  >
                    Play recording at{' '}
                    {f.startOffsetMs === null ? 'this moment' : formatClock(f.startOffsetMs)}
                  </button>
                </p>
                {reviewable ? (
                  <FlagDecisionForm
                    key={f.id}
                    flag={f}
                    describedBy={`flag-${f.id}`}
                    onDecided={onChange}
                  />
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </Section>

      <Section title="Recording" id="recording">
        <div ref={playerSection} tabIndex={-1} aria-label="Recording player">
          <RecordingPlayer ref={player} sessionId={review.session.id} />
        </div>
      </Section>

      <ReviewTimeline review={review} onPlay={playAt} />

      {review.notes && review.notes.length > 0 ? (
        <Section title="Proctor notes" id="notes">
          <ul className="notes">
            {review.notes.map((n) => (
              <li key={n.id}>
                <p className="pre">{n.body}</p>
                <p className="muted small">
                  {n.author?.name ?? 'Unknown'} · {formatDateTime(n.createdAt)}
                </p>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <StaffActions sessionId={review.session.id} />

      <Section title="Verdict" id="verdict">
        {!reviewable ? (
          <p>
            {review.verdict?.final
              ? 'The verdict is final.'
              : 'The verdict is given. The review reopens if the student responds.'}
          </p>
        ) : review.undecided > 0 ? (
          <p role="note">Confirm or dismiss every flag first ({review.undecided} undecided).</p>
        ) : (
          <VerdictForm review={review} onDone={onChange} />
        )}
      </Section>
    </>
  );
}

/** /review/sessions/:id — review one finished session. */
export function SessionReviewPage() {
  const { id = '' } = useParams();
  const load = useCallback((signal: AbortSignal) => reviewApi.review(id, signal), [id]);
  const review = useResource(load);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  return (
    <Page
      title={review.data ? `Review: ${review.data.student.name}` : 'Session review'}
      intro="Confirm or dismiss each flag, then give the verdict. Opening a review is audited."
    >
      <StatusMessage feedback={feedback} className="sticky-status" />
      <ResourceView resource={review}>
        {(data) => (
          <>
            <ReviewBody
              review={data}
              onChange={(next, text) => {
                review.mutate(() => next);
                setFeedback({ tone: 'success', text });
              }}
            />
            <SessionLegalHoldSection sessionId={data.session.id} />
            <p>
              <Link to={`/review/exams/${data.exam.id}`}>Back to the review queue</Link>
            </p>
          </>
        )}
      </ResourceView>
    </Page>
  );
}
