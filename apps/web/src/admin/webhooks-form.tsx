import { useRef, useState, type FormEvent } from 'react';
import { NotificationEvent, type CreatedWebhook } from '@invigil/contracts';
import { webhooksApi } from '../api/endpoints';
import { describeError, fieldErrors } from '../api/errors';
import { Checkbox, Field } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';
import {
  EVENT_LABELS,
  emptyWebhookForm,
  validateWebhookForm,
  type WebhookForm,
} from './webhooks-model';

/** The new-webhook form: URL, events, description. Calls `onCreated` with the secret. */
export function WebhookCreateForm({
  allowHttp,
  onCreated,
}: {
  allowHttp: boolean;
  onCreated: (created: CreatedWebhook) => void;
}) {
  const [form, setForm] = useState<WebhookForm>(emptyWebhookForm);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // Keyboard and screen-reader users land on the first field to fix.
  const focusFirstProblem = (problems: Record<string, string>) => {
    const form = formRef.current;
    if (!form) return;
    const target = problems.url
      ? form.querySelector<HTMLElement>('input[type="url"]')
      : problems.events
        ? form.querySelector<HTMLElement>('input[type="checkbox"]')
        : form.querySelector<HTMLElement>('[aria-invalid="true"]');
    target?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = validateWebhookForm(form, allowHttp);
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setFeedback({ tone: 'error', text: 'Please correct the fields marked below.' });
      focusFirstProblem(local);
      return;
    }
    setSaving(true);
    setFeedback(null);
    try {
      const description = form.description.trim();
      const created = await webhooksApi.create({
        url: form.url.trim(),
        events: form.events,
        ...(description ? { description } : {}),
      });
      setForm(emptyWebhookForm());
      onCreated(created);
    } catch (error) {
      const fromServer = fieldErrors(error);
      setErrors(fromServer);
      focusFirstProblem(fromServer);
      setFeedback({ tone: 'error', text: `Webhook not created: ${describeError(error)}` });
    } finally {
      setSaving(false);
    }
  };

  const toggle = (name: NotificationEvent, on: boolean) =>
    setForm((f) => ({
      ...f,
      events: on ? [...f.events, name] : f.events.filter((e) => e !== name),
    }));

  return (
    <form
      ref={formRef}
      className="form"
      onSubmit={(e) => void submit(e)}
      aria-label="New webhook"
      noValidate
    >
      <StatusMessage feedback={feedback} />
      <Field
        label="URL"
        hint={
          allowHttp
            ? 'Where Invigil POSTs the events.'
            : 'Where Invigil POSTs the events; https, or http only for localhost.'
        }
        error={errors.url}
      >
        {(c) => (
          <input
            {...c}
            type="url"
            inputMode="url"
            autoComplete="off"
            placeholder="https://hooks.example.edu/invigil"
            maxLength={2000}
            value={form.url}
            onChange={(e) => setForm((f) => ({ ...f, url: e.target.value }))}
          />
        )}
      </Field>
      <fieldset
        className="plain"
        aria-describedby={errors.events ? 'webhook-events-error' : undefined}
      >
        <legend>Events</legend>
        <div className="checkbox-grid">
          {NotificationEvent.options.map((name) => (
            <Checkbox
              key={name}
              label={
                <>
                  {EVENT_LABELS[name].label} <code className="small">{name}</code>
                </>
              }
              hint={EVENT_LABELS[name].hint}
              checked={form.events.includes(name)}
              onChange={(on) => toggle(name, on)}
            />
          ))}
        </div>
        {errors.events ? (
          <p id="webhook-events-error" className="field-error">
            {errors.events}
          </p>
        ) : null}
      </fieldset>
      <Field
        label="Description (optional)"
        hint="Who runs the receiver and what it does with the events."
        error={errors.description}
      >
        {(c) => (
          <input
            {...c}
            maxLength={500}
            value={form.description}
            onChange={(e) => setForm((f) => ({ ...f, description: e.target.value }))}
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create webhook'}
        </button>
      </div>
    </form>
  );
}
