import { useCallback } from 'react';
import type { ExamLti, ExamLtiLink, LtiGradeSubmission, LtiRosterSync } from '@invigil/contracts';
import { ApiError } from '../api/errors';
import { examLtiApi } from '../api/lti-api';
import { formatDateTime } from '../lib/datetime';
import { Section } from '../ui/page';
import { EmptyState, ErrorState } from '../ui/states';
import { StatusMessage } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useActionFeedback } from '../ui/use-action-feedback';
import { useResource } from '../ui/use-resource';
import {
  courseOf,
  describeRetry,
  describeSync,
  describeSyncResult,
  formatScore,
  gradeCounts,
  gradeStatusBadge,
  linkCourse,
  pollInterval,
  syncStatusBadge,
} from './lti-exam-model';
import './lti.css';

const yesNo = (on: boolean) => (on ? 'Yes' : 'No');

function linkColumns(): Column<ExamLtiLink>[] {
  return [
    {
      header: 'Course',
      cell: (l) => (
        <>
          <strong>{linkCourse(l)}</strong>
          <span className="muted small block">{l.platformName}</span>
        </>
      ),
    },
    { header: 'Link', cell: (l) => l.title ?? '—' },
    {
      header: 'Last launch',
      cell: (l) => <time dateTime={l.lastLaunchAt}>{formatDateTime(l.lastLaunchAt)}</time>,
    },
    { header: 'Roster', cell: (l) => yesNo(l.nrpsAvailable) },
    { header: 'Gradebook', cell: (l) => yesNo(l.agsAvailable) },
  ];
}

function syncColumns(links: readonly ExamLtiLink[]): Column<LtiRosterSync>[] {
  return [
    {
      header: 'Started',
      cell: (s) => <time dateTime={s.startedAt}>{formatDateTime(s.startedAt)}</time>,
    },
    { header: 'Course', cell: (s) => courseOf(links, s.linkId) },
    {
      header: 'Started by',
      cell: (s) => (s.trigger === 'manual' ? 'Staff, on demand' : 'Schedule'),
    },
    {
      header: 'Status',
      cell: (s) => {
        const b = syncStatusBadge(s.status);
        return <span className={b.className}>{b.label}</span>;
      },
    },
    { header: 'Result', cell: (s) => <span className="small">{describeSync(s)}</span> },
  ];
}

function gradeColumns(links: readonly ExamLtiLink[]): Column<LtiGradeSubmission>[] {
  return [
    {
      header: 'Student',
      cell: (g) => (
        <>
          {g.studentName}
          {links.length > 1 ? (
            <span className="muted small block">{courseOf(links, g.linkId)}</span>
          ) : null}
        </>
      ),
    },
    {
      header: 'Status',
      cell: (g) => {
        const b = gradeStatusBadge(g.status);
        return <span className={b.className}>{b.label}</span>;
      },
    },
    { header: 'Score', cell: (g) => <span className="lti-score">{formatScore(g)}</span> },
    {
      header: 'Details',
      cell: (g) => (
        <span className="small">
          {g.status === 'failed' && g.lastError ? g.lastError : (g.comment ?? '')}
          {g.attempts > 1 ? <span className="muted block">{g.attempts} attempts</span> : null}
        </span>
      ),
    },
    {
      header: 'Sent',
      cell: (g) => (g.sentAt ? <time dateTime={g.sentAt}>{formatDateTime(g.sentAt)}</time> : '—'),
    },
  ];
}

/** The panel's body once loaded (only for exams with at least one course link). */
function LmsPanelBody({
  examId,
  data,
  canManage,
  onChanged,
}: {
  examId: string;
  data: ExamLti;
  canManage: boolean;
  onChanged: () => void;
}) {
  const syncing = useActionFeedback<'sync'>();
  const retrying = useActionFeedback<'retry'>();
  const busy = syncing.pending !== null || retrying.pending !== null;
  const counts = gradeCounts(data.grades);
  const hasRoster = data.links.some((l) => l.nrpsAvailable);

  const sync = () =>
    void syncing.run('sync', async () => {
      const result = await examLtiApi.syncRoster(examId);
      onChanged();
      const feedback = describeSyncResult(result.syncs);
      if (feedback.tone === 'error') throw new Error(feedback.text);
      return feedback.text;
    });
  const retry = () =>
    void retrying.run('retry', async () => {
      const { queued } = await examLtiApi.retryGrades(examId);
      onChanged();
      return describeRetry(queued).text;
    });

  return (
    <>
      <p className="muted small">
        Students who open the exam from these course links are registered and signed in; scores go
        back to the course gradebook after the review verdict.
      </p>
      <Table
        caption="Course links of this exam"
        columns={linkColumns()}
        rows={data.links}
        rowKey={(l) => l.id}
      />
      <div className="section-head lti-subhead">
        <h3 className="lti-subheading">Course roster</h3>
        {canManage ? (
          <button
            type="button"
            className="button secondary"
            aria-describedby="lms-roster-hint"
            disabled={busy || !hasRoster}
            onClick={sync}
          >
            {syncing.pending ? 'Synchronising…' : 'Sync roster now'}
          </button>
        ) : null}
      </div>
      <p id="lms-roster-hint" className="muted small">
        {hasRoster
          ? 'Learners of the course are registered for the exam; nobody is removed. It also runs on a schedule.'
          : 'The platform did not grant access to the course roster, so students are registered when they first open the exam.'}
      </p>
      <StatusMessage feedback={syncing.feedback} />
      {data.rosterSyncs.length === 0 ? (
        <EmptyState>No roster synchronisation yet.</EmptyState>
      ) : (
        <Table
          caption="Latest roster synchronisations"
          columns={syncColumns(data.links)}
          rows={data.rosterSyncs}
          rowKey={(s) => s.id}
        />
      )}

      <div className="section-head">
        <h3 className="lti-subheading">Course gradebook</h3>
        {canManage && counts.failed > 0 ? (
          <button type="button" className="button secondary" disabled={busy} onClick={retry}>
            {retrying.pending ? 'Queuing…' : `Retry failed (${counts.failed})`}
          </button>
        ) : null}
      </div>
      <StatusMessage feedback={retrying.feedback} />
      {data.grades.length === 0 ? (
        <EmptyState>
          No score to send yet: scores go to the gradebook once an attempt has its review verdict.
        </EmptyState>
      ) : (
        <>
          <ul className="lti-counts small" aria-label="Scores by status">
            <li>{counts.sent} sent</li>
            <li>{counts.pending} waiting</li>
            <li>{counts.withheld} withheld</li>
            <li className={counts.failed > 0 ? 'text-warn' : undefined}>{counts.failed} failed</li>
          </ul>
          <Table
            caption="Scores sent to the course gradebook"
            columns={gradeColumns(data.links)}
            rows={data.grades}
            rowKey={(g) => g.sessionId}
          />
        </>
      )}
    </>
  );
}

/**
 * The exam page's "LMS" panel (GET /api/exams/:id/lti): the course links that reach this
 * exam, roster synchronisations with "Sync roster now", and the scores sent to the gradebook
 * with "Retry failed". Absent for exams without a course link (and for servers without LTI).
 */
export function LtiExamPanel({ examId, canManage }: { examId: string; canManage: boolean }) {
  const load = useCallback((signal: AbortSignal) => examLtiApi.get(examId, signal), [examId]);
  const lti = useResource(load, { refetchInterval: pollInterval });

  if (lti.error && lti.data === undefined) {
    const hidden =
      lti.error instanceof ApiError && (lti.error.status === 404 || lti.error.status === 403);
    return hidden ? null : (
      <Section title="LMS" id="lms">
        <ErrorState error={lti.error} onRetry={lti.reload} />
      </Section>
    );
  }
  if (!lti.data || lti.data.links.length === 0) return null;
  return (
    <Section title="LMS" id="lms">
      <div aria-busy={lti.loading}>
        <LmsPanelBody
          examId={examId}
          data={lti.data}
          canManage={canManage}
          onChanged={lti.reload}
        />
      </div>
    </Section>
  );
}
