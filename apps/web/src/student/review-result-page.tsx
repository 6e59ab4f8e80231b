import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { SessionReview } from '@invigil/contracts';
import { ApiError } from '../api/client';
import { reviewApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { FlagSummary, SnapshotStrip } from '../review/flag-summary';
import { VERDICT_LABEL } from '../review/review-model';
import '../review/review.css';
import { Field, FormErrors } from '../ui/field';
import { Page, Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { ResultScore } from './result-score';

const MAX_RESPONSE = 5000;

/**
 * The one-time response: write, then confirm in a second step (it cannot be changed), then
 * a sent state. Focus moves to each step's heading so screen readers follow.
 */
function ResponseForm({
  review,
  onSent,
}: {
  review: SessionReview;
  onSent: (review: SessionReview) => void;
}) {
  const [text, setText] = useState('');
  const [step, setStep] = useState<'write' | 'confirm'>('write');
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const confirmHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (step === 'confirm') confirmHeading.current?.focus();
  }, [step]);

  const send = async () => {
    setPending(true);
    setErrors([]);
    try {
      onSent(await reviewApi.respond(review.session.id, { text: text.trim() }));
    } catch (e) {
      setErrors([describeError(e)]);
      setStep('write');
    } finally {
      setPending(false);
    }
  };

  if (step === 'confirm') {
    return (
      <div className="response-confirm">
        <h3 ref={confirmHeading} tabIndex={-1}>
          Send this response?
        </h3>
        <p>You can respond only once, and you cannot change it afterwards.</p>
        <blockquote className="pre">{text.trim()}</blockquote>
        <div className="row-actions">
          <button
            type="button"
            className="button primary"
            disabled={pending}
            onClick={() => void send()}
          >
            {pending ? 'Sending…' : 'Yes, send my response'}
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={pending}
            onClick={() => setStep('write')}
          >
            Edit it
          </button>
        </div>
      </div>
    );
  }
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim()) {
          setErrors(['Write your response first.']);
          return;
        }
        setErrors([]);
        setStep('confirm');
      }}
    >
      <FormErrors messages={errors} />
      <Field
        label="What you want the reviewer to know"
        hint={`Explain anything the reviewer should know (at most ${MAX_RESPONSE} characters). ${
          review.verdict?.respondBy
            ? `You can send it until ${formatDateTime(review.verdict.respondBy)}.`
            : ''
        }`}
      >
        {(c) => (
          <textarea
            {...c}
            rows={6}
            maxLength={MAX_RESPONSE}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        )}
      </Field>
      <p className="muted small" aria-live="polite">
        {text.length} / {MAX_RESPONSE} characters
      </p>
      <button type="submit" className="button primary">
        Review and send
      </button>
    </form>
  );
}

/** What the student sees: flags with evidence and decisions, the verdict, their response. */
function ResultBody({
  review,
  onSent,
  sentNow,
}: {
  review: SessionReview;
  onSent: (review: SessionReview) => void;
  sentNow: boolean;
}) {
  const sentHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (sentNow) sentHeading.current?.focus();
  }, [sentNow]);
  const v = review.verdict;
  const startMs = review.session.startedAt ? Date.parse(review.session.startedAt) : null;
  return (
    <>
      {v ? (
        <Section title="Verdict" id="verdict">
          <p className={`verdict verdict-${v.verdict}`}>
            {VERDICT_LABEL[v.verdict]}{' '}
            <span className="muted">({v.final ? 'final' : 'provisional'})</span>
          </p>
          <p className="pre">{v.reason}</p>
          {v.overrideComment ? (
            <p className="pre verdict-override">
              <strong>Why this verdict differs from the flag decisions below:</strong>{' '}
              {v.overrideComment}
            </p>
          ) : null}
          <p className="muted small">
            Decided {formatDateTime(v.decidedAt)}.{' '}
            {v.final
              ? 'This verdict is final.'
              : review.response
                ? 'Your response reopened the review; the reviewer will decide again, and that decision is final. Until then you see the decisions this verdict was given on.'
                : `It becomes final on ${formatDateTime(v.respondBy)} unless you respond.`}
          </p>
        </Section>
      ) : null}

      <Section title={`What was flagged (${review.flags.length})`} id="flags">
        {review.flags.length === 0 ? (
          <p className="empty">Nothing was flagged in your session.</p>
        ) : (
          <ol className="flag-list">
            {review.flags.map((f) => (
              <li key={f.id} className={`flag-item flag-${f.decision}`}>
                <FlagSummary flag={f} headingId={`flag-${f.id}`} />
                <SnapshotStrip
                  sessionId={review.session.id}
                  snapshots={f.snapshots}
                  startMs={startMs}
                />
              </li>
            ))}
          </ol>
        )}
      </Section>

      {review.identity.snapshots.length > 0 ? (
        <Section title="Your identity photos" id="identity">
          <SnapshotStrip
            sessionId={review.session.id}
            snapshots={review.identity.snapshots}
            startMs={null}
          />
        </Section>
      ) : null}

      <Section title="Your response" id="response">
        {review.response ? (
          <div className="response-sent">
            <h3 ref={sentHeading} tabIndex={-1}>
              {sentNow ? 'Your response was sent' : 'You responded'}
            </h3>
            <p className="muted small">Sent {formatDateTime(review.response.respondedAt)}</p>
            <blockquote className="pre">{review.response.text}</blockquote>
          </div>
        ) : review.canRespond ? (
          <ResponseForm review={review} onSent={onSent} />
        ) : (
          <p>The verdict is final; a response can no longer be sent.</p>
        )}
      </Section>
    </>
  );
}

/** /student/results/:sessionId — the released score, the review result and one-time response. */
export function ReviewResultPage() {
  const { sessionId = '' } = useParams();
  // Before a verdict the review is not the student's to see (404): the score may still be.
  const load = useCallback(
    (signal: AbortSignal) =>
      reviewApi.review(sessionId, signal).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [sessionId],
  );
  const review = useResource(load);
  const [sentNow, setSentNow] = useState(false);
  return (
    <Page
      title={review.data ? `Review result: ${review.data.exam.title}` : 'Review result'}
      intro="Your score once released; what the proctoring flagged in your attempt, what the reviewer decided, and why."
    >
      <ResultScore sessionId={sessionId} />
      <div role="status" aria-live="polite" className="sr-only">
        {sentNow ? 'Your response was sent.' : ''}
      </div>
      <ResourceView resource={review}>
        {(data) =>
          data === null ? (
            <Section title="Proctoring review" id="verdict">
              <p>The proctoring review of this attempt has no verdict yet.</p>
            </Section>
          ) : (
            <ResultBody
              review={data}
              sentNow={sentNow}
              onSent={(next) => {
                review.mutate(() => next);
                setSentNow(true);
              }}
            />
          )
        }
      </ResourceView>
      <p>
        <Link to="/student">Back to my exams</Link>
      </p>
    </Page>
  );
}
