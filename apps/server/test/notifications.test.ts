import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database.js';
import { notificationDeliveries } from '../src/db/schema.js';
import type { BusTopics } from '../src/ports/event-bus.port.js';
import { startTestMailbox, type ReceivedMail } from '../src/ports/mailer.contract.js';
import { pingDocument } from '../src/services/notifications/documents.js';
import { NotificationOutbox, type DeliveryTarget } from '../src/services/notifications/outbox.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';
import { eventually } from './helpers/eventually.js';
import {
  expectedSignature,
  startWebhookReceiver,
  type ReceivedCall,
} from './helpers/webhook-receiver.js';
import { registerAndCheckIn } from './helpers/sessions.js';

type Mail = ReceivedMail;

/**
 * A local webhook receiver: `/ok` answers 200, `/flaky` 500 on its first call then 200,
 * `/down` always 500, `/down-3` 500 three times.
 */
const startReceiver = () =>
  startWebhookReceiver((path, n) =>
    path === '/down' || (path === '/flaky' && n === 1) || (path === '/down-3' && n <= 3)
      ? 500
      : 200,
  );

type Client = HttpClient & { userId: string; email: string };

describe.each(engines())('notifications on %s', (engine) => {
  let server: TestServer;
  let mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: Client;
  let proctor: Client;
  let instructor: Client;
  let examId: string;
  const examTitle = 'Physics <b>final</b> & co';

  beforeAll(async () => {
    mailbox = await startTestMailbox();
    receiver = await startReceiver();
    server = await startTestServer(engine, {
      flagSweepMs: 300,
      notifications: {
        smtpUrl: `smtp://127.0.0.1:${mailbox.port}`,
        smtpFrom: 'Invigil <invigil@test.invigil.test>',
        allowHttpWebhooks: false,
        pollMs: 100,
        // Fast retries; the schedule itself has a unit test.
        retryBaseMs: 50,
        maxAttempts: 3,
      },
    });
    admin = await server.signedIn('admin');
    proctor = await server.signedIn('proctor', 'Pat Proctor');
    instructor = await server.signedIn('instructor', 'Ida Instructor');
    const exam = await admin.post(
      '/api/exams',
      buildExam({ title: examTitle }, server.clock.now().getTime()),
    );
    expect(exam.status, JSON.stringify(exam.body)).toBe(201);
    examId = exam.body.id;
    await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
    await admin.put(`/api/exams/${examId}/staff/${instructor.userId}`, { role: 'instructor' });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await mailbox?.close();
  });

  /** A new student registered for the exam and checking in (events accepted). */
  async function studentSession(name = 'Sam Student') {
    const student = (await server.signedIn('student', name)) as Client;
    const { sessionId } = await registerAndCheckIn(student, examId);
    return { student, sessionId };
  }

  async function createWebhook(path: string, events: string[]) {
    const res = await admin.post('/api/webhooks', {
      url: receiver.url(path),
      events,
      description: `receiver ${path}`,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { webhook: { id: string }; secret: string };
  }

  const deliveriesOf = async (webhookId: string) => {
    const res = await admin.get(`/api/webhooks/${webhookId}/deliveries`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items as {
      id: number;
      event: string;
      status: string;
      attempts: number;
      lastStatusCode: number | null;
      lastError: string | null;
    }[];
  };

  const mailsTo = (address: string) => mailbox.received.filter((m) => m.to.includes(address));

  it('a high-severity flag is POSTed, signed, to the webhook and e-mailed to the proctor', async () => {
    const { secret, webhook } = await createWebhook('/ok', ['flag.high']);
    const { student, sessionId } = await studentSession('Sam <Flagged>');
    // Two faces for 8 s, reported by the browser: a high-severity multiple_faces flag.
    const state = (active: boolean) => ({
      detector: 'multiple_faces',
      active,
      confidence: 0.9,
      value: 2,
      model: 'test-model',
    });
    const res = await student.post(`/api/sessions/${sessionId}/events`, {
      events: [
        { seq: 0, type: 'detect.state', at: Date.now() - 8000, data: state(true) },
        { seq: 1, type: 'detect.state', at: Date.now(), data: state(false) },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);

    const post = await eventually(async () => {
      const got = receiver.received.find(
        (r) => r.path === '/ok' && r.headers['x-invigil-event'] === 'flag.high',
      );
      expect(got).toBeDefined();
      return got as ReceivedCall;
    });
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.headers['x-invigil-delivery']).toMatch(/^\d+$/);
    expect(post.headers['x-invigil-timestamp']).toMatch(/^\d{10}$/);
    expect(post.headers['x-invigil-signature']).toBe(expectedSignature(secret, post));
    const doc = JSON.parse(post.body);
    expect(doc).toMatchObject({
      event: 'flag.high',
      data: {
        exam: { id: examId, title: examTitle },
        session: { id: sessionId },
        student: { id: student.userId, name: 'Sam <Flagged>' },
        flag: { type: 'multiple_faces', severity: 'high' },
      },
    });
    expect(typeof doc.id).toBe('string');
    expect(JSON.stringify(doc)).not.toContain(student.email);

    const mail = await eventually(async () => {
      const [m] = mailsTo(proctor.email);
      expect(m).toBeDefined();
      return m as Mail;
    });
    expect(mail.subject).toBe(`High-severity flag: Sam <Flagged> — ${examTitle}`);
    expect(mail.text).toContain('Student: Sam <Flagged>');
    expect(mail.text).toContain(`/proctor/sessions/${sessionId}`);
    // User-typed text is escaped in the HTML part.
    expect(mail.html).toContain('Physics &lt;b&gt;final&lt;/b&gt; &amp; co');
    expect(mail.html).not.toContain('<b>final</b>');
    // The instructor and the student are not told of flags.
    expect(mailsTo(instructor.email)).toEqual([]);
    expect(mailsTo(student.email)).toEqual([]);

    await eventually(async () => {
      const [row] = await deliveriesOf(webhook.id);
      expect(row).toMatchObject({
        event: 'flag.high',
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 200,
      });
    });
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('retries a receiver answering 500, then records it delivered on the second attempt', async () => {
    const { webhook, secret } = await createWebhook('/flaky', ['verdict']);
    const queued = await admin.post(`/api/webhooks/${webhook.id}/test`);
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect(queued.body).toMatchObject({ event: 'ping', channel: 'webhook', webhookId: webhook.id });
    const row = await eventually(async () => {
      const [r] = await deliveriesOf(webhook.id);
      expect(r?.status).toBe('delivered');
      return r;
    });
    expect(row).toMatchObject({ attempts: 2, lastStatusCode: 200, lastError: null });
    const calls = receiver.received.filter((r) => r.path === '/flaky');
    expect(calls).toHaveLength(2);
    // Both attempts carry the same delivery id and a valid signature.
    expect(calls[0]?.headers['x-invigil-delivery']).toBe(calls[1]?.headers['x-invigil-delivery']);
    for (const c of calls)
      expect(c.headers['x-invigil-signature']).toBe(expectedSignature(secret, c));
    // Webhooks of one test must not receive the next tests' events.
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('gives up after the last attempt and records the status code', async () => {
    const { webhook } = await createWebhook('/down', ['verdict']);
    expect((await admin.post(`/api/webhooks/${webhook.id}/test`)).status).toBe(202);
    const row = await eventually(async () => {
      const [r] = await deliveriesOf(webhook.id);
      expect(r?.status).toBe('failed');
      return r;
    });
    expect(row).toMatchObject({ attempts: 3, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a delivery given up is a dead job: retried, it is sent and recorded delivered', async () => {
    const { webhook } = await createWebhook('/down-3', ['verdict']);
    expect((await admin.post(`/api/webhooks/${webhook.id}/test`)).status).toBe(202);
    const failed = await eventually(async () => {
      const [r] = await deliveriesOf(webhook.id);
      expect(r).toMatchObject({ status: 'failed', attempts: 3 });
      return r!;
    });
    const jobs = server.instance.jobs;
    const dead = await eventually(async () => {
      const found = (await jobs.deadLetters('notification.delivery')).find(
        (j) => (j.payload as { deliveryId: number }).deliveryId === failed.id,
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(dead).toMatchObject({ attempts: 3, error: expect.stringContaining('HTTP 500') });
    expect(await jobs.retryDead(dead.id)).toBe(true);
    const [sent] = await eventually(async () => {
      const rows = await deliveriesOf(webhook.id);
      expect(rows[0]).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200 });
      return rows;
    });
    expect(sent?.id).toBe(failed.id);
    expect(receiver.received.filter((r) => r.path === '/down-3')).toHaveLength(4);
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a queued delivery whose job was lost (a process died) is found by the sweep and sent', async () => {
    const { webhook } = await createWebhook('/ok/lost', ['verdict']);
    const outbox = new NotificationOutbox(server.instance.database.db);
    const now = server.clock.now();
    // Committed, but no job added: as if the process stopped right after the insert.
    const [id] = await outbox.enqueue(
      pingDocument(webhook.id, now),
      [{ channel: 'webhook', webhookId: webhook.id, url: receiver.url('/ok/lost') }],
      now,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ id, status: 'pending' });
    server.clock.advance(31_000);
    await eventually(async () => {
      expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ id, status: 'delivered' });
    });
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a verdict is e-mailed to the instructor and to the student, with the result link, once', async () => {
    const { webhook, secret } = await createWebhook('/ok/verdict', ['verdict']);
    const { student, sessionId } = await studentSession('Vera Verdict');
    const verdict: BusTopics['review.verdict'] = {
      sessionId,
      examId,
      verdict: 'suspicious',
      reason: 'Second person <visible> at 12:30',
      final: false,
      reviewerId: instructor.userId,
      decidedAt: new Date().toISOString(),
    };
    // Every server process hears a bus message (Redis): the repeats must not be delivered twice.
    await Promise.all([
      server.instance.bus.publish('review.verdict', verdict),
      server.instance.bus.publish('review.verdict', verdict),
    ]);
    await server.instance.bus.publish('review.verdict', verdict);

    const toStudent = await eventually(async () => {
      const [m] = mailsTo(student.email);
      expect(m).toBeDefined();
      return m as Mail;
    });
    expect(toStudent.subject).toBe(`The review of your attempt at ${examTitle}`);
    expect(toStudent.text).toContain('Verdict: suspicious');
    expect(toStudent.text).toContain(
      `${server.instance.config.publicUrl}/student/results/${sessionId}`,
    );
    expect(toStudent.html).toContain('Second person &lt;visible&gt; at 12:30');
    const toInstructor = await eventually(async () => {
      const m = mailsTo(instructor.email).find((x) => x.text.includes('Vera Verdict'));
      expect(m).toBeDefined();
      return m as Mail;
    });
    expect(toInstructor.subject).toBe(
      `Verdict suspicious (provisional): Vera Verdict — ${examTitle}`,
    );
    expect(toInstructor.text).toContain(`/review/sessions/${sessionId}`);
    const post = await eventually(async () => {
      const got = receiver.received.find(
        (r) => r.path === '/ok/verdict' && r.body.includes(sessionId),
      );
      expect(got).toBeDefined();
      return got as ReceivedCall;
    });
    expect(post.headers['x-invigil-signature']).toBe(expectedSignature(secret, post));
    expect(JSON.parse(post.body).data.verdict).toEqual({
      verdict: 'suspicious',
      reason: verdict.reason,
      final: false,
      decidedAt: verdict.decidedAt,
    });

    // One row per target: the webhook, the instructor and the student; proctors are not told.
    const { db } = server.instance.database;
    const rows = await db
      .select()
      .from(notificationDeliveries)
      .where(sql`${notificationDeliveries.payload}->>'id' = ${JSON.parse(post.body).id}`);
    expect(rows.map((r) => r.target).sort()).toEqual(
      [instructor.email, student.email, receiver.url('/ok/verdict')].sort(),
    );
    await eventually(async () => {
      const sent = await db
        .select()
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.target, student.email));
      expect(sent.map((r) => r.status)).toEqual(['delivered']);
    });
    expect(mailsTo(student.email)).toHaveLength(1);
    expect((await deliveriesOf(webhook.id)).filter((d) => d.event === 'verdict')).toHaveLength(1);
    expect((await admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  // PGlite has a single connection, so two "processes" cannot race on it; PostgreSQL can.
  it.skipIf(engine === 'pglite')(
    'queues a document once per target when several processes enqueue it at the same moment',
    async () => {
      const { webhook } = await createWebhook('/ok/race', ['verdict']);
      const other = await openDatabase(server.instance.config.database);
      try {
        const outboxes = [server.instance.database.db, other.db].map(
          (db) => new NotificationOutbox(db),
        );
        const doc = { ...pingDocument(webhook.id, new Date()), id: `race-${engine}` };
        const mail = { subject: 's', text: 't', html: '<p>t</p>' };
        const targets: DeliveryTarget[] = [
          { channel: 'webhook', webhookId: webhook.id, url: receiver.url('/ok/race') },
          { channel: 'email', to: 'Race@test.invigil.test', mail },
          // The same address in other case is the same mailbox.
          { channel: 'email', to: 'race@test.invigil.test', mail },
        ];
        const inserted = await Promise.all(
          Array.from({ length: 8 }, (_, i) => outboxes[i % 2]!.enqueue(doc, targets, new Date())),
        );
        expect(inserted.flat()).toHaveLength(2);
        const rows = await other.db
          .select()
          .from(notificationDeliveries)
          .where(sql`${notificationDeliveries.payload}->>'id' = ${doc.id}`);
        expect(rows.map((r) => r.channel).sort()).toEqual(['email', 'webhook']);
      } finally {
        await other.close();
        await admin.delete(`/api/webhooks/${webhook.id}`);
      }
    },
  );

  describe('webhook management', () => {
    it('is for admins only, from a browser session', async () => {
      const student = await server.signedIn('student');
      for (const c of [proctor, instructor, student]) {
        expectError(await c.get('/api/webhooks'), 403, 'FORBIDDEN');
        expectError(
          await c.post('/api/webhooks', { url: receiver.url('/ok'), events: ['verdict'] }),
          403,
          'FORBIDDEN',
        );
        expectError(await c.get('/api/notifications/settings'), 403, 'FORBIDDEN');
      }
      expectError(await server.anonymous().get('/api/webhooks'), 401, 'UNAUTHENTICATED');
      const token = await admin.post('/api/tokens', { name: 'all', scopes: ['users:write'] });
      const bearer = Object.assign(server.anonymous(), { bearer: token.body.token });
      expectError(await bearer.get('/api/webhooks'), 403, 'FORBIDDEN');
    });

    it('validates the URL and the events', async () => {
      const post = (body: unknown) => admin.post('/api/webhooks', body);
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
        await admin.patch(`/api/webhooks/${webhook.id}`, { url: 'http://hooks.example/in' }),
        400,
        'WEBHOOK_URL_NOT_ALLOWED',
      );
      expectValidationDetails(await admin.patch(`/api/webhooks/${webhook.id}`, {}));
      const https = await post({ url: 'https://hooks.example/in', events: ['verdict', 'verdict'] });
      expect(https.status).toBe(201);
      expect(https.body.webhook.events).toEqual(['verdict']);
      await admin.delete(`/api/webhooks/${https.body.webhook.id}`);
    });

    it('shows the secret once, never again; updates, deletes and audits', async () => {
      const created = await admin.post('/api/webhooks', {
        url: 'https://hooks.example/invigil?token=abc',
        events: ['flag.high'],
        description: 'SIEM',
      });
      expect(created.status).toBe(201);
      const { secret, webhook } = created.body;
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(webhook).not.toHaveProperty('secret');
      const id = webhook.id as string;

      const list = await admin.get('/api/webhooks');
      expect(list.body.find((w: { id: string }) => w.id === id)).toMatchObject({
        url: 'https://hooks.example/invigil?token=abc',
        events: ['flag.high'],
        active: true,
        description: 'SIEM',
      });
      const patched = await admin.patch(`/api/webhooks/${id}`, {
        active: false,
        events: ['flag.high', 'verdict'],
        description: null,
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body).toMatchObject({ active: false, description: null });
      for (const res of [list, patched, await admin.get(`/api/webhooks/${id}/deliveries`)]) {
        expect(JSON.stringify(res.body)).not.toContain(secret);
      }

      expect((await admin.delete(`/api/webhooks/${id}`)).status).toBe(200);
      expectError(await admin.delete(`/api/webhooks/${id}`), 404, 'NOT_FOUND');
      expectError(await admin.patch(`/api/webhooks/${id}`, { active: true }), 404, 'NOT_FOUND');
      expectError(await admin.post(`/api/webhooks/${id}/test`), 404, 'NOT_FOUND');
      expectError(await admin.get(`/api/webhooks/${id}/deliveries`), 404, 'NOT_FOUND');

      const audit = await admin.get('/api/audit?limit=50');
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
        expect((await admin.post(`/api/webhooks/${webhook.id}/test`)).status).toBe(202);
      }
      const first = await admin.get(`/api/webhooks/${webhook.id}/deliveries?limit=2`);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.items[0].id).toBeGreaterThan(first.body.items[1].id);
      expect(first.body.nextBefore).toBe(first.body.items[1].id);
      const second = await admin.get(
        `/api/webhooks/${webhook.id}/deliveries?limit=2&before=${first.body.nextBefore}`,
      );
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextBefore).toBeNull();
      expectValidationDetails(await admin.get(`/api/webhooks/${webhook.id}/deliveries?limit=0`));
    });

    it('tells the admin page that e-mail is configured', async () => {
      const res = await admin.get('/api/notifications/settings');
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
