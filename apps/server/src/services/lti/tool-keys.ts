import { randomUUID } from 'node:crypto';
import { desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import {
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { LtiToolKey } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { ltiToolKeys } from '../../db/schema.js';
import {
  encryptValue,
  isSealedValue,
  openValue,
  rewrapValue,
  type Keyring,
} from '../../crypto/master-keys.js';
import type { Clock } from '../../ports/clock.port.js';
import { appendAudit } from '../audit/audit.service.js';

/** The algorithm of every tool key (what platforms expect of an LTI tool). */
export const TOOL_KEY_ALG = 'RS256';
/** How long a retired key stays in the JWKS: platforms cache a tool's keys for a while. */
export const TOOL_KEY_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

/** The key that signs now. */
export interface ToolSigningKey {
  kid: string;
  key: CryptoKey;
}

type KeyRow = typeof ltiToolKeys.$inferSelect;

/**
 * The tool's own signing keys (client assertions to platforms, deep-linking responses): RS256,
 * 2048-bit, the private half sealed by the master keyring. The newest unretired key signs;
 * rotation retires it and the JWKS keeps publishing it for TOOL_KEY_GRACE_MS, so a platform
 * verifying with a cached JWKS does not fail in between.
 */
export class LtiToolKeys {
  /** Opened private keys by kid: unsealing and importing costs a little, keys never change. */
  private readonly opened = new Map<string, CryptoKey>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly keyring: Keyring,
  ) {}

  /** The key to sign with now; the first one is made on demand. */
  async signingKey(): Promise<ToolSigningKey> {
    const row = (await this.current()) ?? (await this.createFirst());
    return { kid: row.kid, key: await this.open(row) };
  }

  /** The public keys platforms verify with: the signing key and those retired within the grace. */
  async jwks(): Promise<{ keys: JWK[] }> {
    if (!(await this.current())) await this.createFirst();
    const rows = await this.published();
    return { keys: rows.map((r) => r.publicJwk as JWK) };
  }

  /** Every published key, newest first, with when each leaves the JWKS. */
  async list(): Promise<LtiToolKey[]> {
    const rows = await this.published();
    return rows.map((r) => ({
      kid: r.kid,
      createdAt: r.createdAt.toISOString(),
      retiredAt: r.retiredAt?.toISOString() ?? null,
      publishedUntil: r.retiredAt
        ? new Date(r.retiredAt.getTime() + TOOL_KEY_GRACE_MS).toISOString()
        : null,
    }));
  }

  /**
   * A new signing key; the keys signing until now are retired (published for the grace
   * period). One transaction with its audit entry `lti.key.rotate`.
   */
  async rotate(actorId: string | null): Promise<LtiToolKey> {
    const now = this.clock.now();
    const fresh = await newKeyRow(this.keyring);
    await this.db.transaction(async (tx) => {
      const retired = await tx
        .update(ltiToolKeys)
        .set({ retiredAt: now })
        .where(isNull(ltiToolKeys.retiredAt))
        .returning({ kid: ltiToolKeys.kid });
      await tx.insert(ltiToolKeys).values({ ...fresh, createdAt: now });
      await appendAudit(
        tx,
        {
          actorId,
          action: 'lti.key.rotate',
          entityType: 'lti_tool_key',
          entityId: null,
          data: { kid: fresh.kid, retired: retired.map((r) => r.kid) },
        },
        now,
      );
    });
    return { kid: fresh.kid, createdAt: now.toISOString(), retiredAt: null, publishedUntil: null };
  }

  private async current(): Promise<KeyRow | undefined> {
    const [row] = await this.db
      .select()
      .from(ltiToolKeys)
      .where(isNull(ltiToolKeys.retiredAt))
      .orderBy(desc(ltiToolKeys.createdAt))
      .limit(1);
    return row;
  }

  private published(): Promise<KeyRow[]> {
    const cutoff = new Date(this.clock.now().getTime() - TOOL_KEY_GRACE_MS);
    return (
      this.db
        .select()
        .from(ltiToolKeys)
        .where(or(isNull(ltiToolKeys.retiredAt), gt(ltiToolKeys.retiredAt, cutoff)))
        // The signing key first, then the most recently retired.
        .orderBy(sql`${ltiToolKeys.retiredAt} desc nulls first`, desc(ltiToolKeys.createdAt))
    );
  }

  /**
   * The first key. Two processes may get here at once: each inserts its own, and both then
   * sign with whichever is newest; the other stays published and unused until a rotation.
   */
  private async createFirst(): Promise<KeyRow> {
    const fresh = await newKeyRow(this.keyring);
    await this.db.insert(ltiToolKeys).values({ ...fresh, createdAt: this.clock.now() });
    const row = await this.current();
    if (!row) throw new Error('The LTI tool key just created is missing');
    return row;
  }

  private async open(row: KeyRow): Promise<CryptoKey> {
    const cached = this.opened.get(row.kid);
    if (cached) return cached;
    if (!isSealedValue(row.privateKey)) {
      throw new Error(`LTI tool key ${row.kid} is not sealed as expected`);
    }
    const pem = openValue(this.keyring, row.privateKey).toString('utf8');
    const key = await importPKCS8(pem, TOOL_KEY_ALG);
    this.opened.set(row.kid, key);
    return key;
  }
}

/** A new key pair as a row: the public JWK and the sealed PKCS#8 private key. */
async function newKeyRow(keyring: Keyring) {
  const { publicKey, privateKey } = await generateKeyPair(TOOL_KEY_ALG, {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: TOOL_KEY_ALG, use: 'sig' };
  const pem = await exportPKCS8(privateKey);
  return { kid, publicJwk, privateKey: encryptValue(keyring, Buffer.from(pem, 'utf8')) };
}

/**
 * Re-seal the tool's private keys under the newest master key (part of `invigil keys
 * rotate`); returns how many changed. A handful of rows, so one pass.
 */
export async function rewrapLtiToolKeys(db: Db, keyring: Keyring): Promise<number> {
  const rows = await db
    .select({ kid: ltiToolKeys.kid, privateKey: ltiToolKeys.privateKey })
    .from(ltiToolKeys);
  let changed = 0;
  for (const row of rows) {
    if (!isSealedValue(row.privateKey) || row.privateKey.kid === keyring.current.id) continue;
    await db
      .update(ltiToolKeys)
      .set({ privateKey: rewrapValue(keyring, row.privateKey) })
      .where(eq(ltiToolKeys.kid, row.kid));
    changed += 1;
  }
  return changed;
}
