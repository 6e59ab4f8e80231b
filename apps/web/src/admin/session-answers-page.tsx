import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { ScoredAnswers } from '@invigil/contracts';
import { examContentApi, examsApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { gradingApi } from '../api/grading';
import { questionMarksApi } from '../api/question-marks';
import { SessionStateBadge } from '../exams/badges';
import { formatDateTime } from '../lib/datetime';
import { Page, Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { StatusMessage, type Feedback } from '../ui/status-message';
import {
  answerTotals,
  chose,
  isManual,
  isRightOption,
  itemResult,
  numberAnswer,
} from './answers-model';
import { GradeForm } from './grade-form';
import { KIND_LABEL, optionLetter, PARTIAL_CREDIT_RULE } from './questions-model';
import './exam-content.css';

type Item = ScoredAnswers['items'][number];

const TONE_BADGE = { right: 'badge-right', wrong: 'badge-wrong', open: 'badge-draft' } as const;

function ScoreSummary({ data }: { data: ScoredAnswers }) {
  const t = answerTotals(data.items);
  if (data.items.length === 0) {
    return <p>This exam has no built-in questions, so there is nothing to score here.</p>;
  }
  if (!data.answerKey) {
    return (
      <p className="muted">
        {t.answered} of {data.items.length} questions answered. The right answers and the score are
        shown to the exam’s instructors.
      </p>
    );
  }
  if (data.score === null || data.maxScore === null) {
    return (
      <>
        <p className="score">Not scored yet</p>
        <p className="muted">
          The attempt has not been submitted. So far {t.earned} of {t.max} points from the
          automatically scored questions; {t.answered} of {data.items.length} questions answered.
          Short-text and essay answers are graded once the attempt ends.
        </p>
      </>
    );
  }
  const pending = data.pendingGrading ?? 0;
  return (
    <>
      <p className="score">
        {data.score} / {data.maxScore} <span className="sr-only">points</span>
      </p>
      <p className="muted">
        Choice, true/false and numeric questions are scored automatically; {t.answered} of{' '}
        {data.items.length} questions answered.{' '}
        {pending > 0
          ? `${pending} short-text or essay answer${pending === 1 ? '' : 's'} still need${pending === 1 ? 's' : ''} a grade below.`
          : t.textCount > 0
            ? 'Every short-text and essay answer is graded.'
            : ''}
      </p>
    </>
  );
}

/** Release the score to the student, once nothing is left to grade. */
function ReleaseScore({
  sessionId,
  data,
  onReleased,
}: {
  sessionId: string;
  data: ScoredAnswers;
  onReleased: (next: ScoredAnswers) => void;
}) {
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [pending, setPending] = useState(false);
  if (!data.answerKey || !data.ended || data.items.length === 0) return null;
  if (data.releasedAt) {
    return (
      <p className="notice notice-success">
        Score released to the student on {formatDateTime(data.releasedAt)}. Changed grades reach the
        student at once.
      </p>
    );
  }
  const waiting = (data.pendingGrading ?? 0) > 0;
  const release = async () => {
    setPending(true);
    setFeedback(null);
    try {
      onReleased(await gradingApi.releaseSession(sessionId));
      setFeedback({ tone: 'success', text: 'Score released to the student.' });
    } catch (e) {
      setFeedback({ tone: 'error', text: `Not released: ${describeError(e)}` });
    } finally {
      setPending(false);
    }
  };
  return (
    <div className="release-score">
      <p className="muted small" id="release-hint">
        {waiting
          ? 'Grade every short-text and essay answer before releasing the score.'
          : 'The student sees their score, the points per question and your comments once released.'}
      </p>
      <button
        type="button"
        className="button primary"
        disabled={pending || waiting}
        aria-describedby="release-hint"
        onClick={() => void release()}
      >
        {pending ? 'Releasing…' : 'Release score to the student'}
      </button>
      <StatusMessage feedback={feedback} />
    </div>
  );
}

function AnswerBody({ item }: { item: Item }) {
  const { question, value } = item;
  if (question.options.length > 0) {
    return (
      <ul className="answer-options">
        {question.options.map((option, i) => (
          <li key={i}>
            <strong>{optionLetter(i)}.</strong> {option}
            {isRightOption(item, i) ? (
              <span className="badge badge-right">Right answer</span>
            ) : null}
            {chose(item, i) ? <span className="badge badge-chosen">Chosen</span> : null}
          </li>
        ))}
      </ul>
    );
  }
  if (question.kind === 'numeric') {
    const tolerance = question.tolerance ? ` ± ${question.tolerance}` : '';
    return (
      <>
        <p className="answer-text">Answer: {numberAnswer(item) ?? '(none)'}</p>
        {question.numericAnswer !== null ? (
          <p className="muted small">
            Right value: {question.numericAnswer}
            {tolerance}
          </p>
        ) : null}
      </>
    );
  }
  return value && 'text' in value ? <p className="answer-text">{value.text || '(empty)'}</p> : null;
}

function AnswerCard({
  item,
  n,
  sessionId,
  canGrade,
  marked,
  onGraded,
}: {
  item: Item;
  n: number;
  sessionId: string;
  canGrade: boolean;
  /** The student marked this question for review (to come back to it) in the navigator. */
  marked: boolean;
  onGraded: (next: ScoredAnswers) => void;
}) {
  const { question } = item;
  const result = itemResult(item);
  return (
    <li className="answer-card">
      <h3>
        Question {n}{' '}
        <span className="muted">
          · {KIND_LABEL[question.kind]} · {question.points} point{question.points === 1 ? '' : 's'}
        </span>
      </h3>
      {marked ? (
        <p>
          <span className="badge badge-draft">Marked for review by the student</span>
        </p>
      ) : null}
      <p className="answer-prompt">{question.prompt}</p>
      <AnswerBody item={item} />
      {question.kind === 'multiple_choice' && item.correct !== null ? (
        <p className="muted small">{PARTIAL_CREDIT_RULE}</p>
      ) : null}
      <p className="answer-result">
        <span className={`badge ${TONE_BADGE[result.tone]}`}>{result.label}</span>
        {item.updatedAt ? (
          <span className="muted small">Saved {formatDateTime(item.updatedAt)}</span>
        ) : null}
      </p>
      {item.grade ? (
        <p className="muted small">
          Graded by {item.grade.gradedBy?.name ?? 'a former instructor'} on{' '}
          {formatDateTime(item.grade.gradedAt)}
          {item.grade.comment ? `: “${item.grade.comment}”` : ''}
        </p>
      ) : null}
      {canGrade && isManual(item) && item.value !== null ? (
        <GradeForm sessionId={sessionId} item={item} n={n} onGraded={onGraded} />
      ) : null}
    </li>
  );
}

/**
 * /admin/sessions/:id/answers: one attempt's answers with the right ones and its score; the
 * exam's instructors grade short-text and essay answers here and release the score.
 */
export function SessionAnswersPage() {
  const { id = '' } = useParams();
  const loadContext = useCallback(
    async (signal: AbortSignal) => {
      const session = await examContentApi.session(id, signal);
      const [exam, roster] = await Promise.all([
        examsApi.get(session.examId, signal),
        examsApi.roster(session.examId, signal),
      ]);
      return { session, exam, entry: roster.find((r) => r.sessionId === id) };
    },
    [id],
  );
  const loadAnswers = useCallback(
    (signal: AbortSignal) => examContentApi.sessionAnswers(id, signal),
    [id],
  );
  const loadMarks = useCallback((signal: AbortSignal) => questionMarksApi.list(id, signal), [id]);
  const context = useResource(loadContext);
  const answers = useResource(loadAnswers);
  // Marks only add a hint to each answer: the answers show without them if they fail to load.
  const marks = useResource(loadMarks);
  const marked = new Set(marks.data?.marks.map((m) => m.questionId));
  const ctx = context.data;

  const back = ctx ? (
    <Link to={`/admin/exams/${ctx.exam.id}`} className="button secondary">
      Back to {ctx.exam.title}
    </Link>
  ) : (
    <Link to="/admin/exams" className="button secondary">
      All exams
    </Link>
  );
  const who = ctx?.entry ? `${ctx.entry.studentName} (${ctx.entry.studentEmail})` : null;

  return (
    <Page
      title={who ? `Answers of ${ctx?.entry?.studentName}` : 'Answers'}
      intro={
        ctx ? (
          <>
            {ctx.exam.title} · <SessionStateBadge state={ctx.session.state} />
            {ctx.session.startedAt ? ` · started ${formatDateTime(ctx.session.startedAt)}` : ''}
            {ctx.session.endedAt ? ` · ended ${formatDateTime(ctx.session.endedAt)}` : ''}
          </>
        ) : null
      }
      actions={back}
    >
      <ResourceView resource={answers}>
        {(data) => (
          <>
            <Section title="Score" id="score">
              {who ? <p className="muted small">{who}</p> : null}
              <ScoreSummary data={data} />
              <ReleaseScore
                sessionId={id}
                data={data}
                onReleased={(next) => answers.mutate(() => next)}
              />
            </Section>
            {data.items.length > 0 ? (
              <Section title="Answers" id="answers">
                {marks.error ? (
                  <p className="muted small">
                    Which questions the student marked for review could not be loaded:{' '}
                    {describeError(marks.error)}
                  </p>
                ) : null}
                <ol className="answer-list">
                  {data.items.map((item, i) => (
                    <AnswerCard
                      key={item.question.id}
                      item={item}
                      n={i + 1}
                      sessionId={id}
                      canGrade={data.answerKey && data.ended}
                      marked={marked.has(item.question.id)}
                      onGraded={(next) => answers.mutate(() => next)}
                    />
                  ))}
                </ol>
              </Section>
            ) : null}
          </>
        )}
      </ResourceView>
    </Page>
  );
}
