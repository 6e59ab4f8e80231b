import { useCallback } from 'react';
import type { StudentResult } from '@invigil/contracts';
import { gradingApi } from '../api/grading';
import { formatDateTime } from '../lib/datetime';
import { Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';

type Item = StudentResult['items'][number];

const pts = (n: number) => `${n} point${n === 1 ? '' : 's'}`;

/** The student's own answer, in words. */
function answerText(item: Item): string {
  const v = item.value;
  if (!v) return 'No answer';
  if ('choice' in v) return item.options[v.choice] ?? '—';
  if ('choices' in v) {
    return v.choices.length ? v.choices.map((c) => item.options[c] ?? '—').join(', ') : 'None';
  }
  if ('number' in v) return String(v.number);
  return v.text || '(empty)';
}

/**
 * The student's score once instructors release it: the total, then per question their answer,
 * the points earned and the grader's comment — the latter only once the exam has closed, so
 * marks cannot leak the answer key to those still sitting it. Never the right answers.
 */
export function ResultScore({ sessionId }: { sessionId: string }) {
  const load = useCallback(
    (signal: AbortSignal) => gradingApi.result(sessionId, signal),
    [sessionId],
  );
  const result = useResource(load);
  return (
    <Section title="Score" id="score">
      <ResourceView resource={result}>
        {(r) =>
          !r.released ? (
            <p>
              Your score has not been released yet. It appears here once your instructors release
              it.
            </p>
          ) : r.score === null || r.maxScore === null ? (
            <p>This exam has no built-in questions, so there is no score.</p>
          ) : (
            <>
              <p className="score">
                {r.score} / {r.maxScore} <span className="sr-only">points</span>
              </p>
              <p className="muted small">
                Released {r.releasedAt ? formatDateTime(r.releasedAt) : ''}.
              </p>
              {r.itemsHiddenUntil ? (
                <p role="note">
                  Per-question marks are shown after the exam closes on{' '}
                  <time dateTime={r.itemsHiddenUntil}>{formatDateTime(r.itemsHiddenUntil)}</time>.
                </p>
              ) : null}
              {/* No empty list while the marks are still hidden. */}
              {r.items.length === 0 ? null : (
                <ol className="answer-list result-items">
                  {r.items.map((item, i) => (
                    <li key={item.questionId} className="answer-card">
                      <h3>
                        Question {i + 1}{' '}
                        <span className="muted">
                          · {item.earned} of {pts(item.maxPoints)}
                        </span>
                      </h3>
                      <p className="answer-prompt">{item.prompt}</p>
                      <p className="answer-text">
                        <span className="muted small">Your answer: </span>
                        {answerText(item)}
                      </p>
                      {item.comment ? (
                        <p className="pre">
                          <strong>Grader’s comment:</strong> {item.comment}
                        </p>
                      ) : null}
                    </li>
                  ))}
                </ol>
              )}
            </>
          )
        }
      </ResourceView>
    </Section>
  );
}
