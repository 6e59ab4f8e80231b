import type { Exam } from '@invigil/contracts';
import { formatWindow } from '../lib/datetime';
import { ExamStatusBadge } from './badges';
import { durationLabel } from './labels';

/**
 * The "When" and "Duration" entries of an exam's facts (inside a `<dl className="facts">`),
 * and its status when given: the same words wherever an exam is summarised.
 */
export function ScheduleFacts({
  exam,
  withStatus = false,
}: {
  exam: Pick<Exam, 'opensAt' | 'closesAt' | 'durationMinutes'> & Partial<Pick<Exam, 'status'>>;
  withStatus?: boolean;
}) {
  return (
    <>
      <div className="wide">
        <dt>When</dt>
        <dd>{formatWindow(exam.opensAt, exam.closesAt)}</dd>
      </div>
      <div>
        <dt>Duration</dt>
        <dd>{durationLabel(exam.durationMinutes)}</dd>
      </div>
      {withStatus && exam.status ? (
        <div>
          <dt>Status</dt>
          <dd>
            <ExamStatusBadge status={exam.status} />
          </dd>
        </div>
      ) : null}
    </>
  );
}
