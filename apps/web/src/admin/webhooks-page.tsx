import { useCallback, useState } from 'react';
import type { CreatedWebhook, NotificationSettings, Webhook } from '@invigil/contracts';
import { webhooksApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { Page, Section } from '../ui/page';
import { ErrorState, Loading, ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useResource, type Resource } from '../ui/use-resource';
import { WebhookDeliveries } from './webhooks-deliveries';
import { WebhookCreateForm } from './webhooks-form';
import { EVENT_LABELS } from './webhooks-model';
import { WebhookSecret } from './webhooks-secret';

/** Whether e-mail notifications are on, from the server's SMTP settings. */
function EmailStatus({ settings }: { settings: Resource<NotificationSettings> }) {
  if (settings.error) return <ErrorState error={settings.error} onRetry={settings.reload} />;
  if (!settings.data) return <Loading label="Checking e-mail settings…" />;
  return settings.data.emailEnabled ? (
    <p className="notice notice-success">
      E-mail is on: proctors are e-mailed about high-severity flags, instructors and students about
      verdicts, from <span className="mono">{settings.data.emailFrom}</span>.
    </p>
  ) : (
    <p className="notice notice-info">
      E-mail is not configured, so nobody is e-mailed. Set <code>SMTP_URL</code> and{' '}
      <code>SMTP_FROM</code> on the server to turn it on; webhooks work either way.
    </p>
  );
}

/**
 * /admin/webhooks: signed HTTP notifications of high-severity flags and verdicts — list,
 * create (the secret is shown once), enable/disable, test, delete — and each webhook's
 * delivery log; plus whether e-mail notifications are configured.
 */
export function WebhooksPage() {
  const loadSettings = useCallback((signal: AbortSignal) => webhooksApi.settings(signal), []);
  const settings = useResource(loadSettings);
  const loadHooks = useCallback((signal: AbortSignal) => webhooksApi.list(signal), []);
  const hooks = useResource(loadHooks);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [logFor, setLogFor] = useState<string | null>(null);
  const [logRefresh, setLogRefresh] = useState(0);

  const run = async (id: string, action: () => Promise<string>, failure: string) => {
    setPending(id);
    setFeedback(null);
    try {
      setFeedback({ tone: 'success', text: await action() });
    } catch (error) {
      setFeedback({ tone: 'error', text: `${failure}: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const setActive = (w: Webhook, active: boolean) =>
    run(
      w.id,
      async () => {
        const updated = await webhooksApi.update(w.id, { active });
        hooks.mutate((list) => list?.map((x) => (x.id === w.id ? updated : x)));
        return active ? `Webhook ${w.url} enabled.` : `Webhook ${w.url} disabled.`;
      },
      active ? 'Not enabled' : 'Not disabled',
    );

  const sendTest = (w: Webhook) =>
    run(
      w.id,
      async () => {
        await webhooksApi.test(w.id);
        setLogFor(w.id);
        setLogRefresh((n) => n + 1);
        return `Test event queued for ${w.url}; its outcome appears in the delivery log.`;
      },
      'Test not sent',
    );

  const remove = (w: Webhook) =>
    run(
      w.id,
      async () => {
        await webhooksApi.remove(w.id);
        hooks.mutate((list) => list?.filter((x) => x.id !== w.id));
        if (logFor === w.id) setLogFor(null);
        return `Webhook ${w.url} deleted.`;
      },
      'Not deleted',
    );

  const onCreated = (result: CreatedWebhook) => {
    setCreated(result);
    setFeedback({ tone: 'success', text: `Webhook ${result.webhook.url} created.` });
    hooks.reload();
  };

  const columns: Column<Webhook>[] = [
    {
      header: 'URL',
      cell: (w) => (
        <>
          <span id={`webhook-${w.id}`} className="mono break">
            {w.url}
          </span>
          {w.description ? <span className="muted small block">{w.description}</span> : null}
        </>
      ),
    },
    {
      header: 'Events',
      cell: (w) => (
        <span className="small">{w.events.map((e) => EVENT_LABELS[e].label).join(', ')}</span>
      ),
    },
    {
      header: 'State',
      cell: (w) =>
        w.active ? (
          <span className="badge badge-published">Enabled</span>
        ) : (
          <span className="badge badge-archived">Disabled</span>
        ),
    },
    {
      header: 'Created',
      cell: (w) => <time dateTime={w.createdAt}>{formatDateTime(w.createdAt)}</time>,
    },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (w) => (
        <div className="row-actions">
          <button
            type="button"
            className="button secondary small"
            aria-describedby={`webhook-${w.id}`}
            aria-expanded={logFor === w.id}
            aria-controls={logFor === w.id ? 'webhook-log' : undefined}
            onClick={() => setLogFor(logFor === w.id ? null : w.id)}
          >
            Delivery log
          </button>
          <button
            type="button"
            className="button secondary small"
            aria-describedby={`webhook-${w.id}`}
            disabled={pending !== null}
            onClick={() => void sendTest(w)}
          >
            {pending === w.id ? 'Working…' : 'Send test'}
          </button>
          <button
            type="button"
            className="button secondary small"
            aria-describedby={`webhook-${w.id}`}
            disabled={pending !== null}
            onClick={() => void setActive(w, !w.active)}
          >
            {w.active ? 'Disable' : 'Enable'}
          </button>
          <ConfirmButton
            label="Delete"
            question={`Delete the webhook to ${w.url} and its delivery log?`}
            confirmLabel="Delete"
            className="button danger small"
            disabled={pending !== null}
            describedBy={`webhook-${w.id}`}
            onConfirm={() => void remove(w)}
          />
        </div>
      ),
    },
  ];

  const logHook = logFor ? hooks.data?.find((w) => w.id === logFor) : undefined;

  return (
    <Page
      title="Webhooks"
      intro="Signed HTTP calls to your own systems when a high-severity flag is raised or a verdict is decided."
    >
      <EmailStatus settings={settings} />
      <StatusMessage feedback={feedback} />
      {created ? (
        <WebhookSecret
          url={created.webhook.url}
          secret={created.secret}
          onDismiss={() => setCreated(null)}
        />
      ) : null}
      <Section title="Webhooks" id="webhooks-list">
        <ResourceView resource={hooks} empty="No webhooks yet. Add one below.">
          {(list) => (
            <Table caption="Webhooks" columns={columns} rows={list} rowKey={(w) => w.id} />
          )}
        </ResourceView>
      </Section>
      {logHook ? (
        <WebhookDeliveries
          webhook={logHook}
          refreshKey={logRefresh}
          onClose={() => setLogFor(null)}
        />
      ) : null}
      <Section title="New webhook" id="webhook-new">
        <WebhookCreateForm
          allowHttp={settings.data?.allowHttpWebhooks ?? false}
          onCreated={onCreated}
        />
      </Section>
    </Page>
  );
}
