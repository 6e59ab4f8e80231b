import { useState } from 'react';
import type { FlagDecision, ReviewFlag, SessionReview } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { Field } from '../ui/field';

/**
 * Confirm or dismiss one flag with a comment (needed to dismiss). Reports the updated review
 * to the page; errors stay beside the form and are announced.
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
  const [comment, setComment] = useState(flag.comment ?? '');
  const [pending, setPending] = useState<FlagDecision | null>(null);
  const [error, setError] = useState<string | undefined>();

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
      onDecided(review, `Flag ${decision === 'confirmed' ? 'confirmed' : 'dismissed'}.`);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setPending(null);
    }
  };

  return (
    <form
      className="flag-decision"
      onSubmit={(e) => e.preventDefault()}
      aria-describedby={describedBy}
    >
      <Field label="Comment" hint="Needed to dismiss; the student sees it." error={error}>
        {(c) => (
          <textarea
            {...c}
            rows={2}
            maxLength={2000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
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
      </div>
    </form>
  );
}
