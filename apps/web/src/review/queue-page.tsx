import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { ReviewQueueEntry } from '@invigil/contracts';
import { examsApi, reviewApi } from '../api/endpoints';
import { SessionStateBadge } from '../exams/badges';
import { Page, Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import {
  nextSort,
  PRIORITY_SORT,
  queueStatus,
  sortQueue,
  type QueueSort,
  type QueueSortKey,
} from './review-model';
import './review.css';

const COLUMNS: { key: QueueSortKey; label: string }[] = [
  { key: 'priority', label: 'Priority' },
  { key: 'student', label: 'Student' },
  { key: 'risk', label: 'Risk' },
  { key: 'flags', label: 'Undecided flags' },
  { key: 'state', label: 'Review' },
];

/** A column header that sorts the table; aria-sort tells screen readers the current order. */
function SortHeader({
  column,
  sort,
  onSort,
}: {
  column: { key: QueueSortKey; label: string };
  sort: QueueSort;
  onSort: (key: QueueSortKey) => void;
}) {
  const active = sort.key === column.key;
  return (
    <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column.key)}>
        {column.label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ' ↕'}
        </span>
      </button>
    </th>
  );
}

/** The queue as a sortable table. */
function QueueTable({ entries }: { entries: ReviewQueueEntry[] }) {
  const [sort, setSort] = useState<QueueSort>(PRIORITY_SORT);
  const rows = sortQueue(entries, sort);
  const priority = new Map(entries.map((e, i) => [e.session.id, i + 1]));
  return (
    <div className="table-wrap">
      <table className="table review-queue">
        <caption className="sr-only">
          Finished sessions, sorted by{' '}
          {COLUMNS.find((c) => c.key === sort.key)?.label.toLowerCase()}
          {sort.dir === 'asc' ? ', ascending' : ', descending'}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <SortHeader
                key={c.key}
                column={c}
                sort={sort}
                onSort={(key) => setSort((s) => nextSort(s, key))}
              />
            ))}
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.session.id} className={e.awaitingReReview ? 'queue-responded' : undefined}>
              <td data-label="Priority">{priority.get(e.session.id)}</td>
              <td data-label="Student">
                <strong id={`q-${e.session.id}`}>{e.student.name}</strong>
                <span className="muted small block">{e.student.email}</span>
              </td>
              <td data-label="Risk">
                <span
                  className={`risk risk-${e.risk >= 60 ? 'high' : e.risk >= 30 ? 'medium' : 'low'}`}
                >
                  {e.risk}
                </span>
              </td>
              <td data-label="Undecided flags">
                {e.flags.open}
                <span className="muted small block">
                  {e.flags.confirmed} confirmed, {e.flags.dismissed} dismissed
                </span>
              </td>
              <td data-label="Review">
                {queueStatus(e)}
                <span className="block">
                  <SessionStateBadge state={e.session.state} />
                </span>
              </td>
              <td className="actions">
                <Link
                  to={`/review/sessions/${e.session.id}`}
                  className={`button small ${e.verdict === null || e.awaitingReReview ? 'primary' : 'secondary'}`}
                  aria-describedby={`q-${e.session.id}`}
                >
                  {e.verdict === null || e.awaitingReReview ? 'Review' : 'Open'}
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** /review/exams/:id — the exam's finished sessions in review order. */
export function ReviewQueuePage() {
  const { id = '' } = useParams();
  const loadQueue = useCallback((signal: AbortSignal) => reviewApi.queue(id, signal), [id]);
  const loadExam = useCallback((signal: AbortSignal) => examsApi.get(id, signal), [id]);
  const queue = useResource(loadQueue);
  const exam = useResource(loadExam);
  return (
    <Page
      title={exam.data ? `Review: ${exam.data.title}` : 'Review queue'}
      intro="Sessions whose student responded come first, then unreviewed sessions by risk."
      actions={
        <button type="button" className="button secondary" onClick={queue.reload}>
          Refresh
        </button>
      }
    >
      <Section title="Finished sessions" id="review-queue">
        <ResourceView resource={queue} empty="No finished sessions yet.">
          {(entries) => <QueueTable entries={entries} />}
        </ResourceView>
      </Section>
      <p>
        <Link to="/proctor">Back to assigned exams</Link>
      </p>
    </Page>
  );
}
