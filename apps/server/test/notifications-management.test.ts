import { describe, expect, it } from 'vitest';
import { notificationDeliveries } from '../src/db/schema.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { useNotificationsServer } from './helpers/notifications-fixture.js';
import { engines, startTestServer } from './helpers/test-server.js';

/**
 * Managing notifications: webhooks are an admin's, from a browser session; their URL and
 * events are validated, the secret is shown once, changes are audited without the URL's token,
 * the delivery log pages; the settings say whether e-mail is configured, and without SMTP no
 * e-mail is queued.
 */
describe.each(engines())('notifications on %s', (engine) => {
  const app = useNotificationsServer(engine);
  const { createWebhook } = app;

  describe('webhook management', () => {
    it('is for admins only, from a browser session', async () => {
      const student = await app.server.signedIn('student');
      for (const c of [app.proctor, app.instructor, student]) {
        expectError(await c.get('/api/webhooks'), 403, 'FORBIDDEN');
        expectError(
          await c.post('/api/webhooks', { url: app.receiver.url('/ok'), events: ['verdict'] }),
          403,
          'FORBIDDEN',
        );
        expectError(await c.get('/api/notifications/settings'), 403, 'FORBIDDEN');
      }
      expectError(await app.server.anonymous().get('/api/webhooks'), 401, 'UNAUTHENTICATED');
      const token = await app.admin.post('/api/tokens', { name: 'all', scopes: ['users:write'] });
      const bearer = Object.assign(app.server.anonymous(), { bearer: token.body.token });
      expectError(await bearer.get('/api/webhooks'), 403, 'FORBIDDEN');
    });

    it('validates the URL and the events', async () => {
      const post = (body: unknown) => app.admin.post('/api/webhooks', body);
      expectValidationDetails(await post({ url: 'not a url', events: ['verdict'] }));
      expectValidationDetails(await post({ url: 'ftp://x.example/hook', events: ['verdict'] }));
      expectValidationDetails(await post({ url: 'https://x.example/hook', events: [] }));
      expectValidationDetails(await post({ url: 'https://x.example/hook', events: ['flag.low'] }));
      expectValidationDetails(await post({ url: 'https://x.example/hook', events: ['ping'] }));
      expectError(
        await post({ url: 'http://hooks.example/in', events: ['verdict'] }),
        400,
        'WEBHOOK_URL_NOT_ALLOWED',
      );
      expectError(
        await post({ url: 'https://user:pw@hooks.example/in', events: ['verdict'] }),
        400,
        'WEBHOOK_URL_NOT_ALLOWED',
      );
      const { webhook } = await createWebhook('/ok', ['verdict']);
      expectError(
        await app.admin.patch(`/api/webhooks/${webhook.id}`, { url: 'http://hooks.example/in' }),
        400,
        'WEBHOOK_URL_NOT_ALLOWED',
      );
      expectValidationDetails(await app.admin.patch(`/api/webhooks/${webhook.id}`, {}));
      const https = await post({ url: 'https://hooks.example/in', events: ['verdict', 'verdict'] });
      expect(https.status).toBe(201);
      expect(https.body.webhook.events).toEqual(['verdict']);
      await app.admin.delete(`/api/webhooks/${https.body.webhook.id}`);
    });

    it('shows the secret once, never again; updates, deletes and audits', async () => {
      const created = await app.admin.post('/api/webhooks', {
        url: 'https://hooks.example/invigil?token=abc',
        events: ['flag.high'],
        description: 'SIEM',
      });
      expect(created.status).toBe(201);
      const { secret, webhook } = created.body;
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(webhook).not.toHaveProperty('secret');
      const id = webhook.id as string;

      const list = await app.admin.get('/api/webhooks');
      expect(list.body.find((w: { id: string }) => w.id === id)).toMatchObject({
        url: 'https://hooks.example/invigil?token=abc',
        events: ['flag.high'],
        active: true,
        description: 'SIEM',
      });
      const patched = await app.admin.patch(`/api/webhooks/${id}`, {
        active: false,
        events: ['flag.high', 'verdict'],
        description: null,
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body).toMatchObject({ active: false, description: null });
      for (const res of [list, patched, await app.admin.get(`/api/webhooks/${id}/deliveries`)]) {
        expect(JSON.stringify(res.body)).not.toContain(secret);
      }

      expect((await app.admin.delete(`/api/webhooks/${id}`)).status).toBe(200);
      expectError(await app.admin.delete(`/api/webhooks/${id}`), 404, 'NOT_FOUND');
      expectError(await app.admin.patch(`/api/webhooks/${id}`, { active: true }), 404, 'NOT_FOUND');
      expectError(await app.admin.post(`/api/webhooks/${id}/test`), 404, 'NOT_FOUND');
      expectError(await app.admin.get(`/api/webhooks/${id}/deliveries`), 404, 'NOT_FOUND');

      const audit = await app.admin.get('/api/audit?limit=50');
      const mine = (audit.body as { action: string; entityId: string; data: unknown }[]).filter(
        (e) => e.entityId === id,
      );
      expect(mine.map((e) => e.action).sort()).toEqual([
        'webhook.create',
        'webhook.delete',
        'webhook.update',
      ]);
      // The audit keeps the host, not the URL's token, and never the secret.
      expect(JSON.stringify(mine)).not.toContain('token=abc');
      expect(JSON.stringify(mine)).not.toContain(secret);
    });

    it('pages the delivery log, newest first', async () => {
      const { webhook } = await createWebhook('/ok', ['verdict']);
      for (let i = 0; i < 3; i++) {
        expect((await app.admin.post(`/api/webhooks/${webhook.id}/test`)).status).toBe(202);
      }
      const first = await app.admin.get(`/api/webhooks/${webhook.id}/deliveries?limit=2`);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.items[0].id).toBeGreaterThan(first.body.items[1].id);
      expect(first.body.nextBefore).toBe(first.body.items[1].id);
      const second = await app.admin.get(
        `/api/webhooks/${webhook.id}/deliveries?limit=2&before=${first.body.nextBefore}`,
      );
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextBefore).toBeNull();
      expectValidationDetails(
        await app.admin.get(`/api/webhooks/${webhook.id}/deliveries?limit=0`),
      );
    });

    it('tells the admin page that e-mail is configured', async () => {
      const res = await app.admin.get('/api/notifications/settings');
      expect(res.body).toEqual({
        emailEnabled: true,
        emailFrom: 'Invigil <invigil@test.invigil.test>',
        allowHttpWebhooks: false,
        events: ['flag.high', 'verdict', 'audit.broken'],
      });
    });
  });
});

describe('notifications without SMTP', () => {
  it('creates no e-mail deliveries and says e-mail is off', async () => {
    const server = await startTestServer('pglite');
    try {
      const admin = await server.signedIn('admin');
      const instructor = await server.signedIn('instructor');
      const student = await server.signedIn('student');
      const exam = await admin.post('/api/exams', buildExam({}, server.clock.now().getTime()));
      await admin.put(`/api/exams/${exam.body.id}/staff/${instructor.userId}`, {
        role: 'instructor',
      });
      const reg = await student.post(`/api/exams/${exam.body.id}/registrations`);
      // Nothing listens on port 1: the call fails, which does not matter here.
      const hook = await admin.post('/api/webhooks', {
        url: 'http://127.0.0.1:1/hook',
        events: ['verdict'],
      });
      expect(hook.status).toBe(201);
      expect((await admin.get('/api/notifications/settings')).body).toMatchObject({
        emailEnabled: false,
        emailFrom: null,
      });
      await server.instance.bus.publish('review.verdict', {
        sessionId: reg.body.sessionId,
        examId: exam.body.id,
        verdict: 'clean',
        reason: 'Nothing seen',
        final: true,
        reviewerId: instructor.userId,
        decidedAt: new Date().toISOString(),
      });
      // Webhooks are queued in the same transaction as e-mails would be: wait for the webhook's row.
      const rows = await eventually(async () => {
        const all = await server.instance.database.db.select().from(notificationDeliveries);
        expect(all.length).toBeGreaterThan(0);
        return all;
      });
      expect(rows.map((r) => r.channel)).toEqual(['webhook']);
    } finally {
      await server.close();
    }
  });
});
