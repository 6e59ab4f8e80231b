import type { NavigatorItem } from './navigator-model';
import { summarize } from './navigator-model';

/** Moves to a question: scrolls it into view and focuses its first control (or the question). */
export function goToQuestion(questionId: string): void {
  const item = document.getElementById(`question-${questionId}`);
  if (!item) return;
  item.scrollIntoView({ block: 'start', behavior: 'smooth' });
  const control = item.querySelector<HTMLElement>(
    'input:not([disabled]):checked, input:not([disabled]), textarea:not([disabled]), select:not([disabled])',
  );
  (control ?? item).focus({ preventScroll: true });
}

/**
 * The question navigator: one button per question showing answered / not answered / marked
 * for review (by text and shape, never colour alone), and a summary. Buttons are in the tab
 * order and named for screen readers ("Question 3: answered, marked for review").
 */
export function QuestionNavigator({ items }: { items: readonly NavigatorItem[] }) {
  const summary = summarize(items);
  return (
    <nav className="card question-nav" aria-labelledby="question-nav-title">
      <h2 id="question-nav-title" className="question-nav-title">
        Questions
      </h2>
      <p className="question-nav-summary small" id="question-nav-summary">
        {summary.answered} answered · {summary.unanswered} not answered
        {summary.marked > 0 ? ` · ${summary.marked} marked for review` : ''}
      </p>
      <ul className="question-nav-list">
        {items.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className={`question-nav-item${item.answered ? ' is-answered' : ''}${
                item.marked ? ' is-marked' : ''
              }`}
              aria-label={item.label}
              onClick={() => goToQuestion(item.id)}
            >
              <span aria-hidden="true">{item.number}</span>
              {item.marked ? (
                <span className="question-nav-mark" aria-hidden="true">
                  ⚑
                </span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
      <ul className="question-nav-legend small" aria-label="Key">
        <li>
          <span className="question-nav-swatch is-answered" aria-hidden="true" /> Answered
        </li>
        <li>
          <span className="question-nav-swatch" aria-hidden="true" /> Not answered
        </li>
        <li>
          <span className="question-nav-swatch is-marked" aria-hidden="true">
            ⚑
          </span>{' '}
          Marked for review
        </li>
      </ul>
    </nav>
  );
}

/** The "Mark for review" toggle under each question. */
export function MarkForReview({
  number,
  marked,
  disabled,
  onToggle,
}: {
  number: number;
  marked: boolean;
  disabled: boolean;
  onToggle: () => void;
}) {
  return (
    <button
      type="button"
      className={`button secondary small mark-review${marked ? ' is-marked' : ''}`}
      aria-pressed={marked}
      disabled={disabled}
      onClick={onToggle}
    >
      {/* Not colour alone: an outlined flag until marked, a filled one once marked. */}
      <span aria-hidden="true">{marked ? '⚑ ' : '⚐ '}</span>
      Mark for review<span className="sr-only"> (question {number})</span>
    </button>
  );
}
