import type { DeliveryStatus, NotificationDelivery, NotificationEvent } from '@invigil/contracts';

/** What each subscribable event means, for the event checkboxes. */
export const EVENT_LABELS: Record<NotificationEvent, { label: string; hint: string }> = {
  'flag.high': {
    label: 'High-severity flag',
    hint: 'A new flag of high severity during an exam (e.g. two faces, a phone).',
  },
  verdict: {
    label: 'Verdict',
    hint: 'A reviewer decided a verdict on a session, provisional or final.',
  },
  'audit.broken': {
    label: 'Audit trail failed verification',
    hint: 'The daily check found audit log entries or checkpoints changed or removed.',
  },
};

/** The create form's fields as typed. */
export interface WebhookForm {
  url: string;
  events: NotificationEvent[];
  description: string;
}

/** An empty create form. */
export const emptyWebhookForm = (): WebhookForm => ({ url: '', events: [], description: '' });

// Plain http is fine only for a receiver on this machine (unless the server allows it).
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Check the form before sending, with the server's rules, so the admin sees every problem
 * at once; the server checks again. Returns messages by field (empty when valid).
 */
export function validateWebhookForm(
  form: WebhookForm,
  allowHttp: boolean,
): Partial<Record<keyof WebhookForm, string>> {
  const errors: Partial<Record<keyof WebhookForm, string>> = {};
  const raw = form.url.trim();
  let url: URL | null = null;
  try {
    url = raw ? new URL(raw) : null;
  } catch {
    url = null;
  }
  if (!raw) errors.url = 'Enter the URL that receives the events.';
  else if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    errors.url = 'Enter a full http(s) URL, e.g. https://hooks.example.edu/invigil.';
  } else if (raw.length > 2000) errors.url = 'The URL is too long (2000 characters at most).';
  else if (url.username || url.password) {
    errors.url = 'Leave the user name and password out; receivers check the signature instead.';
  } else if (url.protocol === 'http:' && !allowHttp && !LOCAL_HOSTS.has(url.hostname)) {
    errors.url = 'Use https (plain http is allowed only for localhost).';
  }
  if (form.events.length === 0) errors.events = 'Choose at least one event.';
  if (form.description.trim().length > 500) {
    errors.description = 'Keep the description under 500 characters.';
  }
  return errors;
}

/** Label and badge class of a delivery's status (a pending one that failed before is a retry). */
export function deliveryStatusBadge(d: { status: DeliveryStatus; attempts: number }): {
  label: string;
  className: string;
} {
  switch (d.status) {
    case 'delivered':
      return { label: 'Delivered', className: 'badge badge-published' };
    case 'pending':
      return {
        label: d.attempts > 0 ? 'Waiting to retry' : 'Queued',
        className: 'badge badge-draft',
      };
    case 'sending':
      return { label: 'Sending', className: 'badge badge-draft' };
    case 'failed':
      return { label: 'Failed', className: 'badge badge-session-terminated' };
  }
}

/** The last attempt's outcome in words: "HTTP 500", the error, or "—" before any attempt. */
export function lastOutcome(
  d: Pick<NotificationDelivery, 'attempts' | 'lastStatusCode' | 'lastError'>,
): string {
  if (d.attempts === 0) return 'Not tried yet';
  if (d.lastError) return d.lastError;
  return d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : 'OK';
}
