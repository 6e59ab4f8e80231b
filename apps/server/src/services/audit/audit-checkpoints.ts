import { buffer } from 'node:stream/consumers';
import { createHash } from 'node:crypto';
import { asc, count, desc, sql } from 'drizzle-orm';
import { AUDIT_CHAIN_LOCK } from '../../db/advisory-locks.js';
import type { Db } from '../../db/database.js';
import { auditCheckpoints, auditLog } from '../../db/schema.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import {
  auditMac,
  canonicalJson,
  GENESIS,
  sameHex,
  signWithCurrent,
  walkAuditChain,
  type ChainBreak,
} from './audit-chain.js';

/** A signed checkpoint of the audit trail, as stored and as copied to the blob store. */
export interface AuditCheckpoint {
  seq: number;
  at: string;
  lastId: number;
  lastHash: string;
  entries: number;
  prevSignature: string;
  keyId: string;
  signature: string;
}

/** The blob store's copies: one per checkpoint and the newest under a fixed name. */
export const CHECKPOINT_PREFIX = 'audit/checkpoints';
const LATEST = `${CHECKPOINT_PREFIX}/latest.json`;
const copyKey = (seq: number) => `${CHECKPOINT_PREFIX}/${String(seq).padStart(10, '0')}.json`;

/** What a checkpoint's signature covers. */
const signedBody = (c: Omit<AuditCheckpoint, 'keyId' | 'signature'>) =>
  canonicalJson([
    'invigil-audit-checkpoint-v1',
    c.seq,
    c.at,
    c.lastId,
    c.lastHash,
    c.entries,
    c.prevSignature,
  ]);

const toCheckpoint = (r: typeof auditCheckpoints.$inferSelect): AuditCheckpoint => ({
  ...r,
  at: r.at.toISOString(),
});

/**
 * Sign where the trail ends now, if it grew since the last checkpoint, and copy the checkpoint
 * to the blob store (apart from the database). Appends wait meanwhile (the chain's lock), so
 * the count and the newest entry agree. Returns the new checkpoint, if one was made; a copy that
 * failed before is written again.
 */
export async function writeCheckpoint(
  db: Db,
  blobs: BlobStore,
  now: Date,
): Promise<AuditCheckpoint | undefined> {
  const made = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
    const [last] = await tx
      .select({ id: auditLog.id, hash: auditLog.hash })
      .from(auditLog)
      .orderBy(desc(auditLog.id))
      .limit(1);
    const [previous] = await tx
      .select()
      .from(auditCheckpoints)
      .orderBy(desc(auditCheckpoints.seq))
      .limit(1);
    if (!last || (previous && previous.lastId === last.id)) return undefined;
    const [n] = await tx.select({ n: count() }).from(auditLog);
    const unsigned = {
      seq: (previous?.seq ?? 0) + 1,
      at: new Date(Math.floor(now.getTime())).toISOString(),
      lastId: last.id,
      lastHash: last.hash,
      entries: Number(n?.n ?? 0),
      prevSignature: previous?.signature ?? GENESIS,
    };
    const { keyId, mac } = signWithCurrent(signedBody(unsigned));
    const checkpoint: AuditCheckpoint = { ...unsigned, keyId, signature: mac };
    await tx.insert(auditCheckpoints).values({ ...checkpoint, at: new Date(checkpoint.at) });
    return checkpoint;
  });
  const newest = made ?? (await newestCheckpoint(db));
  if (newest) await copyOut(blobs, newest);
  return made;
}

async function newestCheckpoint(db: Db): Promise<AuditCheckpoint | undefined> {
  const [row] = await db
    .select()
    .from(auditCheckpoints)
    .orderBy(desc(auditCheckpoints.seq))
    .limit(1);
  return row && toCheckpoint(row);
}

/** Write a checkpoint's copies, unless the blob store already has the newest. */
async function copyOut(blobs: BlobStore, c: AuditCheckpoint): Promise<void> {
  const latest = await readCopy(blobs, LATEST).catch(() => undefined);
  if (latest?.seq === c.seq && latest.signature === c.signature) return;
  const bytes = Buffer.from(JSON.stringify(c, null, 2));
  const meta = {
    contentType: 'application/json',
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  await blobs.put(copyKey(c.seq), bytes, meta);
  await blobs.put(LATEST, bytes, meta);
}

async function readCopy(blobs: BlobStore, key: string): Promise<AuditCheckpoint | undefined> {
  const read = await blobs.get(key);
  if (!read) return undefined;
  return JSON.parse((await buffer(read.stream)).toString('utf8')) as AuditCheckpoint;
}

/** What `verifyAuditTrail` found. */
export interface AuditVerification {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** The first entry that does not check out. */
  broken: ChainBreak | null;
  /** Everything wrong, in words an administrator can act on. */
  problems: string[];
  /** Entries after the newest checkpoint: removing those could not be noticed yet. */
  unsealed: number;
}

/** Whether a checkpoint's signature is its own, under a configured audit key. */
function signatureHolds(c: AuditCheckpoint): boolean {
  const { keyId, signature, ...unsigned } = c;
  const expected = auditMac(keyId, signedBody(unsigned));
  return expected !== undefined && sameHex(expected, signature);
}

/**
 * Verify the whole audit trail: every entry's link (audit-chain.ts), every checkpoint's
 * signature and its link to the one before, that each checkpoint's entry is still there with
 * the same link and as many entries up to it, and that the blob store's newest copy is the
 * database's newest checkpoint (a copy newer than the database means entries and checkpoints
 * were cut off the end together).
 */
export async function verifyAuditTrail(db: Db, blobs: BlobStore): Promise<AuditVerification> {
  const problems: string[] = [];
  const rows = (await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq))).map(
    toCheckpoint,
  );
  let prevSignature = GENESIS;
  rows.forEach((c, i) => {
    if (c.seq !== i + 1) problems.push(`Checkpoint ${i + 1} is missing (found ${c.seq} instead)`);
    if (c.prevSignature !== prevSignature) {
      problems.push(`Checkpoint ${c.seq} does not follow the checkpoint before it`);
    }
    if (!signatureHolds(c)) problems.push(`Checkpoint ${c.seq}'s signature does not hold`);
    prevSignature = c.signature;
  });
  const walk = await walkAuditChain(db, new Set(rows.map((c) => c.lastId)));
  if (walk.broken) {
    problems.push(`Audit entry ${walk.broken.id} does not check out: ${walk.broken.reason}`);
  }
  for (const c of rows) {
    if (walk.broken && c.lastId >= walk.broken.id) continue; // reported above
    const counted = walk.countAt.get(c.lastId);
    if (counted === undefined) {
      problems.push(`Checkpoint ${c.seq} names entry ${c.lastId}, which is gone`);
    } else if (counted !== c.entries) {
      problems.push(
        `Checkpoint ${c.seq} counted ${c.entries} entries up to entry ${c.lastId}; there are ${counted}`,
      );
    }
  }
  const newest = rows.at(-1);
  const copy = await readCopy(blobs, LATEST).catch((error: unknown) => {
    problems.push(
      `The blob store's copy of the newest checkpoint cannot be read: ${String(error)}`,
    );
    return undefined;
  });
  if (copy && !signatureHolds(copy)) {
    problems.push(`The blob store's newest checkpoint (${copy.seq}) is not signed by an audit key`);
  } else if (copy && (!newest || copy.seq > newest.seq)) {
    problems.push(
      `The blob store holds checkpoint ${copy.seq}, the database only ${newest?.seq ?? 'none'}: entries and checkpoints were removed from the end of the trail`,
    );
  } else if (copy && newest && copy.seq === newest.seq && copy.signature !== newest.signature) {
    problems.push(`Checkpoint ${copy.seq} differs between the database and the blob store`);
  }
  const sealedUpTo = newest?.lastId ?? 0;
  const unsealed = walk.lastId === null ? 0 : walk.entries - (walk.countAt.get(sealedUpTo) ?? 0);
  return {
    ok: problems.length === 0,
    entries: walk.entries,
    checkpoints: rows.length,
    broken: walk.broken,
    problems,
    unsealed,
  };
}
