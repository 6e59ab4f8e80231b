import { useEffect, useId, useRef, useState } from 'react';
import type { FlagDecision, ReviewFlag, SessionReview } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { Field } from '../ui/field';
import { DECISION_LABEL } from './review-model';

/**
 * Confirm or dismiss one flag with a comment (needed to dismiss). A decided flag shows its
 * decision and a "Change decision" button that opens the same form, so a decision can be
 * changed while the review is open (also after the student's response). Reports the updated
 * review to the page; errors stay beside the form and are announced.
 */
export function FlagDecisionForm({
  flag,
  describedBy,
  onDecided,
}: {
  flag: ReviewFlag;
  describedBy: string;
  onDecided: (review: SessionReview, text: string) => void;
}) {
  const decided = flag.decision !== 'open';
  const [editing, setEditing] = useState(!decided);
  const [comment, setComment] = useState(flag.comment ?? '');
  const [pending, setPending] = useState<FlagDecision | null>(null);
  const [error, setError] = useState<string | undefined>();
  const formId = useId();
  const changeButton = useRef<HTMLButtonElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // Where focus goes after the form opens or closes (not on the first render).
  const [focusTarget, setFocusTarget] = useState<'form' | 'button' | null>(null);

  useEffect(() => {
    if (focusTarget === 'form') formRef.current?.querySelector('textarea')?.focus();
    if (focusTarget === 'button') changeButton.current?.focus();
  }, [focusTarget, editing]);

  const open = () => {
    setComment(flag.comment ?? '');
    setError(undefined);
    setEditing(true);
    setFocusTarget('form');
  };
  const close = () => {
    setEditing(false);
    setError(undefined);
    setFocusTarget('button');
  };

  const decide = async (decision: FlagDecision) => {
    const text = comment.trim();
    if (decision === 'dismissed' && !text) {
      setError('Say why the flag is dismissed.');
      return;
    }
    setPending(decision);
    setError(undefined);
    try {
      const review = await reviewApi.decideFlag(flag.id, {
        decision,
        ...(text && { comment: text }),
      });
      const verb = decision === 'confirmed' ? 'confirmed' : 'dismissed';
      onDecided(
        review,
        decided && decision !== flag.decision ? `Decision changed: flag ${verb}.` : `Flag ${verb}.`,
      );
      setEditing(false);
      setFocusTarget('button');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setPending(null);
    }
  };

  if (!editing) {
    return (
      <p className="row-actions flag-decided">
        <button
          ref={changeButton}
          type="button"
          className="button small secondary"
          aria-expanded={false}
          aria-controls={formId}
          aria-describedby={describedBy}
          onClick={open}
        >
          Change decision
        </button>
      </p>
    );
  }

  return (
    <form
      ref={formRef}
      id={formId}
      className="flag-decision"
      onSubmit={(e) => e.preventDefault()}
      aria-describedby={describedBy}
    >
      {decided ? (
        <p className="muted small">
          Now {DECISION_LABEL[flag.decision].toLowerCase()}. Choose the decision that stands; the
          current one stays in the flag’s history.
        </p>
      ) : null}
      <Field label="Comment" hint="Needed to dismiss; the student sees it." error={error}>
        {(c) => (
          <textarea
            {...c}
            rows={2}
            maxLength={2000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            onKeyDown={(e) => {
              // Escape leaves a decision as it was, like "Keep the decision".
              if (e.key === 'Escape' && decided) close();
            }}
          />
        )}
      </Field>
      <div className="row-actions">
        <button
          type="button"
          className="button small primary"
          disabled={pending !== null}
          onClick={() => void decide('confirmed')}
        >
          {pending === 'confirmed' ? 'Confirming…' : 'Confirm'}
        </button>
        <button
          type="button"
          className="button small secondary"
          disabled={pending !== null}
          onClick={() => void decide('dismissed')}
        >
          {pending === 'dismissed' ? 'Dismissing…' : 'Dismiss'}
        </button>
        {decided ? (
          <button
            type="button"
            className="button small secondary"
            disabled={pending !== null}
            onClick={close}
          >
            Keep the decision
          </button>
        ) : null}
      </div>
    </form>
  );
}
