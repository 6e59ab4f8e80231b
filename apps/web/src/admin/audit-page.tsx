import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import { usersApi, type AuditEntry } from '../api/endpoints';
import { formatDateTime } from '../lib/datetime';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { ResourceView } from '../ui/states';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';
import { summariseData } from './audit-format';

const columns: Column<AuditEntry>[] = [
  { header: 'When', cell: (e) => <time dateTime={e.at}>{formatDateTime(e.at)}</time> },
  { header: 'Who', cell: (e) => <span className="break">{e.actorEmail ?? 'system'}</span> },
  { header: 'Action', cell: (e) => <code>{e.action}</code> },
  {
    header: 'Entity',
    cell: (e) => (
      <>
        {e.examId ? <Link to={`/admin/exams/${e.examId}`}>{e.entityType}</Link> : e.entityType}
        {e.entityId ? <span className="muted small block mono">{e.entityId}</span> : null}
      </>
    ),
  },
  { header: 'Details', cell: (e) => <span className="small break">{summariseData(e.data)}</span> },
];

const LIMITS = [25, 50, 100];

/** /admin/audit: the most recent audit log entries. */
export function AuditPage() {
  const [limit, setLimit] = useState(100);
  const load = useCallback((signal: AbortSignal) => usersApi.audit(limit, signal), [limit]);
  const entries = useResource(load);
  return (
    <Page
      title="Audit log"
      intro="Who changed what, most recent first."
      actions={
        <button type="button" className="button secondary" onClick={entries.reload}>
          Refresh
        </button>
      }
    >
      <div className="toolbar">
        <Field label="Show">
          {(c) => (
            <select {...c} value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
              {LIMITS.map((n) => (
                <option key={n} value={n}>
                  Last {n} entries
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ResourceView resource={entries} empty="The audit log is empty.">
        {(list) => (
          <div className="card flush">
            <Table
              caption="Audit log entries"
              columns={columns}
              rows={list}
              rowKey={(e) => String(e.id)}
            />
          </div>
        )}
      </ResourceView>
    </Page>
  );
}
