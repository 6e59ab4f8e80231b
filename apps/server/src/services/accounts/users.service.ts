import { and, asc, eq, ilike, inArray, isNull, ne, or, type SQL } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import {
  CreateUserBody,
  type ImportUsersReport,
  type Role,
  type SignupPending,
  type UpdateUserBody,
  type User,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { authSessions, examStaff, mfaFactors, users } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import { clearSignInFailures } from './sign-in-throttle.js';
import type { Actor } from './actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { hashPassword, passwordProblems } from './password.js';
import { iso, isoOrNull } from '../sessions/time.js';

type UserRow = typeof users.$inferSelect;

/** API view of a user row: never includes secrets. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    disabled: row.disabled,
    createdAt: iso(row.createdAt),
    lastLoginAt: isoOrNull(row.lastLoginAt),
    signupPending: (row.signupPending as SignupPending | null) ?? null,
  };
}

/** Find a user by (already normalised) e-mail. */
export async function findUserByEmail(db: DbOrTx, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  return row;
}

/** Fail with WEAK_PASSWORD listing every problem. */
export function assertPasswordPolicy(password: string, email?: string): void {
  const problems = passwordProblems(password, email);
  if (problems.length > 0) {
    throw errors.badRequest('WEAK_PASSWORD', problems.join('; '), { problems });
  }
}

/**
 * Insert a user inside `tx` (caller handles the transaction and audit).
 * Unique e-mail is enforced by the database, so concurrent sign-ups cannot duplicate.
 */
export async function insertUser(
  tx: DbOrTx,
  input: { email: string; name: string; role: Role; password: string },
): Promise<UserRow> {
  assertPasswordPolicy(input.password, input.email);
  const passwordHash = await hashPassword(input.password);
  const [row] = await tx
    .insert(users)
    .values({ email: input.email, name: input.name, role: input.role, passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!row) throw errors.conflict('EMAIL_TAKEN', `An account for ${input.email} already exists`);
  return row;
}

/** Admin: create one user. */
export async function createUser(db: Db, actor: Actor, body: CreateUserBody): Promise<User> {
  const row = await db.transaction(async (tx) => {
    const created = await insertUser(tx, body);
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'user.create',
      entityType: 'user',
      entityId: created.id,
      data: { email: created.email, role: created.role },
    });
    return created;
  });
  return toUser(row);
}

/** Admin: list users, optionally by role and a search on e-mail or name. */
export async function listUsers(
  db: DbOrTx,
  q: { role?: Role; q?: string; pending?: SignupPending },
): Promise<User[]> {
  const where: SQL[] = [];
  if (q.role) where.push(eq(users.role, q.role));
  // A rejected account is disabled: it no longer waits.
  if (q.pending) where.push(eq(users.signupPending, q.pending), eq(users.disabled, false));
  if (q.q) {
    const pattern = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const match = or(ilike(users.email, pattern), ilike(users.name, pattern));
    if (match) where.push(match);
  }
  const rows = await db
    .select()
    .from(users)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(users.email))
    .limit(1000);
  // Which of them have a second factor: the list offers a reset only to those.
  const ids = rows.map((r) => r.id);
  const withFactor = new Set(
    ids.length === 0
      ? []
      : (
          await db
            .selectDistinct({ userId: mfaFactors.userId })
            .from(mfaFactors)
            .where(inArray(mfaFactors.userId, ids))
        ).map((r) => r.userId),
  );
  return rows.map((r) => ({ ...toUser(r), secondFactor: withFactor.has(r.id) }));
}

/**
 * Admin: rename, change role, disable or enable. A role change removes the user from the staff
 * of exams whose staff role no longer matches (listed in the audit entry). Disabling also revokes the user's sessions,
 * in the same transaction, so enabling the account later does not bring old sign-ins back
 * (API tokens stay: they are credentials the owner manages, and a disabled user's are refused).
 */
export async function updateUser(
  db: Db,
  actor: Actor,
  id: string,
  body: UpdateUserBody,
): Promise<User> {
  if (id === actor.userId && (body.disabled === true || (body.role && body.role !== 'admin'))) {
    throw errors.conflict('CONFLICT', 'You cannot disable yourself or remove your own admin role');
  }
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ ...body, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    if (!updated) throw errors.notFound('User');
    // Exam staff roles must match the account role (STAFF_ROLE_MISMATCH on assignment): a
    // new role ends the assignments it no longer fits, e.g. a proctor made a student.
    const staffRemovedFrom = body.role
      ? (
          await tx
            .delete(examStaff)
            .where(and(eq(examStaff.userId, id), ne(examStaff.role, body.role)))
            .returning({ examId: examStaff.examId })
        ).map((r) => r.examId)
      : [];
    if (body.disabled === true) {
      await tx
        .update(authSessions)
        .set({ revokedAt: new Date() })
        .where(and(eq(authSessions.userId, id), isNull(authSessions.revokedAt)));
    }
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'user.update',
      entityType: 'user',
      entityId: id,
      data: staffRemovedFrom.length > 0 ? { ...body, staffRemovedFrom } : { ...body },
    });
    return updated;
  });
  return toUser(row);
}

/**
 * Admin: set a user's password (for a forgotten password, or an imported account). The
 * user's sessions are revoked and any lockout is lifted, in one transaction with the audit
 * entry; the user must change the password at the next sign-in.
 */
export async function setUserPassword(
  db: Db,
  actor: Actor,
  id: string,
  password: string,
): Promise<User> {
  const [current] = await db.select().from(users).where(eq(users.id, id));
  if (!current) throw errors.notFound('User');
  assertPasswordPolicy(password, current.email);
  const passwordHash = await hashPassword(password);
  const row = await db.transaction(async (tx) => {
    const now = new Date();
    const [updated] = await tx
      .update(users)
      .set({
        passwordHash,
        passwordChangedAt: now,
        // Someone else knows it: the user must choose their own at the next sign-in.
        mustChangePassword: true,
        updatedAt: now,
      })
      .where(eq(users.id, id))
      .returning();
    if (!updated) throw errors.notFound('User');
    await clearSignInFailures(tx, updated.email);
    await tx
      .update(authSessions)
      .set({ revokedAt: now })
      .where(and(eq(authSessions.userId, id), isNull(authSessions.revokedAt)));
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'user.password.set',
      entityType: 'user',
      entityId: id,
    });
    return updated;
  });
  return toUser(row);
}

/**
 * Admin: import users from CSV with a header `email,name,role[,password]`.
 * Each row stands alone: good rows are created, bad rows are reported with the reason.
 * Rows without a password get a random one; an admin sets a real one later
 * (POST /api/users/:id/password) or the user is told it another way.
 */
export async function importUsersCsv(
  db: Db,
  actor: Actor,
  csv: string,
): Promise<ImportUsersReport> {
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
    }) as Record<string, string>[];
  } catch (err) {
    throw errors.validation(`The CSV could not be read: ${(err as Error).message}`);
  }
  const header = records.length > 0 ? Object.keys(records[0] ?? {}) : [];
  const missing = ['email', 'name', 'role'].filter((c) => !header.includes(c));
  if (records.length === 0) throw errors.validation('The CSV has no data rows');
  if (missing.length > 0) {
    throw errors.validation(`The CSV header lacks: ${missing.join(', ')}`, { missing });
  }
  if (records.length > 5000) throw errors.validation('Import at most 5000 rows at a time');

  const report: ImportUsersReport = { created: 0, rejected: 0, rows: [] };
  const seen = new Set<string>();
  for (const [i, rec] of records.entries()) {
    const row = i + 1;
    const password = rec.password || randomPassword();
    const parsed = CreateUserBody.safeParse({
      email: rec.email ?? '',
      name: rec.name ?? '',
      role: rec.role?.toLowerCase() ?? '',
      password,
    });
    const email = rec.email ? rec.email.toLowerCase() : null;
    if (!parsed.success) {
      const reason = parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
      report.rows.push({ row, email, status: 'rejected', reason });
      continue;
    }
    if (seen.has(parsed.data.email)) {
      report.rows.push({
        row,
        email,
        status: 'rejected',
        reason: 'Duplicate e-mail earlier in this file',
      });
      continue;
    }
    seen.add(parsed.data.email);
    try {
      const user = await createUser(db, actor, parsed.data);
      report.rows.push({ row, email: user.email, status: 'created', userId: user.id });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const reason = err.message;
      report.rows.push({ row, email, status: 'rejected', reason });
    }
  }
  report.created = report.rows.filter((r) => r.status === 'created').length;
  report.rejected = report.rows.length - report.created;
  return report;
}

function randomPassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
}
