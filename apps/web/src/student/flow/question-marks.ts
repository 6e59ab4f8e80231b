import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/errors';
import { questionMarksApi } from '../../api/question-marks';

/** What the exam room needs of the marks: the set, a toggle, and the last failure. */
export interface QuestionMarksState {
  marked: ReadonlySet<string>;
  toggle: (questionId: string) => void;
  error: string | null;
}

/**
 * Loads the marks once and toggles them optimistically: the navigator changes at once, and a
 * refused change is put back with a message (the server decides, e.g. after the deadline).
 */
export function useQuestionMarks(sessionId: string): QuestionMarksState {
  const [marked, setMarked] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    questionMarksApi.list(sessionId, abort.signal).then(
      (list) => setMarked(new Set(list.marks.map((m) => m.questionId))),
      (e: unknown) => {
        if (!abort.signal.aborted) setError(describeError(e));
      },
    );
    return () => abort.abort();
  }, [sessionId]);

  const toggle = useCallback(
    (questionId: string) => {
      const next = !marked.has(questionId);
      const apply = (on: boolean) =>
        setMarked((prev) => {
          const copy = new Set(prev);
          if (on) copy.add(questionId);
          else copy.delete(questionId);
          return copy;
        });
      apply(next);
      setError(null);
      questionMarksApi.set(sessionId, questionId, next).catch((e: unknown) => {
        apply(!next);
        setError(`The mark was not saved: ${describeError(e)}`);
      });
    },
    [marked, sessionId],
  );

  return { marked, toggle, error };
}
