import { useCallback } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { ScoredAnswers } from '@invigil/contracts';
import { examContentApi, examsApi } from '../api/endpoints';
import { SessionStateBadge } from '../exams/badges';
import { formatDateTime } from '../lib/datetime';
import { Page, Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { answerTotals, itemResult } from './answers-model';
import { optionLetter } from './questions-model';
import './exam-content.css';

type Item = ScoredAnswers['items'][number];

const TONE_BADGE = { right: 'badge-right', wrong: 'badge-wrong', open: 'badge-draft' } as const;

function ScoreSummary({ data }: { data: ScoredAnswers }) {
  const t = answerTotals(data.items);
  const textNote =
    t.textCount > 0
      ? ` ${t.textCount} short-text answer${t.textCount === 1 ? '' : 's'} (${t.textPoints} points) need${t.textCount === 1 ? 's' : ''} grading by hand.`
      : '';
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
          The attempt has not been submitted. So far {t.earned} of {t.max} points from multiple
          choice; {t.answered} of {data.items.length} questions answered.{textNote}
        </p>
      </>
    );
  }
  return (
    <>
      <p className="score">
        {data.score} / {data.maxScore} <span className="sr-only">points</span>
      </p>
      <p className="muted">
        Multiple choice is scored automatically; {t.answered} of {data.items.length} questions
        answered.{textNote}
      </p>
    </>
  );
}

function AnswerCard({ item, n }: { item: Item; n: number }) {
  const { question, value } = item;
  const result = itemResult(item);
  return (
    <li className="answer-card">
      <h3>
        Question {n}{' '}
        <span className="muted">
          · {question.kind === 'multiple_choice' ? 'Multiple choice' : 'Short text'} ·{' '}
          {question.points} point{question.points === 1 ? '' : 's'}
        </span>
      </h3>
      <p className="answer-prompt">{question.prompt}</p>
      {question.kind === 'multiple_choice' ? (
        <ul className="answer-options">
          {question.options.map((option, i) => (
            <li key={i}>
              <strong>{optionLetter(i)}.</strong> {option}
              {i === question.correctOption ? (
                <span className="badge badge-right">Right answer</span>
              ) : null}
              {value && 'choice' in value && value.choice === i ? (
                <span className="badge badge-chosen">Chosen</span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : value && 'text' in value ? (
        <p className="answer-text">{value.text || '(empty)'}</p>
      ) : null}
      <p className="answer-result">
        <span className={`badge ${TONE_BADGE[result.tone]}`}>{result.label}</span>
        {item.updatedAt ? (
          <span className="muted small">Saved {formatDateTime(item.updatedAt)}</span>
        ) : null}
      </p>
    </li>
  );
}

/** /admin/sessions/:id/answers: one attempt's answers with the right ones and its score. */
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
  const context = useResource(loadContext);
  const answers = useResource(loadAnswers);
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
            </Section>
            {data.items.length > 0 ? (
              <Section title="Answers" id="answers">
                <ol className="answer-list">
                  {data.items.map((item, i) => (
                    <AnswerCard key={item.question.id} item={item} n={i + 1} />
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
