import { useCallback, useState } from 'react';
import { dataExportsApi } from '../api/data-exports-api';
import { describeError } from '../api/errors';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { EXPORT_POLL_MS, exportActive } from './data-export-model';
import { ExportStatus } from './data-export-status';

/**
 * "Your data" on the account page: ask for a zip of everything held about you, follow its
 * progress and download it while it is kept. The list is polled only while one is made.
 */
export function DataExportSection() {
  const load = useCallback((signal: AbortSignal) => dataExportsApi.mine(signal), []);
  const exports = useResource(load, {
    refetchInterval: (list) => (list?.some(exportActive) ? EXPORT_POLL_MS : false),
  });
  const [sending, setSending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const latest = exports.data?.[0];

  const request = async () => {
    setSending(true);
    setFeedback(null);
    try {
      const created = await dataExportsApi.requestMine();
      exports.mutate((list) => [created, ...(list ?? []).filter((e) => e.id !== created.id)]);
      setFeedback({ tone: 'success', text: 'Requested. Your files are being collected.' });
    } catch (error) {
      setFeedback({ tone: 'error', text: `Not requested: ${describeError(error)}` });
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      <p className="muted">
        Download everything Invigil holds about you as one zip file: your profile, registrations,
        exam attempts with their events, flags and decisions, verdicts, answers and chat, and your
        recordings and photos. The file is kept for 7 days; you can ask once an hour.
      </p>
      <p>
        <button
          type="button"
          className="button primary"
          disabled={sending || exportActive(latest)}
          onClick={() => void request()}
        >
          {sending ? 'Requesting…' : 'Request my data'}
        </button>
      </p>
      <StatusMessage feedback={feedback} />
      <ResourceView resource={exports} empty="You have not requested your data yet.">
        {(list) => (list[0] ? <ExportStatus exp={list[0]} label="Collecting your data" /> : null)}
      </ResourceView>
    </>
  );
}
