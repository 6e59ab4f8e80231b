import { asc, eq, gt, gte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKeys } from '../src/crypto/master-keys.js';
import type { Tx } from '../src/db/database.js';
import { auditCheckpoints, auditLog } from '../src/db/schema.js';
import { useAuditKeys } from '../src/services/audit/audit-chain.js';
import { verifyAuditTrail, writeCheckpoint } from '../src/services/audit/audit-checkpoints.js';
import {
  engines,
  startTestServer,
  TEST_AUDIT_KEY,
  type TestServer,
} from './helpers/test-server.js';

describe.each(engines())('the audit trail on %s', (engine) => {
  let server: TestServer;
  const db = () => server.instance.database.db;

  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(() => server?.close());

  /** A few audited actions through the API. */
  async function someEntries(n = 3) {
    const admin = await server.signedIn('admin');
    for (let i = 0; i < n; i++) {
      const res = await admin.post('/api/users', {
        email: `audited-${i}-${Date.now()}@test.invigil.test`,
        name: `Audited ${i}`,
        role: 'student',
        password: 'a long enough password',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  }

  const verify = () => verifyAuditTrail(db(), server.instance.blobs);
  const checkpoint = () => writeCheckpoint(db(), server.instance.blobs, new Date());
  const rows = () => db().select().from(auditLog).orderBy(asc(auditLog.id));
  /**
   * Someone with the database's superuser (or its files): the append-only trigger does not
   * stop them, but they do not hold the audit key.
   */
  const asAttacker = (change: (tx: Tx) => Promise<unknown>) =>
    db().transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await change(tx);
    });

  it('signs every entry and checkpoint, and verifies a trail nobody touched', async () => {
    await someEntries();
    const made = await checkpoint();
    expect(made).toMatchObject({ seq: 1, keyId: 'test' });
    expect(await checkpoint()).toBeUndefined(); // nothing new since
    await someEntries(1);
    const all = await rows();
    expect(all.every((r) => r.alg === 'hmac-sha256' && r.keyId === 'test')).toBe(true);
    const result = await verify();
    expect(result).toMatchObject({ ok: true, problems: [], checkpoints: 1, broken: null });
    expect(result.entries).toBe(all.length);
    expect(result.unsealed).toBeGreaterThan(0);
  });

  it('finds a changed entry, a removed one and an unsigned one', async () => {
    await checkpoint();
    const all = await rows();
    const target = all[1]!;
    // Changed content.
    await asAttacker((tx) =>
      tx
        .update(auditLog)
        .set({ data: { ...(target.data as object), role: 'admin' } })
        .where(eq(auditLog.id, target.id)),
    );
    let result = await verify();
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual({
      id: target.id,
      reason: 'its content or signature was changed',
    });
    await asAttacker((tx) =>
      tx.update(auditLog).set({ data: target.data }).where(eq(auditLog.id, target.id)),
    );
    expect((await verify()).ok).toBe(true);
    // Removed from the middle.
    await asAttacker((tx) => tx.delete(auditLog).where(eq(auditLog.id, target.id)));
    result = await verify();
    expect(result.broken?.id).toBe(all[2]!.id);
    expect(result.broken?.reason).toMatch(/does not follow/);
    await db().insert(auditLog).values(target);
    expect((await verify()).ok).toBe(true);
    // An entry written without the key, made to look like the old unkeyed kind.
    const last = all.at(-1)!;
    const forged = {
      ...last,
      id: last.id + 1000,
      prevHash: last.hash,
      alg: 'sha256',
      keyId: null,
      action: 'user.update',
    };
    await db().insert(auditLog).values(forged);
    result = await verify();
    expect(result.broken).toEqual({ id: forged.id, reason: 'an unsigned entry after signed ones' });
    await asAttacker((tx) => tx.delete(auditLog).where(eq(auditLog.id, forged.id)));
  });

  it('finds the end of the trail cut off together with its checkpoints', async () => {
    await someEntries(2);
    await checkpoint();
    const before = await db().select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq));
    const newest = before.at(-1)!;
    const previous = before.at(-2)!;
    expect((await verify()).ok).toBe(true);
    // Everything after the previous checkpoint goes, and the newest checkpoint with it.
    const cut = await db().select().from(auditLog).where(gt(auditLog.id, previous.lastId));
    await asAttacker((tx) => tx.delete(auditLog).where(gt(auditLog.id, previous.lastId)));
    await db().delete(auditCheckpoints).where(gte(auditCheckpoints.seq, newest.seq));
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.broken).toBeNull(); // what is left links up
    expect(result.problems.join('\n')).toMatch(
      new RegExp(`blob store holds checkpoint ${newest.seq}, the database only ${previous.seq}`),
    );
    await db().insert(auditLog).values(cut);
    await db().insert(auditCheckpoints).values(newest);
    expect((await verify()).ok).toBe(true);
    // A checkpoint whose count no longer matches (entries removed and the chain re-made by
    // someone holding the key) shows too.
    await db()
      .update(auditCheckpoints)
      .set({ entries: newest.entries + 1 })
      .where(eq(auditCheckpoints.seq, newest.seq));
    expect((await verify()).problems.join('\n')).toMatch(/signature does not hold/);
    await db()
      .update(auditCheckpoints)
      .set({ entries: newest.entries })
      .where(eq(auditCheckpoints.seq, newest.seq));
  });

  it('names an audit key that is no longer configured, and verifies again once it is back', async () => {
    const [testKey] = parseMasterKeys(TEST_AUDIT_KEY);
    useAuditKeys([generateMasterKey('other')]);
    try {
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.broken?.reason).toMatch(
        /signed with audit key "test", which is not configured/,
      );
    } finally {
      useAuditKeys([testKey!]);
    }
    // Rotated: a newer key signs new entries, the old one still verifies the old ones.
    useAuditKeys([testKey!, generateMasterKey('newer')]);
    try {
      await someEntries(1);
      const newest = (await rows()).at(-1)!;
      expect(newest.keyId).toBe('newer');
      expect((await verify()).ok).toBe(true);
    } finally {
      useAuditKeys([testKey!]);
    }
  });
});
