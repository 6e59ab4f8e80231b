import { useState } from 'react';
import { Verdict, type SessionReview } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { Field, FormErrors } from '../ui/field';
import { VERDICT_HINT, VERDICT_LABEL } from './review-model';

/** The verdict: one of three outcomes and a reason. Final when the student has responded. */
export function VerdictForm({
  review,
  onDone,
}: {
  review: SessionReview;
  onDone: (review: SessionReview, text: string) => void;
}) {
  const [verdict, setVerdict] = useState<Verdict | ''>('');
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const final = review.response !== null;

  const submit = async () => {
    const problems = [
      ...(verdict ? [] : ['Choose a verdict.']),
      ...(reason.trim() ? [] : ['Give a reason.']),
    ];
    setErrors(problems);
    if (problems.length > 0 || !verdict) return;
    setPending(true);
    try {
      const next = await reviewApi.verdict(review.session.id, { verdict, reason: reason.trim() });
      onDone(
        next,
        `Verdict saved: ${VERDICT_LABEL[verdict]}${final ? ' (final)' : ' (provisional)'}.`,
      );
      setReason('');
      setVerdict('');
    } catch (e) {
      setErrors([describeError(e)]);
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      className="verdict-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <FormErrors messages={errors} />
      <fieldset>
        <legend>Verdict</legend>
        {Verdict.options.map((v) => (
          <div className="radio" key={v}>
            <input
              type="radio"
              id={`verdict-${v}`}
              name="verdict"
              value={v}
              checked={verdict === v}
              onChange={() => setVerdict(v)}
              aria-describedby={`verdict-${v}-hint`}
            />
            <label htmlFor={`verdict-${v}`}>{VERDICT_LABEL[v]}</label>{' '}
            <span id={`verdict-${v}-hint`} className="muted small">
              {VERDICT_HINT[v]}
            </span>
          </div>
        ))}
      </fieldset>
      <Field
        label="Reason"
        hint="The student sees this reason together with your decisions on each flag."
      >
        {(c) => (
          <textarea
            {...c}
            rows={4}
            maxLength={5000}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        )}
      </Field>
      <p className="muted small">
        {final
          ? 'The student has responded: this verdict is final.'
          : 'This verdict is provisional: the student may respond once within 14 days, which reopens the review.'}
      </p>
      <button type="submit" className="button primary" disabled={pending}>
        {pending ? 'Saving…' : final ? 'Give final verdict' : 'Give verdict'}
      </button>
    </form>
  );
}
