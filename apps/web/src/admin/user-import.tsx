import { useState, type ChangeEvent, type FormEvent } from 'react';
import type { ImportUsersReport } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { Field } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';

type ReportRow = ImportUsersReport['rows'][number];

const rejectedColumns: Column<ReportRow>[] = [
  { header: 'Row', cell: (r) => r.row },
  { header: 'E-mail', cell: (r) => <span className="break">{r.email ?? '—'}</span> },
  { header: 'Reason', cell: (r) => r.reason ?? 'Rejected' },
];

const EXAMPLE = 'email,name,role,password\nada@example.edu,Ada Lovelace,student,';

/** Imports accounts from CSV (pasted or from a file) and reports rejected rows. */
export function UserImport({ onImported }: { onImported: () => void }) {
  const [csv, setCsv] = useState('');
  const [pending, setPending] = useState(false);
  const [report, setReport] = useState<ImportUsersReport | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      setCsv(await file.text());
      setFeedback({ tone: 'info', text: `Loaded ${file.name}. Check it, then import.` });
    } catch {
      setFeedback({ tone: 'error', text: `Could not read ${file.name}.` });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!csv.trim()) {
      setFeedback({ tone: 'error', text: 'Paste CSV text or choose a file first.' });
      return;
    }
    setPending(true);
    setFeedback(null);
    setReport(null);
    try {
      const result = await usersApi.importCsv(csv);
      setReport(result);
      setFeedback({
        tone: result.rejected > 0 ? 'info' : 'success',
        text: `Created ${result.created} account${result.created === 1 ? '' : 's'}, rejected ${result.rejected}.`,
      });
      if (result.created > 0) onImported();
    } catch (error) {
      setFeedback({ tone: 'error', text: `Import failed: ${describeError(error)}` });
    } finally {
      setPending(false);
    }
  };

  const rejected = report?.rows.filter((r) => r.status === 'rejected') ?? [];

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Import users">
      <p className="muted">
        Header row <code>email,name,role[,password]</code>. Roles: student, proctor, instructor,
        admin.
      </p>
      <Field label="CSV file">
        {(c) => (
          <input {...c} type="file" accept=".csv,text/csv" onChange={(e) => void readFile(e)} />
        )}
      </Field>
      <Field label="CSV text" hint="Or paste the rows here.">
        {(c) => (
          <textarea
            {...c}
            rows={6}
            className="mono"
            placeholder={EXAMPLE}
            value={csv}
            onChange={(e) => setCsv(e.target.value)}
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? 'Importing…' : 'Import'}
        </button>
      </div>
      <StatusMessage feedback={feedback} />
      {rejected.length > 0 ? (
        <Table
          caption="Rejected rows"
          captionHidden={false}
          columns={rejectedColumns}
          rows={rejected}
          rowKey={(r) => String(r.row)}
        />
      ) : null}
    </form>
  );
}
