import type { Exam, SessionCounts, SessionState } from '@invigil/contracts';
import { ScheduleFacts } from '../exams/exam-facts';

/** The counts the panel shows, in the order of an attempt's life. */
const COUNTED: readonly { state: SessionState; label: string }[] = [
  { state: 'registered', label: 'Registered' },
  { state: 'checking_in', label: 'Checking in' },
  { state: 'in_progress', label: 'In progress' },
  { state: 'paused', label: 'Paused' },
  { state: 'submitted', label: 'Submitted' },
  { state: 'terminated', label: 'Terminated' },
];

/** The exam's details and how many sessions are in each state. */
export function ExamPanel({ exam, counts }: { exam: Exam; counts: SessionCounts }) {
  return (
    <section className="card exam-panel" aria-labelledby="exam-panel-heading">
      <h2 id="exam-panel-heading" className="sr-only">
        Exam details
      </h2>
      <dl className="facts exam-panel-facts">
        <ScheduleFacts exam={exam} withStatus />
      </dl>
      <dl className="exam-counts">
        {COUNTED.map(({ state, label }) => (
          <div key={state} className={`exam-count count-${state}`}>
            <dt>{label}</dt>
            <dd>{counts[state] ?? 0}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
