import { createHash } from 'node:crypto';
import { and, desc, eq, ne, notInArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { dataExports } from '../../../src/db/schema-exports.js';
import { emailVerifications, passwordResets, users as usersTable } from '../../../src/db/schema.js';
import { eventually } from '../eventually.js';
import type { MatrixFixture } from './fixture.js';
import type { Credentials } from './row.js';

/** A live reset link for resetTarget, stored as the service stores one (no e-mail here). */
export async function resetLinkSecret(f: MatrixFixture): Promise<string> {
  const secret = `matrix-${crypto.randomUUID()}`;
  const now = f.server.clock.now();
  await f.server.instance.database.db.insert(passwordResets).values({
    userId: f.resetTarget.userId,
    tokenHash: createHash('sha256').update(secret).digest('hex'),
    createdAt: now,
    expiresAt: new Date(now.getTime() + 30 * 60_000),
  });
  return secret;
}

/** A live e-mail verification link for `userId`, stored as the service stores one. */
export async function verificationLinkSecret(f: MatrixFixture, userId: string): Promise<string> {
  const secret = `matrix-${crypto.randomUUID()}`;
  const now = f.server.clock.now();
  await f.server.instance.database.db.insert(emailVerifications).values({
    userId,
    tokenHash: createHash('sha256').update(secret).digest('hex'),
    createdAt: now,
    expiresAt: new Date(now.getTime() + 60 * 60_000),
  });
  return secret;
}

/** A new student account in the given sign-up state; its own signed-in credentials. */
export async function waitingStudent(
  f: MatrixFixture,
  pending: 'email' | 'approval',
): Promise<{ userId: string; as: Credentials }> {
  const student = await f.server.signedIn('student', 'Waiting Student');
  await f.server.instance.database.db
    .update(usersTable)
    .set({ signupPending: pending })
    .where(eq(usersTable.id, student.userId));
  return { userId: student.userId, as: f.credsOf(student) };
}

/** Remove a student's finished data exports, so asking for a new one is not too soon. */
export async function forgetFinishedExports(f: MatrixFixture, userId: string): Promise<void> {
  await f.server.instance.database.db
    .delete(dataExports)
    .where(
      and(eq(dataExports.userId, userId), notInArray(dataExports.status, ['queued', 'running'])),
    );
}

/** A ready data export of the owner student (the newest one, or a new one). */
export async function readyStudentExport(f: MatrixFixture): Promise<string> {
  const { users } = f;
  const [latest] = await f.server.instance.database.db
    .select({ id: dataExports.id })
    .from(dataExports)
    .where(and(eq(dataExports.userId, users.student.userId), ne(dataExports.status, 'failed')))
    .orderBy(desc(dataExports.createdAt))
    .limit(1);
  let id = latest?.id;
  if (!id) {
    const res = await users.student.post('/api/me/exports');
    expect([200, 202], JSON.stringify(res.body)).toContain(res.status);
    id = res.body.id as string;
  }
  const exportId = id;
  await eventually(async () => {
    const res = await users.admin.get(`/api/exports/${exportId}`);
    expect(res.body.status).toBe('ready');
  });
  return exportId;
}
