import type { OpenExam } from '@invigil/contracts';
import { formatDateTime } from '../lib/datetime';
import { ScheduleFacts } from '../exams/exam-facts';
import { seatsLeftLabel } from '../exams/labels';
import { ResourceView } from '../ui/states';
import type { Resource } from '../ui/use-resource';

/** The catalogue of exams open for registration, each with a Register button. */
export function OpenExams({
  resource,
  pending,
  registeredExamIds,
  onRegister,
}: {
  resource: Resource<OpenExam[]>;
  pending: string | null;
  registeredExamIds: ReadonlySet<string>;
  onRegister: (exam: OpenExam) => void;
}) {
  return (
    <ResourceView resource={resource} empty="No exams are open for registration right now.">
      {(exams) => (
        <ul className="exam-list">
          {exams.map((exam) => {
            const registered = registeredExamIds.has(exam.id);
            const full = exam.full || exam.registeredCount >= exam.capacity;
            const titleId = `open-${exam.id}`;
            return (
              <li key={exam.id} className="exam-card" aria-labelledby={titleId}>
                <div className="exam-card-body">
                  <h3 id={titleId}>{exam.title}</h3>
                  {exam.description ? <p className="description">{exam.description}</p> : null}
                  <dl className="facts">
                    <ScheduleFacts exam={exam} />
                    <div>
                      <dt>Register by</dt>
                      <dd>{formatDateTime(exam.registrationDeadline)}</dd>
                    </div>
                    <div>
                      <dt>Seats</dt>
                      <dd className={full ? 'text-warn' : undefined}>
                        {seatsLeftLabel(exam.capacity, exam.registeredCount)}
                      </dd>
                    </div>
                  </dl>
                </div>
                <div className="exam-card-actions">
                  {registered ? (
                    <span className="badge badge-reg-active">You are registered</span>
                  ) : (
                    <button
                      type="button"
                      className="button primary"
                      disabled={full || pending !== null}
                      aria-describedby={titleId}
                      onClick={() => onRegister(exam)}
                    >
                      {pending === exam.id ? 'Registering…' : full ? 'Full' : 'Register'}
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </ResourceView>
  );
}
