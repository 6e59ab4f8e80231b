import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeliveryPage, NotificationDelivery, Webhook } from '@invigil/contracts';
import { webhooksApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ResourceView } from '../ui/states';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';
import { deliveryStatusBadge, lastOutcome } from './webhooks-model';

const PAGE = 25;
/** While a delivery is queued or being sent, the log refreshes itself this often. */
const REFRESH_MS = 3000;

/** Whether a delivery of the page has not reached its outcome yet. */
function inFlight(page: DeliveryPage | undefined): boolean {
  return page?.items.some((d) => d.status === 'pending' || d.status === 'sending') ?? false;
}

const columns: Column<NotificationDelivery>[] = [
  {
    header: 'Created',
    cell: (d) => <time dateTime={d.createdAt}>{formatDateTime(d.createdAt)}</time>,
  },
  { header: 'Event', cell: (d) => <code>{d.event}</code> },
  {
    header: 'Status',
    cell: (d) => {
      const badge = deliveryStatusBadge(d);
      return <span className={badge.className}>{badge.label}</span>;
    },
  },
  { header: 'Attempts', cell: (d) => d.attempts },
  { header: 'Last result', cell: (d) => <span className="small break">{lastOutcome(d)}</span> },
  {
    header: 'Delivered / next attempt',
    cell: (d) =>
      d.deliveredAt ? (
        <time dateTime={d.deliveredAt}>{formatDateTime(d.deliveredAt)}</time>
      ) : d.status === 'pending' ? (
        <>
          next <time dateTime={d.nextAttemptAt}>{formatDateTime(d.nextAttemptAt)}</time>
        </>
      ) : (
        '—'
      ),
  },
];

/**
 * One webhook's delivery log, newest first, with older pages on demand. Refreshes itself
 * while something is still on its way; the heading takes focus when the log opens.
 */
export function WebhookDeliveries({
  webhook,
  refreshKey,
  onClose,
}: {
  webhook: Webhook;
  /** Changes when the log must reload (a test was just queued). */
  refreshKey: number;
  onClose: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const load = useCallback(
    (signal: AbortSignal) => webhooksApi.deliveries(webhook.id, { limit: PAGE }, signal),
    [webhook.id],
  );
  // While a delivery is still on its way its outcome is polled for.
  const first = useResource(load, {
    refetchInterval: (page) => (inFlight(page) ? REFRESH_MS : false),
  });
  const { reload } = first;
  useEffect(() => {
    if (refreshKey > 0) reload();
  }, [refreshKey, reload]);
  // Older pages belong to the first page they were loaded after; a reload starts over.
  const [olderState, setOlder] = useState<{
    base: DeliveryPage | undefined;
    items: NotificationDelivery[];
    next: number | null;
  }>({ base: undefined, items: [], next: null });
  const older =
    olderState.base !== undefined && olderState.base === first.data
      ? olderState
      : { items: [], next: null };
  const [olderError, setOlderError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);

  useEffect(() => heading.current?.focus(), [webhook.id]);

  const next = older.items.length > 0 ? older.next : (first.data?.nextBefore ?? null);
  const loadOlder = async () => {
    if (next === null) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await webhooksApi.deliveries(webhook.id, { limit: PAGE, before: next });
      const base = first.data;
      setOlder((o) => ({
        base,
        items: [...(o.base === base ? o.items : []), ...page.items],
        next: page.nextBefore,
      }));
    } catch (error) {
      setOlderError(`Older entries not loaded: ${describeError(error)}`);
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <section className="card" aria-labelledby="webhook-log-heading" id="webhook-log">
      <div className="section-head">
        <h2 id="webhook-log-heading" ref={heading} tabIndex={-1}>
          Delivery log: <span className="break">{webhook.url}</span>
        </h2>
        <div className="section-actions">
          <button type="button" className="button secondary" onClick={first.reload}>
            Refresh
          </button>
          <button type="button" className="button secondary" onClick={onClose}>
            Close log
          </button>
        </div>
      </div>
      <ResourceView
        resource={first}
        empty="Nothing sent yet. Use “Send test” to try the webhook."
        isEmpty={(page) => page.items.length === 0}
      >
        {(page) => (
          <>
            <Table
              caption={`Deliveries to ${webhook.url}, newest first`}
              columns={columns}
              rows={[...page.items, ...older.items]}
              rowKey={(d) => String(d.id)}
            />
            <div role="status" aria-live="polite" className="small">
              {olderError ? <p className="notice notice-error">{olderError}</p> : null}
            </div>
            {next !== null ? (
              <div className="form-actions">
                <button
                  type="button"
                  className="button secondary"
                  disabled={loadingOlder}
                  onClick={() => void loadOlder()}
                >
                  {loadingOlder ? 'Loading…' : 'Load older deliveries'}
                </button>
              </div>
            ) : null}
          </>
        )}
      </ResourceView>
    </section>
  );
}
