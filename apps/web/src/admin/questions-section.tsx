import { useCallback, useRef, useState, type FormEvent } from 'react';
import type { Question, QuestionKind, SessionState } from '@invigil/contracts';
import { ApiError } from '../api/client';
import { examContentApi, examsApi } from '../api/endpoints';
import { describeError, fieldIssues } from '../api/errors';
import { FormErrors } from '../ui/field';
import { Section } from '../ui/page';
import { EmptyState, ResourceView } from '../ui/states';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { QuestionCard } from './question-card';
import {
  countErrors,
  draftsToInput,
  moveItem,
  newDraft,
  questionToDraft,
  sameAsSaved,
  serverErrorsToDrafts,
  totalPoints,
  type DraftErrors,
  type DraftQuestion,
} from './questions-model';
import './exam-content.css';

/** Session states before an attempt begins; any other state means the questions are locked. */
const NOT_STARTED: readonly SessionState[] = ['registered', 'checking_in'];

/** One button per kind, in the order authors most often need them. */
const ADD_BUTTONS: readonly [QuestionKind, string][] = [
  ['single_choice', 'single-choice'],
  ['multiple_choice', 'multiple-choice'],
  ['true_false', 'true/false'],
  ['numeric', 'numeric'],
  ['short_text', 'short-text'],
  ['essay', 'essay'],
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function QuestionEditor({
  examId,
  initial,
  locked: lockedAtLoad,
  readOnly,
}: {
  examId: string;
  initial: Question[];
  locked: boolean;
  readOnly: boolean;
}) {
  const [saved, setSaved] = useState(initial);
  const [drafts, setDrafts] = useState<DraftQuestion[]>(() => initial.map(questionToDraft));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [pending, setPending] = useState(false);
  const [lockedBySave, setLockedBySave] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const locked = lockedAtLoad || lockedBySave;
  const editable = !locked && !readOnly;
  const dirty = !sameAsSaved(drafts, saved);

  /** Focus an element by its data-focus name once React has rendered the change. */
  const focusLater = (name: string) =>
    window.setTimeout(() => {
      form.current?.querySelector<HTMLElement>(`[data-focus="${name}"]`)?.focus();
    }, 0);

  const clearErrors = (key: string, fields: string[] | 'all') =>
    setErrors((prev) => {
      if (!prev[key]) return prev;
      const next = { ...prev };
      if (fields === 'all') delete next[key];
      else {
        const rest = { ...prev[key] };
        for (const f of fields) delete rest[f];
        next[key] = rest;
      }
      return next;
    });

  const update = (key: string, change: Partial<DraftQuestion>, cleared: string[] | 'all') => {
    setDrafts((prev) => prev.map((d) => (d.key === key ? { ...d, ...change } : d)));
    clearErrors(key, cleared);
  };

  const replace = (next: DraftQuestion) => {
    setDrafts((prev) => prev.map((d) => (d.key === next.key ? next : d)));
    clearErrors(next.key, 'all');
  };

  const add = (kind: QuestionKind) => {
    const draft = newDraft(kind);
    setDrafts((prev) => [...prev, draft]);
    clearErrors('set', 'all');
    focusLater(`${draft.key}-prompt`);
  };

  const move = (index: number, delta: number) => {
    const key = drafts[index]?.key;
    setDrafts((prev) => moveItem(prev, index, delta));
    const target = index + delta;
    // Keep focus on the button pressed, or on its twin once the question reaches an end.
    const atEnd = target === 0 || target === drafts.length - 1;
    const direction = delta < 0 ? 'up' : 'down';
    const other = delta < 0 ? 'down' : 'up';
    if (key) focusLater(`${key}-${atEnd ? other : direction}`);
  };

  const remove = (index: number) => {
    const key = drafts[index]?.key;
    const rest = drafts.filter((_, i) => i !== index);
    setDrafts(rest);
    if (key) clearErrors(key, 'all');
    const next = rest[index] ?? rest[index - 1];
    focusLater(next ? `${next.key}-prompt` : 'add-first');
    setFeedback({ tone: 'info', text: `Question ${index + 1} removed. Save to keep the change.` });
  };

  const discard = () => {
    setDrafts(saved.map(questionToDraft));
    setErrors({});
    setFeedback({ tone: 'info', text: 'Changes discarded.' });
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const result = draftsToInput(drafts);
    if (!result.ok) {
      setErrors(result.errors);
      setFeedback(null);
      window.setTimeout(() => form.current?.querySelector<HTMLElement>('[aria-invalid]')?.focus());
      return;
    }
    setPending(true);
    setFeedback(null);
    try {
      const stored = await examContentApi.saveQuestions(examId, result.questions);
      setSaved(stored);
      setDrafts(stored.map(questionToDraft));
      setErrors({});
      const points = stored.reduce((sum, q) => sum + q.points, 0);
      setFeedback({
        tone: 'success',
        text: `Questions saved: ${plural(stored.length, 'question')}, ${plural(points, 'point')}.`,
      });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'QUESTIONS_LOCKED') setLockedBySave(true);
      setErrors(serverErrorsToDrafts(fieldIssues(error), drafts));
      setFeedback({ tone: 'error', text: `Not saved: ${describeError(error)}` });
    } finally {
      setPending(false);
    }
  };

  const points = totalPoints(drafts);
  // The count follows the corrections, and disappears once every problem is fixed.
  const problems = countErrors(errors);
  const shown: Feedback | null =
    problems > 0
      ? { tone: 'error', text: `Please correct ${plural(problems, 'problem')} marked below.` }
      : feedback;
  return (
    <form ref={form} onSubmit={(e) => void save(e)} aria-label="Questions" noValidate>
      <StatusMessage feedback={shown} />
      {locked ? (
        <Notice>
          Students have started this exam, so its questions are locked and can no longer change.
        </Notice>
      ) : null}
      <FormErrors messages={Object.values(errors.set ?? {})} />
      {drafts.length === 0 ? (
        <EmptyState>
          {editable
            ? 'No questions yet. Add questions of any kind below, or give the exam an external page above.'
            : 'This exam has no built-in questions.'}
        </EmptyState>
      ) : (
        <ol className="question-list">
          {drafts.map((draft, index) => (
            <li key={draft.key}>
              <QuestionCard
                draft={draft}
                index={index}
                count={drafts.length}
                errors={errors[draft.key] ?? {}}
                disabled={!editable || pending}
                editable={editable}
                onChange={(change, cleared) => update(draft.key, change, cleared)}
                onReplace={replace}
                onMove={(delta) => move(index, delta)}
                onRemove={() => remove(index)}
              />
            </li>
          ))}
        </ol>
      )}
      {editable ? (
        <>
          <div className="form-actions">
            {ADD_BUTTONS.map(([kind, label], i) => (
              <button
                key={kind}
                data-focus={i === 0 ? 'add-first' : undefined}
                type="button"
                className="button secondary"
                disabled={pending}
                onClick={() => add(kind)}
              >
                Add {label} question
              </button>
            ))}
          </div>
          <div className="form-actions question-save">
            <button type="submit" className="button primary" disabled={pending || !dirty}>
              {pending ? 'Saving…' : 'Save questions'}
            </button>
            {dirty ? (
              <button
                type="button"
                className="button secondary"
                disabled={pending}
                onClick={discard}
              >
                Discard changes
              </button>
            ) : null}
            <p className="muted small" aria-live="polite">
              {plural(drafts.length, 'question')}, {plural(points, 'point')}
              {dirty ? ' — unsaved changes' : ''}
            </p>
          </div>
        </>
      ) : null}
    </form>
  );
}

/**
 * The exam's built-in questions: add questions of each kind, reorder,
 * remove, and save the whole set. Locked once any student has started.
 */
export function QuestionsSection({ examId, readOnly }: { examId: string; readOnly: boolean }) {
  const loadQuestions = useCallback(
    (signal: AbortSignal) => examContentApi.questions(examId, signal),
    [examId],
  );
  const loadRoster = useCallback(
    (signal: AbortSignal) => examsApi.roster(examId, signal),
    [examId],
  );
  const questions = useResource(loadQuestions);
  const roster = useResource(loadRoster);
  const started = (roster.data ?? []).some((r) => !NOT_STARTED.includes(r.sessionState));

  return (
    <Section title="Questions" id="questions">
      <ResourceView resource={questions}>
        {(list) => (
          <QuestionEditor examId={examId} initial={list} locked={started} readOnly={readOnly} />
        )}
      </ResourceView>
    </Section>
  );
}
