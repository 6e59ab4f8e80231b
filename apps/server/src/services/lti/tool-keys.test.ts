import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { generateMasterKey, isSealedValue, Keyring } from '../../crypto/master-keys.js';
import type { Database } from '../../db/database.js';
import { openDatabase } from '../../db/open-database.js';
import { auditLog, ltiToolKeys } from '../../db/schema.js';
import { useAuditKeys } from '../audit/audit-chain.js';
import { LtiToolKeys, rewrapLtiToolKeys, TOOL_KEY_GRACE_MS } from './tool-keys.js';

/** A clock the test moves by hand. */
const clock = { at: Date.now(), now: () => new Date(clock.at) };

let database: Database;
const first = generateMasterKey('a');

beforeAll(async () => {
  useAuditKeys([generateMasterKey('audit')]);
  database = await openDatabase({ kind: 'pglite' });
  await database.migrate();
});
afterAll(() => database.close());

const sign = async (keys: LtiToolKeys) => {
  const { kid, key } = await keys.signingKey();
  return new SignJWT({ hello: 'world' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuedAt()
    .sign(key);
};

describe('LtiToolKeys', () => {
  it('makes its first key on demand, sealed, and signs what its JWKS verifies', async () => {
    const keys = new LtiToolKeys(database.db, clock, new Keyring([first]));
    const jwks = await keys.jwks();
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(jwk).not.toHaveProperty('d');
    // 2048-bit modulus: 256 bytes, base64url without padding.
    expect(Buffer.from(jwk!.n!, 'base64url')).toHaveLength(256);
    const [row] = await database.db.select().from(ltiToolKeys);
    expect(isSealedValue(row!.privateKey)).toBe(true);
    expect(JSON.stringify(row!.privateKey)).not.toContain('PRIVATE KEY');

    const token = await sign(keys);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks));
    expect(payload.hello).toBe('world');
    // A second instance (another process) opens the same sealed key.
    const other = new LtiToolKeys(database.db, clock, new Keyring([first]));
    expect((await other.signingKey()).kid).toBe(jwk!.kid);
  });

  it('rotates: the new key signs, the old stays published for the grace period, audited', async () => {
    const keys = new LtiToolKeys(database.db, clock, new Keyring([first]));
    const before = (await keys.signingKey()).kid;
    const rotated = await keys.rotate(null);
    expect(rotated.kid).not.toBe(before);
    expect((await keys.signingKey()).kid).toBe(rotated.kid);
    const listed = await keys.list();
    expect(listed.map((k) => k.kid)).toEqual([rotated.kid, before]);
    expect(listed[1]!.publishedUntil).toBe(
      new Date(new Date(listed[1]!.retiredAt!).getTime() + TOOL_KEY_GRACE_MS).toISOString(),
    );
    // A token signed with the old key still verifies during the grace period.
    const jwks = await keys.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.kid, before]);

    const audited = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'lti.key.rotate'));
    expect(audited).toHaveLength(1);
    expect(audited[0]!.data).toEqual({ kid: rotated.kid, retired: [before] });

    clock.at += TOOL_KEY_GRACE_MS + 1000;
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([rotated.kid]);
    expect((await keys.list()).map((k) => k.kid)).toEqual([rotated.kid]);
  });

  it('re-seals its private keys under a new master key', async () => {
    const next = generateMasterKey('b');
    const keyring = new Keyring([first, next]);
    expect(await rewrapLtiToolKeys(database.db, keyring)).toBeGreaterThan(0);
    expect(await rewrapLtiToolKeys(database.db, keyring)).toBe(0);
    // Only the new master key is needed now.
    const keys = new LtiToolKeys(database.db, clock, new Keyring([next]));
    const token = await sign(keys);
    await expect(jwtVerify(token, createLocalJWKSet(await keys.jwks()))).resolves.toBeTruthy();
  });
});
