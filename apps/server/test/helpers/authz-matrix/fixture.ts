import { expect } from 'vitest';
import { TokenScope } from '@invigil/contracts';
import { buildExam } from '../factories.js';
import { HttpClient } from '../http-client.js';
import { type Engine, startTestServer, TEST_PASSWORD, type TestServer } from '../test-server.js';
import { type Caller, COOKIE_CALLERS, type UserCaller } from './outcomes.js';
import type { Credentials } from './row.js';

/** A signed-in account of the matrix. */
export type SignedIn = Awaited<ReturnType<TestServer['signedIn']>>;

/**
 * One server with the matrix's callers: a student who owns a registration on exam A, another
 * student, a proctor and an instructor assigned to exam A and another pair assigned to exam B
 * only, an admin, and API tokens of proctor A (exams:read) and of the admin (every scope).
 * Each matrix test file starts its own; rows read its fields only when they run.
 */
export class MatrixFixture {
  readonly users = {} as Record<UserCaller, SignedIn>;
  readonly creds = {} as Record<Caller, Credentials>;
  /** A proctor to assign and unassign. */
  spareProctor!: SignedIn;
  /** A student the admin renames, sets a password for, and so on. */
  patchTarget!: SignedIn;
  /** A student every caller signs in as. */
  loginTarget!: SignedIn;
  /** A student whose password every caller resets. */
  resetTarget!: SignedIn;
  /** An exam with proctor A and instructor A, and one with proctor X and instructor X. */
  examA!: string;
  examB!: string;
  /** The owner student's registration on exam A, and its session. */
  registrationId!: string;
  sessionId!: string;
  /** An admin's token that callers who may not revoke it try to revoke. */
  spareTokenId!: string;

  private running?: TestServer;
  private counter = 0;
  private readonly made = new Map<string, unknown>();

  constructor(readonly engine: Engine) {}

  /** The running server (after `start`). */
  get server(): TestServer {
    if (!this.running) throw new Error('the matrix server has not started');
    return this.running;
  }

  /** A label no other call returns (e-mail addresses of new accounts). */
  unique(label: string): string {
    return `${label}-${++this.counter}-${this.engine}`;
  }

  /** The value `make` gives the first time `key` is asked for (made once per server). */
  async once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (this.made.has(key)) return this.made.get(key) as T;
    const value = await make();
    this.made.set(key, value);
    return value;
  }

  /** The cookie and CSRF token a signed-in client sends. */
  credsOf(c: HttpClient): Credentials {
    return { cookie: c.cookie, csrfToken: c.csrfToken };
  }

  /** A client that sends the given credentials. */
  clientFor(credentials: Credentials): HttpClient {
    const c = new HttpClient(this.server.url);
    c.cookie = credentials.cookie;
    c.csrfToken = credentials.csrfToken;
    c.bearer = credentials.bearer;
    return c;
  }

  /** Put a member of staff on an exam, as the admin. */
  async assign(examId: string, userId: string, role: 'proctor' | 'instructor'): Promise<void> {
    const res = await this.users.admin.put(`/api/exams/${examId}/staff/${userId}`, { role });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  }

  /** A published exam open now, with proctor A and instructor A assigned. */
  async freshExam(title = 'Matrix exam'): Promise<string> {
    const res = await this.users.admin.post(
      '/api/exams',
      buildExam({ title }, this.server.clock.now().getTime()),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    await this.assign(id, this.users.proctorA.userId, 'proctor');
    await this.assign(id, this.users.instructorA.userId, 'instructor');
    return id;
  }

  /** The owner student's registration on a fresh exam A-like exam. */
  async freshRegistration(): Promise<{
    examId: string;
    registrationId: string;
    sessionId: string;
  }> {
    const examId = await this.freshExam('Matrix registration exam');
    const res = await this.users.student.post(`/api/exams/${examId}/registrations`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return {
      examId,
      registrationId: res.body.id as string,
      sessionId: res.body.sessionId as string,
    };
  }

  /** A new session of the caller's own account (for cells that end a session). */
  async newSessionOf(caller: Caller): Promise<Credentials> {
    if (!COOKIE_CALLERS.includes(caller as UserCaller)) return this.creds[caller];
    const c = new HttpClient(this.server.url);
    await c.login(this.users[caller as UserCaller].email, TEST_PASSWORD);
    return this.credsOf(c);
  }

  /** Start the server and make the callers, exams A and B, and the owner's registration. */
  async start(): Promise<void> {
    // Raised hands go up and down many times here: the per-user limit is not what is tested.
    this.running = await startTestServer(this.engine, {
      chatRateLimit: { max: 10_000, windowMs: 30_000 },
    });
    const server = this.running;
    const users = this.users;
    users.admin = await server.signedIn('admin', 'Matrix Admin');
    users.student = await server.signedIn('student', 'Owner Student');
    users.otherStudent = await server.signedIn('student', 'Other Student');
    users.proctorA = await server.signedIn('proctor', 'Proctor A');
    users.proctorX = await server.signedIn('proctor', 'Proctor X');
    users.instructorA = await server.signedIn('instructor', 'Instructor A');
    users.instructorX = await server.signedIn('instructor', 'Instructor X');
    this.spareProctor = await server.signedIn('proctor', 'Spare Proctor');
    this.patchTarget = await server.signedIn('student', 'Patch Target');
    this.loginTarget = await server.signedIn('student', 'Login Target');
    this.resetTarget = await server.signedIn('student', 'Reset Target');

    this.examA = await this.freshExam('Exam A');
    const b = await users.admin.post(
      '/api/exams',
      buildExam({ title: 'Exam B' }, server.clock.now().getTime()),
    );
    expect(b.status).toBe(201);
    this.examB = b.body.id;
    await this.assign(this.examB, users.proctorX.userId, 'proctor');
    await this.assign(this.examB, users.instructorX.userId, 'instructor');

    const reg = await users.student.post(`/api/exams/${this.examA}/registrations`);
    expect(reg.status).toBe(201);
    this.registrationId = reg.body.id;
    this.sessionId = reg.body.sessionId;

    const pt = await users.proctorA.post('/api/tokens', {
      name: 'proctor read-only',
      scopes: ['exams:read'],
    });
    expect(pt.status, JSON.stringify(pt.body)).toBe(201);
    const at = await users.admin.post('/api/tokens', {
      name: 'admin all scopes',
      scopes: TokenScope.options,
    });
    expect(at.status, JSON.stringify(at.body)).toBe(201);
    const spare = await users.admin.post('/api/tokens', { name: 'spare', scopes: ['exams:read'] });
    this.spareTokenId = spare.body.apiToken.id;

    // Sign-up cells must be able to succeed; the sign-up rules have their own tests.
    const signup = await users.admin.put('/api/settings/signup', {
      enabled: true,
      allowedDomains: [],
    });
    expect(signup.status).toBe(200);

    this.creds.anonymous = {};
    for (const c of COOKIE_CALLERS) this.creds[c] = this.credsOf(users[c]);
    this.creds.proctorToken = { bearer: pt.body.token };
    this.creds.adminToken = { bearer: at.body.token };
  }

  /** Stop the server and remove its data. */
  async close(): Promise<void> {
    await this.running?.close();
  }
}
