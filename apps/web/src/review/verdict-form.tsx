import { useState } from 'react';
import { Verdict, type SessionReview } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { ApiError, describeError } from '../api/errors';
import { Field, FormErrors } from '../ui/field';
import { VERDICT_HINT, VERDICT_LABEL, verdictConflictText } from './review-model';

/**
 * The verdict: one of three outcomes and a reason. Final when the student has responded. A
 * verdict that goes against the flag decisions (clean with a confirmed flag, violation with
 * none confirmed) asks, inline, for the reviewer's explanation, which the server requires too.
 */
export function VerdictForm({
  review,
  onDone,
}: {
  review: SessionReview;
  onDone: (review: SessionReview, text: string) => void;
}) {
  const [verdict, setVerdict] = useState<Verdict | ''>('');
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState('');
  const [overrideError, setOverrideError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const final = review.response !== null;
  const conflict = verdict ? verdictConflictText(verdict, review.flags) : null;

  const submit = async () => {
    const needsOverride = conflict !== null && !override.trim();
    const problems = [
      ...(verdict ? [] : ['Choose a verdict.']),
      ...(reason.trim() ? [] : ['Give a reason.']),
      ...(needsOverride ? ['Explain why the verdict goes against the flag decisions.'] : []),
    ];
    setErrors(problems);
    setOverrideError(
      needsOverride ? 'Explain why, or change the flag decisions first.' : undefined,
    );
    if (problems.length > 0 || !verdict) return;
    setPending(true);
    try {
      const next = await reviewApi.verdict(review.session.id, {
        verdict,
        reason: reason.trim(),
        ...(conflict && { overrideComment: override.trim() }),
      });
      onDone(
        next,
        `Verdict saved: ${VERDICT_LABEL[verdict]}${final ? ' (final)' : ' (provisional)'}.`,
      );
      setReason('');
      setOverride('');
      setVerdict('');
    } catch (e) {
      setErrors([describeError(e)]);
      if (e instanceof ApiError && e.code === 'VERDICT_NEEDS_REASON') setOverrideError(e.message);
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
              onChange={() => {
                setVerdict(v);
                // Problems found with the previous choice no longer apply.
                setErrors([]);
                setOverrideError(undefined);
              }}
              aria-describedby={`verdict-${v}-hint`}
            />
            <label htmlFor={`verdict-${v}`}>{VERDICT_LABEL[v]}</label>{' '}
            <span id={`verdict-${v}-hint`} className="muted small">
              {VERDICT_HINT[v]}
            </span>
          </div>
        ))}
      </fieldset>
      <div aria-live="polite">
        {conflict ? (
          <p className="notice verdict-conflict">
            {conflict}. Explain why below — the student reads it with the verdict — or change the
            flag decisions above.
          </p>
        ) : null}
      </div>
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
      {conflict ? (
        <Field
          label="Why the verdict goes against the flag decisions"
          hint="Required for this verdict. The student sees it beside the flag decisions."
          error={overrideError}
        >
          {(c) => (
            <textarea
              {...c}
              rows={3}
              maxLength={5000}
              required
              value={override}
              onChange={(e) => setOverride(e.target.value)}
            />
          )}
        </Field>
      ) : null}
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
