import { buildExam } from '../factories.js';
import type { HttpClient, TestResponse } from '../http-client.js';
import { fillPath, splitOperation } from '../matrix-routes.js';
import { type Engine, startTestServer, type TestServer } from '../test-server.js';
import { ltiPlatform, type Target, type Who } from './target.js';

type SignedIn = HttpClient & { userId: string; email: string };

/**
 * One server for a bad-input suite: an admin, a student registered on an exam, the exam's
 * proctor, a spare user, an API token, two webhooks and two learning platforms to act on.
 * Targets and cases read its fields only when they run.
 */
export class BadInputFixture {
  admin!: SignedIn;
  student!: SignedIn;
  proctor!: SignedIn;
  examId!: string;
  registrationId!: string;
  sessionId!: string;
  tokenId!: string;
  spareUserId!: string;
  webhookId!: string;
  spareWebhookId!: string;
  platformId!: string;
  sparePlatformId!: string;

  private running?: TestServer;

  constructor(readonly engine: Engine) {}

  /** The running server (after `start`). */
  get server(): TestServer {
    if (!this.running) throw new Error('the bad-input server has not started');
    return this.running;
  }

  /** The server's clock, in milliseconds. */
  now(): number {
    return this.server.clock.now().getTime();
  }

  /** A client per kind of caller. */
  clients(): Record<Who, HttpClient> {
    return {
      anonymous: this.server.anonymous(),
      student: this.student,
      admin: this.admin,
      proctor: this.proctor,
    };
  }

  /** Call a target's route as its caller, with its own path parameters unless others are given. */
  send(
    t: Target,
    body?: unknown,
    headers: Record<string, string> = {},
    params?: Record<string, string>,
  ): Promise<TestResponse> {
    const { method, path } = splitOperation(t.op);
    const url = fillPath(path, params ?? t.params?.() ?? {});
    return this.clients()[t.who].request(method, url, body, headers);
  }

  /** Start the server and make what the targets act on. */
  async start(): Promise<void> {
    this.running = await startTestServer(this.engine);
    const server = this.running;
    const admin = (this.admin = await server.signedIn('admin'));
    const student = (this.student = await server.signedIn('student'));
    const proctor = (this.proctor = await server.signedIn('proctor'));
    const spare = await server.signedIn('student', 'Spare User');
    this.spareUserId = spare.userId;
    const exam = await admin.post('/api/exams', buildExam({}, this.now()));
    this.examId = exam.body.id;
    // Interventions are for the exam's assigned proctors only.
    await admin.put(`/api/exams/${this.examId}/staff/${proctor.userId}`, { role: 'proctor' });
    const reg = await student.post(`/api/exams/${this.examId}/registrations`);
    this.registrationId = reg.body.id;
    this.sessionId = reg.body.sessionId;
    const token = await admin.post('/api/tokens', { name: 'fixture', scopes: ['exams:read'] });
    this.tokenId = token.body.apiToken.id;
    const hooks = await Promise.all(
      ['fixture', 'spare'].map((name) =>
        admin.post('/api/webhooks', { url: `http://127.0.0.1:9/${name}`, events: ['verdict'] }),
      ),
    );
    this.webhookId = hooks[0]?.body.webhook.id;
    this.spareWebhookId = hooks[1]?.body.webhook.id;
    this.platformId = (await admin.post('/api/lti/platforms', ltiPlatform())).body.id;
    this.sparePlatformId = (await admin.post('/api/lti/platforms', ltiPlatform('spare'))).body.id;
  }

  /** Stop the server and remove its data. */
  async close(): Promise<void> {
    await this.running?.close();
  }
}
