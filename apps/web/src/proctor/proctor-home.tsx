import { useCallback, useState } from 'react';
import type { Exam } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { formatWindow, localTimeZone } from '../lib/datetime';
import { ExamStatusBadge } from '../exams/badges';
import { durationLabel } from '../exams/labels';
import { Roster } from '../exams/roster';
import { sortExams } from '../exams/sort';
import { Page } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';

function ExamRow({ exam }: { exam: Exam }) {
  const [open, setOpen] = useState(false);
  const rosterId = `roster-${exam.id}`;
  return (
    <li className="exam-card column">
      <div className="exam-card-body">
        <h2 className="h3">{exam.title}</h2>
        <dl className="facts">
          <div className="wide">
            <dt>When</dt>
            <dd>{formatWindow(exam.opensAt, exam.closesAt)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{durationLabel(exam.durationMinutes)}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <ExamStatusBadge status={exam.status} />
            </dd>
          </div>
          <div>
            <dt>Registered</dt>
            <dd>
              {exam.registeredCount} of {exam.capacity}
            </dd>
          </div>
        </dl>
      </div>
      <div>
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

/** /proctor: the exams assigned to this proctor, each with an expandable roster. */
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
