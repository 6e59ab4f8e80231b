import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import type { Exam } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { localTimeZone } from '../lib/datetime';
import { ScheduleFacts } from '../exams/exam-facts';
import { Roster } from '../exams/roster';
import { sortExams } from '../exams/sort';
import { Page } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';

function ExamRow({ exam }: { exam: Exam }) {
  const [open, setOpen] = useState(false);
  const rosterId = `roster-${exam.id}`;
  const titleId = `exam-title-${exam.id}`;
  return (
    <li className="exam-card column">
      <div className="exam-card-body">
        <h2 className="h3" id={titleId}>
          {exam.title}
        </h2>
        <dl className="facts">
          <ScheduleFacts exam={exam} withStatus />
          <div>
            <dt>Registered</dt>
            <dd>
              {exam.registeredCount} of {exam.capacity}
            </dd>
          </div>
        </dl>
      </div>
      <div className="toolbar">
        <Link
          to={`/proctor/exams/${encodeURIComponent(exam.id)}/live`}
          className="button primary small"
          aria-describedby={titleId}
        >
          Live dashboard
        </Link>
        <Link
          to={`/review/exams/${encodeURIComponent(exam.id)}`}
          className="button secondary small"
          aria-describedby={titleId}
        >
          Review
        </Link>
        <button
          type="button"
          className="button secondary small disclosure"
          aria-expanded={open}
          aria-controls={rosterId}
          onClick={() => setOpen((value) => !value)}
        >
          {open ? 'Hide roster' : 'Show roster'}
        </button>
      </div>
      <div id={rosterId} hidden={!open} className="roster">
        {open ? <Roster examId={exam.id} examTitle={exam.title} /> : null}
      </div>
    </li>
  );
}

/**
 * /proctor: the exams assigned to this proctor, each with its live dashboard link and an
 * expandable roster.
 */
export function ProctorHome() {
  const load = useCallback((signal: AbortSignal) => examsApi.list('', signal), []);
  const exams = useResource(load);
  return (
    <Page
      title="Assigned exams"
      intro={`Exams you proctor. Times are shown in your time zone (${localTimeZone()}).`}
    >
      <ResourceView resource={exams} empty="No exams are assigned to you yet.">
        {(list) => (
          <ul className="exam-list">
            {sortExams(list).map((exam) => (
              <ExamRow key={exam.id} exam={exam} />
            ))}
          </ul>
        )}
      </ResourceView>
    </Page>
  );
}
