import { useState, type FormEvent } from 'react';
import type { ScoredAnswers } from '@invigil/contracts';
import { gradingApi } from '../api/grading';
import { describeError } from '../api/errors';
import { Field, NumberField } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';

type Item = ScoredAnswers['items'][number];

/**
 * An instructor's grade of one short-text or essay answer: points from 0 to the question's
 * points and an optional comment the student sees once the score is released.
 */
export function GradeForm({
  sessionId,
  item,
  n,
  onGraded,
}: {
  sessionId: string;
  item: Item;
  n: number;
  onGraded: (next: ScoredAnswers) => void;
}) {
  const max = item.question.points;
  const [points, setPoints] = useState(item.grade ? String(item.grade.points) : '');
  const [comment, setComment] = useState(item.grade?.comment ?? '');
  const [error, setError] = useState<string | undefined>();
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = Number(points);
    if (points.trim() === '' || !Number.isInteger(value) || value < 0 || value > max) {
      setError(`Enter whole points from 0 to ${max}.`);
      return;
    }
    setError(undefined);
    setPending(true);
    setFeedback(null);
    try {
      const next = await gradingApi.grade(sessionId, item.question.id, {
        points: value,
        comment: comment.trim() || null,
      });
      setFeedback({ tone: 'success', text: `Grade saved: ${value} of ${max}.` });
      onGraded(next);
    } catch (e) {
      setFeedback({ tone: 'error', text: `Not saved: ${describeError(e)}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      className="grade-form"
      aria-label={`Grade question ${n}`}
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <NumberField
        label={`Points (0 to ${max})`}
        error={error}
        className="question-points"
        inputMode="numeric"
        min={0}
        max={max}
        step={1}
        value={points}
        onChange={(v) => {
          setPoints(v);
          setError(undefined);
        }}
      />
      <Field label="Comment for the student (optional)">
        {(c) => (
          <textarea
            {...c}
            rows={2}
            maxLength={5000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" className="button primary small" disabled={pending}>
          {pending ? 'Saving…' : item.grade ? 'Update grade' : 'Save grade'}
        </button>
      </div>
      <StatusMessage feedback={feedback} />
    </form>
  );
}
