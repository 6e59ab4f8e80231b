import { useCallback, useState } from 'react';
import type { DataExport, User } from '@invigil/contracts';
import { dataExportsApi } from '../api/data-exports-api';
import { describeError } from '../api/errors';
import { EXPORT_POLL_MS, exportActive } from '../account/data-export-model';
import { ExportStatus } from '../account/data-export-status';
import { useResource } from '../ui/use-resource';

/**
 * "Export data" for one student in the user list: asks for the export on their behalf
 * (audited with the admin's name), then follows it to the download link.
 */
export function UserDataExport({ user, disabled }: { user: User; disabled: boolean }) {
  const [requested, setRequested] = useState<DataExport | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = requested?.id;
  const load = useCallback(
    (signal: AbortSignal) =>
      id ? dataExportsApi.get(id, signal) : Promise.resolve<DataExport | null>(null),
    [id],
  );
  const followed = useResource(load, {
    refetchInterval: (e) => (e && exportActive(e) ? EXPORT_POLL_MS : false),
  });
  if (user.role !== 'student') return null;

  const request = async () => {
    setSending(true);
    setError(null);
    try {
      setRequested(await dataExportsApi.requestFor(user.id));
    } catch (e) {
      setError(`Export not requested: ${describeError(e)}`);
    } finally {
      setSending(false);
    }
  };

  const current = followed.data ?? requested;
  return (
    <div className="user-data-export">
      {current ? (
        <ExportStatus exp={current} label={`Collecting the data of ${user.name}`} compact />
      ) : (
        <button
          type="button"
          className="button secondary small"
          disabled={disabled || sending}
          aria-describedby={`user-${user.id}`}
          onClick={() => void request()}
        >
          {sending ? 'Requesting…' : 'Export data'}
        </button>
      )}
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
