import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErasureReceipt } from '@invigil/contracts';
import { dataExports, sessionReviews, users } from '../src/db/schema.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  auditEntries,
  deletionRecordsOf,
  evidenceOf,
  finishedAttempt,
} from './helpers/retention-fixtures.js';
import { engines, startTestServer, TEST_PASSWORD, type TestServer } from './helpers/test-server.js';

type Client = HttpClient & { userId: string; email: string };

describe.each(engines())('erasure on request on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  let student: Client;
  /** Reviewed: erased. */
  let reviewed: string;
  /** On an exam under a legal hold: kept. */
  let held: string;
  /** With an undecided flag: kept. */
  let undecided: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await server.signedIn('admin');
    student = await server.signedIn('student', 'Erin Erasable');
    const now = server.clock.now().getTime();
    const exam = async (title: string) =>
      (await admin.post('/api/exams', buildExam({ title }, now))).body.id as string;
    const [a, b, c] = [await exam('One'), await exam('Two'), await exam('Three')];
    reviewed = await finishedAttempt(server, admin, a, student, { verdict: true });
    held = await finishedAttempt(server, admin, b, student, { verdict: true });
    undecided = await finishedAttempt(server, admin, c, student, { flagged: true });
    const hold = await admin.put(`/api/exams/${b}/hold`, { reason: 'Appeal' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    const response = await student.post(`/api/sessions/${reviewed}/response`, {
      text: 'I had a cold, that is why I looked away',
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    // The response reopened the review; the final verdict closes it again.
    const final = await admin.post(`/api/sessions/${reviewed}/verdict`, {
      verdict: 'clean',
      reason: 'understood',
    });
    expect(final.status, JSON.stringify(final.body)).toBe(200);
  });
  afterAll(async () => server?.close());

  it('refuses staff accounts, the last admin and a wrong confirmation', async () => {
    const proctor = await server.signedIn('proctor');
    expectError(
      await admin.post(`/api/users/${proctor.userId}/erasure`, { confirmEmail: proctor.email }),
      409,
      'ERASURE_NOT_ALLOWED',
    );
    expectError(
      await admin.post(`/api/users/${admin.userId}/erasure`, { confirmEmail: admin.email }),
      409,
      'ERASURE_NOT_ALLOWED',
    );
    expectError(
      await admin.post(`/api/users/${student.userId}/erasure`, {
        confirmEmail: 'someone.else@test.invigil.test',
      }),
      400,
      'ERASURE_CONFIRMATION_MISMATCH',
    );
    expectError(
      await admin.post(`/api/users/${randomUUID()}/erasure`, { confirmEmail: admin.email }),
      404,
      'NOT_FOUND',
    );
    expect(await evidenceOf(server, reviewed)).toMatchObject({ segments: 1, identity: 2 });
  });

  it('erases the rest, keeps held and undecided evidence, anonymises the account, with a receipt', async () => {
    // A finished data export: its zip holds copies of the recordings, so it goes too.
    const asked = await student.post('/api/me/exports');
    expect(asked.status, JSON.stringify(asked.body)).toBeLessThan(300);
    await eventually(async () => {
      const got = await student.get(`/api/exports/${asked.body.id}`);
      expect(got.body.status).toBe('ready');
    });
    const res = await admin.post(`/api/users/${student.userId}/erasure`, {
      confirmEmail: student.email.toUpperCase(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const receipt = res.body as ErasureReceipt;
    expect(receipt).toMatchObject({
      userId: student.userId,
      sessionsErased: 1,
      deleted: {
        segments: 1,
        snapshots: 1,
        identityPhotos: 2,
        responses: 1,
        signInSessions: 1,
        dataExports: 1,
      },
    });
    expect(receipt.kept.map((k) => [k.sessionId, k.reason]).sort()).toEqual(
      [
        [held, 'legal_hold'],
        [undecided, 'undecided_review'],
      ].sort(),
    );

    expect(await evidenceOf(server, reviewed)).toMatchObject({
      segments: 0,
      media: 0,
      identity: 0,
      blobs: [],
    });
    for (const kept of [held, undecided]) {
      const e = await evidenceOf(server, kept);
      expect(e).toMatchObject({ segments: 1, media: 1, identity: 2 });
      expect(e.blobs.length).toBe(4);
    }
    const db = server.instance.database.db;
    const [review] = await db
      .select()
      .from(sessionReviews)
      .where(eq(sessionReviews.sessionId, reviewed));
    expect(review).toMatchObject({ verdict: 'clean', response: '[erased]' });
    const [zip] = await db.select().from(dataExports).where(eq(dataExports.userId, student.userId));
    expect(zip).toMatchObject({ status: 'expired', parts: 0, blobPrefix: null });
    const [user] = await db.select().from(users).where(eq(users.id, student.userId));
    expect(user).toMatchObject({ name: 'Erased user', disabled: true });
    expect(user?.email).not.toContain('erasable');

    // Signed out everywhere, and the old e-mail and password no longer sign in.
    expectError(await student.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    const again = new HttpClient(server.url);
    const login = await again.post('/api/auth/login', {
      email: student.email,
      password: TEST_PASSWORD,
    });
    expect(login.status).toBe(401);
    const listed = await admin.get(`/api/users?q=${encodeURIComponent('Erased user')}`);
    expect(listed.body.map((u: { id: string }) => u.id)).toContain(student.userId);

    const records = await deletionRecordsOf(server, reviewed);
    expect(records.map((r) => [r.rule, r.trigger, r.actorId])).toEqual([
      ['erasure', 'admin', admin.userId],
    ]);
    const [entry] = await auditEntries(server, ['user.erase']);
    expect(entry).toMatchObject({
      id: receipt.auditEntryId,
      actorId: admin.userId,
      entityId: student.userId,
    });
    expect(entry?.data).toMatchObject({ sessionsErased: 1, kept: receipt.kept });
    const deletes = await auditEntries(server, ['retention.delete']);
    expect(deletes.map((e) => [e.entityId, e.data.rule])).toEqual([[reviewed, 'erasure']]);
  });
});
