import { afterAll, beforeAll, expect } from 'vitest';
import { startTestMailbox, type ReceivedMail } from '../../src/ports/mailer.contract.js';
import { buildExam } from './factories.js';
import type { HttpClient } from './http-client.js';
import { registerAndCheckIn } from './sessions.js';
import { startTestServer, type Engine, type TestServer } from './test-server.js';
import { startWebhookReceiver } from './webhook-receiver.js';
import { mailboxNotifications } from './mailbox-notifications.js';

/** A signed-in user of a notifications test. */
export type Client = HttpClient & { userId: string; email: string };

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

/** A delivery as the admin's delivery log lists it. */
export interface DeliveryRow {
  id: number;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

/** The server of a notifications test file, its exam and staff, and its mail and webhook sinks. */
export interface NotificationsServer {
  readonly server: TestServer;
  readonly mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
  readonly receiver: Awaited<ReturnType<typeof startReceiver>>;
  readonly admin: Client;
  readonly proctor: Client;
  readonly instructor: Client;
  readonly examId: string;
  /** The exam's title, with markup that every HTML mail must escape. */
  readonly examTitle: string;
  /** A new student registered for the exam and checking in (events accepted). */
  studentSession(name?: string): Promise<{ student: Client; sessionId: string }>;
  /** A webhook (created by the admin) to the receiver's `path`, for `events`. */
  createWebhook(
    path: string,
    events: string[],
  ): Promise<{ webhook: { id: string }; secret: string }>;
  /** The delivery log of a webhook, newest first. */
  deliveriesOf(webhookId: string): Promise<DeliveryRow[]>;
  /** The mails received for `address`. */
  mailsTo(address: string): ReceivedMail[];
}

/**
 * Start a server for one notifications test file (before its tests; closed after them) that
 * sends mail to a local SMTP mailbox, refuses plain-http webhooks and retries fast, with an
 * exam whose proctor and instructor are assigned.
 */
export function useNotificationsServer(engine: Engine): NotificationsServer {
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
      notifications: mailboxNotifications(mailbox.port),
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

  return {
    get server() {
      return server;
    },
    get mailbox() {
      return mailbox;
    },
    get receiver() {
      return receiver;
    },
    get admin() {
      return admin;
    },
    get proctor() {
      return proctor;
    },
    get instructor() {
      return instructor;
    },
    get examId() {
      return examId;
    },
    examTitle,
    async studentSession(name = 'Sam Student') {
      const student = (await server.signedIn('student', name)) as Client;
      const { sessionId } = await registerAndCheckIn(student, examId);
      return { student, sessionId };
    },
    async createWebhook(path, events) {
      const res = await admin.post('/api/webhooks', {
        url: receiver.url(path),
        events,
        description: `receiver ${path}`,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { webhook: { id: string }; secret: string };
    },
    async deliveriesOf(webhookId) {
      const res = await admin.get(`/api/webhooks/${webhookId}/deliveries`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items as DeliveryRow[];
    },
    mailsTo: (address) => mailbox.received.filter((m) => m.to.includes(address)),
  };
}
