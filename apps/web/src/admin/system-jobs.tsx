import { useCallback } from 'react';
import type { DeadLetter, JobTypeCounts } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { systemApi } from '../api/system';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { Section } from '../ui/page';
import { EmptyState, ResourceView } from '../ui/states';
import { StatusMessage } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useActionFeedback } from '../ui/use-action-feedback';
import { useResource } from '../ui/use-resource';
import { formatCount, formatSeconds, formatWhen } from './system-format';
import { jobLabel, REFRESH_MS } from './system-model';

const countColumns: Column<JobTypeCounts>[] = [
  { header: 'Job type', cell: (t) => jobLabel(t.type) },
  { header: 'Waiting', cell: (t) => formatCount(t.waiting) },
  { header: 'Delayed', cell: (t) => formatCount(t.delayed) },
  { header: 'Running', cell: (t) => formatCount(t.running) },
  { header: 'Dead', cell: (t) => formatCount(t.dead) },
  {
    header: 'Oldest wait',
    cell: (t) => (t.oldestWaitingSeconds > 0 ? formatSeconds(t.oldestWaitingSeconds) : '–'),
  },
];

const when = (iso: string) => (
  <time dateTime={iso} title={formatDateTime(iso)}>
    {formatWhen(iso)}
  </time>
);

/**
 * The background job queue: counts per job type, and the dead letters (jobs that used up
 * their attempts or failed for good) with a Retry button each, which asks first and says
 * how it went. Refreshes with the charts.
 */
export function SystemJobsSection() {
  const load = useCallback((signal: AbortSignal) => systemApi.jobs(signal), []);
  const jobs = useResource(load, { refetchInterval: REFRESH_MS });
  const { pending, feedback, run } = useActionFeedback<string>();

  const retry = (d: DeadLetter) =>
    run(d.id, async () => {
      try {
        await systemApi.retry(d.id);
      } catch (error) {
        throw new Error(`${jobLabel(d.type)} job ${d.id} was not retried: ${describeError(error)}`);
      } finally {
        jobs.reload();
      }
      return `${jobLabel(d.type)} job ${d.id} is queued to run again.`;
    });

  const deadColumns: Column<DeadLetter>[] = [
    {
      header: 'Job',
      cell: (d) => (
        <span id={`dead-${d.id}`}>
          {jobLabel(d.type)}
          <span className="muted small block mono">
            #{d.id}
            {d.key ? ` · key ${d.key}` : ''}
          </span>
        </span>
      ),
    },
    { header: 'Attempts', cell: (d) => formatCount(d.attempts) },
    { header: 'Error', cell: (d) => <span className="small break">{d.error || '–'}</span> },
    {
      header: 'Died',
      cell: (d) => (
        <span className="small">
          {when(d.diedAt)}
          <span className="block muted">added {when(d.addedAt)}</span>
        </span>
      ),
    },
    {
      header: 'Payload',
      cell: (d) => <span className="small mono break">{d.payloadSummary}</span>,
    },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (d) => (
        <ConfirmButton
          label="Retry"
          question={`Run this ${jobLabel(d.type).toLowerCase()} job again now?`}
          confirmLabel="Retry"
          keepLabel="Cancel"
          className="button secondary small"
          pending={pending === d.id}
          pendingLabel="Retrying…"
          disabled={pending !== null}
          describedBy={`dead-${d.id}`}
          onConfirm={() => void retry(d)}
        />
      ),
    },
  ];

  return (
    <Section title="Background jobs" id="system-jobs">
      <StatusMessage feedback={feedback} />
      <ResourceView resource={jobs}>
        {(data) => (
          <>
            <Table
              caption="Jobs per type"
              columns={countColumns}
              rows={data.types}
              rowKey={(t) => t.type}
            />
            <h3 className="system-subhead">Dead letters</h3>
            <p className="hint">
              Jobs that used up their attempts or failed for good, newest first (up to{' '}
              {data.deadLettersLimit}). Retry runs one again now with fresh attempts; each retry is
              recorded in the audit log.
            </p>
            {data.deadLetters.length === 0 ? (
              <EmptyState>No dead jobs: every job finished or is still being tried.</EmptyState>
            ) : (
              <div className="dead-letters">
                <Table
                  caption="Dead letters"
                  columns={deadColumns}
                  rows={data.deadLetters}
                  rowKey={(d) => d.id}
                />
              </div>
            )}
          </>
        )}
      </ResourceView>
    </Section>
  );
}
