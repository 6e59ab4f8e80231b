import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ExamStatus, type Exam } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { useUser } from '../auth/session';
import { formatWindow, localTimeZone } from '../lib/datetime';
import { ExamStatusBadge } from '../exams/badges';
import { EXAM_STATUS_LABEL } from '../exams/labels';
import { sortExams } from '../exams/sort';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { ResourceView } from '../ui/states';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';

const columns: Column<Exam>[] = [
  { header: 'Title', cell: (e) => <Link to={`/admin/exams/${e.id}`}>{e.title}</Link> },
  { header: 'Window', cell: (e) => formatWindow(e.opensAt, e.closesAt) },
  { header: 'Status', cell: (e) => <ExamStatusBadge status={e.status} /> },
  { header: 'Registered', cell: (e) => `${e.registeredCount} / ${e.capacity}` },
  {
    header: 'Proctoring',
    cell: (e) => (
      <span className="row-actions">
        <Link to={`/proctor/exams/${e.id}/live`} aria-label={`Live dashboard of ${e.title}`}>
          Live
        </Link>{' '}
        <Link to={`/review/exams/${e.id}`} aria-label={`Review sessions of ${e.title}`}>
          Review
        </Link>
      </span>
    ),
  },
];

function parseStatus(value: string | null): ExamStatus | '' {
  const parsed = ExamStatus.safeParse(value);
  return parsed.success ? parsed.data : '';
}

/** /admin/exams: all exams (admin) or the instructor's exams, filtered by status. */
export function ExamsListPage() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const status = parseStatus(params.get('status'));
  const load = useCallback((signal: AbortSignal) => examsApi.list(status, signal), [status]);
  const exams = useResource(load);

  return (
    <Page
      title="Exams"
      intro={`Times are shown in your time zone (${localTimeZone()}).`}
      actions={
        <Link to="/admin/exams/new" className="button primary">
          New exam
        </Link>
      }
    >
      <div className="toolbar">
        <Field label="Status">
          {(c) => (
            <select
              {...c}
              value={status}
              onChange={(e) =>
                setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })
              }
            >
              <option value="">All</option>
              {ExamStatus.options.map((s) => (
                <option key={s} value={s}>
                  {EXAM_STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ResourceView
        resource={exams}
        empty={
          status
            ? `No ${status} exams.`
            : user.role === 'admin'
              ? 'No exams yet. Create one with “New exam”.'
              : 'No exams are assigned to you yet. Create one with “New exam”.'
        }
      >
        {(list) => (
          <div className="card flush">
            <Table caption="Exams" columns={columns} rows={sortExams(list)} rowKey={(e) => e.id} />
          </div>
        )}
      </ResourceView>
    </Page>
  );
}
