import { NotificationEvent } from '@invigil/contracts';
import { describe, expect, it } from 'vitest';
import {
  deliveryStatusBadge,
  emptyWebhookForm,
  EVENT_LABELS,
  lastOutcome,
  validateWebhookForm,
} from './webhooks-model';

const form = (url: string, events: NotificationEvent[] = ['verdict']) => ({
  ...emptyWebhookForm(),
  url,
  events,
});

describe('validateWebhookForm', () => {
  it('accepts https anywhere and http on this machine', () => {
    expect(validateWebhookForm(form('https://hooks.example.edu/in'), false)).toEqual({});
    expect(validateWebhookForm(form('http://localhost:3000/in'), false)).toEqual({});
    expect(validateWebhookForm(form('http://127.0.0.1/in'), false)).toEqual({});
  });

  it('refuses plain http elsewhere unless the server allows it', () => {
    expect(validateWebhookForm(form('http://hooks.example.edu/in'), false).url).toMatch(/https/);
    expect(validateWebhookForm(form('http://hooks.example.edu/in'), true)).toEqual({});
  });

  it('explains empty, malformed, credentialed and non-http URLs', () => {
    expect(validateWebhookForm(form(''), false).url).toMatch(/Enter the URL/);
    expect(validateWebhookForm(form('hooks.example'), false).url).toMatch(/full http\(s\) URL/);
    expect(validateWebhookForm(form('ftp://x.example/'), false).url).toMatch(/full http/);
    expect(validateWebhookForm(form('https://u:p@x.example/'), false).url).toMatch(/password/);
  });

  it('needs at least one event and a short description', () => {
    expect(validateWebhookForm(form('https://x.example', []), false).events).toBeTruthy();
    const long = { ...form('https://x.example'), description: 'x'.repeat(501) };
    expect(validateWebhookForm(long, false).description).toBeTruthy();
  });
});

describe('EVENT_LABELS', () => {
  it('labels every event a webhook can subscribe to, in words', () => {
    expect(Object.keys(EVENT_LABELS).sort()).toEqual([...NotificationEvent.options].sort());
    expect(EVENT_LABELS['audit.broken'].label).toBe('Audit trail failed verification');
  });
});

describe('delivery log helpers', () => {
  it('labels each status', () => {
    expect(deliveryStatusBadge({ status: 'delivered', attempts: 1 }).label).toBe('Delivered');
    expect(deliveryStatusBadge({ status: 'failed', attempts: 8 }).className).toContain(
      'terminated',
    );
    expect(deliveryStatusBadge({ status: 'pending', attempts: 0 }).label).toBe('Queued');
    expect(deliveryStatusBadge({ status: 'pending', attempts: 1 }).label).toBe('Waiting to retry');
  });

  it('describes the last attempt', () => {
    expect(lastOutcome({ attempts: 0, lastStatusCode: null, lastError: null })).toBe(
      'Not tried yet',
    );
    expect(lastOutcome({ attempts: 2, lastStatusCode: 500, lastError: 'HTTP 500' })).toBe(
      'HTTP 500',
    );
    expect(lastOutcome({ attempts: 1, lastStatusCode: 204, lastError: null })).toBe('HTTP 204');
  });
});
