import { useMemo, useRef } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { usersApi, type AuditEntry } from '../api/endpoints';
import { formatDateTime, localTimeZone } from '../lib/datetime';
import { Page } from '../ui/page';
import { ErrorState, ResourceView } from '../ui/states';
import { Table, type Column } from '../ui/table';
import { AuditFilterFormView } from './audit-filter-form';
import { filtersFromSearch, hasFilters, searchFromFilters } from './audit-filters';
import { summariseData } from './audit-format';
import { useAuditLog } from './use-audit-log';
import './audit.css';

const columns: Column<AuditEntry>[] = [
  { header: 'When', cell: (e) => <time dateTime={e.at}>{formatDateTime(e.at)}</time> },
  {
    header: 'Who',
    cell: (e) =>
      e.actorId ? (
        <span className="break">{e.actorEmail ?? e.actorId}</span>
      ) : (
        <span className="muted">system</span>
      ),
  },
  { header: 'Action', cell: (e) => <code className="break">{e.action}</code> },
  {
    header: 'Target',
    cell: (e) => (
      <>
        {e.examId ? <Link to={`/admin/exams/${e.examId}`}>{e.entityType}</Link> : e.entityType}
        {e.entityId ? <span className="muted small block mono break">{e.entityId}</span> : null}
      </>
    ),
  },
  { header: 'Details', cell: (e) => <span className="small break">{summariseData(e.data)}</span> },
];

/**
 * /admin/audit: the audit log, newest first, narrowed by actor, action, target, exam and
 * time. The filters live in the URL (a filtered view can be linked, and survives a reload);
 * older entries load page by page; Export CSV downloads every match.
 */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  // Keyed by the filters' text, so that the same filters keep the same object (and query).
  const search = searchFromFilters(filtersFromSearch(params)).toString();
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(search)), [search]);
  const filtered = hasFilters(filters);
  const log = useAuditLog(filters);
  const summary = useRef<HTMLParagraphElement>(null);

  const loadOlder = async () => {
    const more = await log.loadOlder();
    // The button goes away with the last page: keep focus on the page, on the count.
    if (!more) summary.current?.focus();
  };

  return (
    <Page
      title="Audit log"
      intro={`Who did what, newest first. Times are in your time zone (${localTimeZone()}).`}
      actions={
        <>
          <button type="button" className="button secondary" onClick={log.refresh}>
            Refresh
          </button>
          <a className="button secondary" href={usersApi.auditExportUrl(filters)} download>
            Export CSV
          </a>
        </>
      }
    >
      <AuditFilterFormView
        applied={filters}
        onApply={(next) => setParams(searchFromFilters(next))}
      />
      <ResourceView
        resource={log.first}
        isEmpty={(page) => page.entries.length === 0}
        empty={filtered ? 'No entries match these filters.' : 'The audit log is empty.'}
      >
        {() => (
          <>
            <p ref={summary} tabIndex={-1} className="muted small audit-summary" role="status">
              {log.entries.length} {log.entries.length === 1 ? 'entry' : 'entries'}
              {filtered ? ' matching the filters' : ''}
              {log.hasOlder ? ', older ones not loaded yet' : ''}.
            </p>
            <div className="card flush">
              <Table
                caption="Audit log entries"
                columns={columns}
                rows={log.entries}
                rowKey={(e) => String(e.id)}
              />
            </div>
            {log.olderError ? <ErrorState error={log.olderError} /> : null}
            {log.hasOlder ? (
              <p className="below-card">
                <button
                  type="button"
                  className="button secondary"
                  // Not disabled: the button keeps focus while the page loads.
                  aria-disabled={log.loadingOlder}
                  aria-busy={log.loadingOlder}
                  onClick={() => void loadOlder()}
                >
                  {log.loadingOlder ? 'Loading older entries…' : 'Load older entries'}
                </button>
              </p>
            ) : null}
          </>
        )}
      </ResourceView>
    </Page>
  );
}
