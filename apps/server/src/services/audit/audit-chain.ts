import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { asc, desc, gt, sql } from 'drizzle-orm';
import { AUDIT_CHAIN_LOCK } from '../../db/advisory-locks.js';
import type { DbOrTx } from '../../db/database.js';
import { auditLog } from '../../db/schema.js';
import type { MasterKey } from '../../crypto/master-keys.js';

/** What happened, by whom, to what. */
export interface AuditEntry {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  examId?: string | null;
  data?: Record<string, unknown>;
}

/** The link before the first entry. */
export const GENESIS = '0'.repeat(64);

/** The keyed link of entries written now; `sha256` links are those of entries from before. */
export const HMAC_ALG = 'hmac-sha256';

/** JSON with object keys sorted at every level: jsonb does not keep key order, the hash must not care. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What a link covers: the previous link and everything the entry says. */
function linkBody(prevHash: string, at: Date, e: AuditEntry): string {
  return canonicalJson([
    prevHash,
    at.toISOString(),
    e.actorId,
    e.action,
    e.entityType,
    e.entityId ?? null,
    e.examId ?? null,
    e.data ?? {},
  ]);
}

/**
 * The audit keys of this process (AUDIT_KEY: the deployment's, one set per process, set by
 * the composition root or a CLI command before anything is audited). Kept here rather than
 * passed to the fifty places that audit inside their own transactions.
 */
let auditKeys: { current: MasterKey; byId: Map<string, Buffer> } | undefined;

/** Sign new entries with the last of `keys`; every one of them verifies older entries. */
export function useAuditKeys(keys: readonly MasterKey[]): void {
  const current = keys.at(-1);
  if (!current) throw new Error('No audit key');
  auditKeys = { current, byId: new Map(keys.map((k) => [k.id, k.key])) };
}

function keys() {
  if (!auditKeys) throw new Error('The audit key is not set (useAuditKeys)');
  return auditKeys;
}

/** HMAC-SHA-256 under the audit key `keyId`, hex; undefined when that key is not configured. */
export function auditMac(keyId: string, body: string): string | undefined {
  const key = keys().byId.get(keyId);
  return key && createHmac('sha256', key).update(body).digest('hex');
}

/** The current audit key's id, and its MAC of `body`. */
export function signWithCurrent(body: string): { keyId: string; mac: string } {
  const { current } = keys();
  return { keyId: current.id, mac: createHmac('sha256', current.key).update(body).digest('hex') };
}

/** Constant-time comparison of two hex strings. */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Append to the audit log inside the caller's transaction, so the record and the change
 * commit together. Each entry's link is an HMAC, under the audit key, of the previous link and
 * the entry: without the key nobody can change, insert or remove an entry and mend the chain.
 * An advisory lock serialises appends so the chain never forks.
 */
export async function appendAudit(tx: DbOrTx, entry: AuditEntry, at = new Date()): Promise<void> {
  keys(); // fail before taking the lock when no key is set
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.id))
    .limit(1);
  const prevHash = last?.hash ?? GENESIS;
  // Millisecond precision keeps the link reproducible from the stored timestamp.
  const stamp = new Date(Math.floor(at.getTime()));
  const { keyId, mac } = signWithCurrent(linkBody(prevHash, stamp, entry));
  await tx.insert(auditLog).values({
    at: stamp,
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    examId: entry.examId ?? null,
    data: entry.data ?? {},
    prevHash,
    hash: mac,
    alg: HMAC_ALG,
    keyId,
  });
}

/** The first entry that does not check out, and why. */
export interface ChainBreak {
  id: number;
  reason: string;
}

/** What walking the chain found. */
export interface ChainWalk {
  entries: number;
  lastId: number | null;
  lastHash: string;
  /** Entry id → how many entries up to and including it (for checkpoints). */
  countAt: Map<number, number>;
  broken: ChainBreak | null;
}

const PAGE = 5000;

/**
 * Recompute every link from the start, a page at a time: each entry must name the previous
 * link, and its own link must be the HMAC (or, for entries from before keyed links, the
 * SHA-256) of that and its content. Once keyed links begin, an unkeyed one is a break (it
 * could have been written by anyone). `countAt` is kept for the ids `wanted` only.
 */
export async function walkAuditChain(
  db: DbOrTx,
  wanted: ReadonlySet<number> = new Set(),
): Promise<ChainWalk> {
  let prev = GENESIS;
  let entries = 0;
  let lastId: number | null = null;
  let keyed = false;
  const countAt = new Map<number, number>();
  let after = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, after))
      .orderBy(asc(auditLog.id))
      .limit(PAGE);
    if (rows.length === 0) break;
    for (const r of rows) {
      const body = linkBody(prev, r.at, {
        actorId: r.actorId,
        action: r.action,
        entityType: r.entityType,
        entityId: r.entityId,
        examId: r.examId,
        data: r.data as Record<string, unknown>,
      });
      const broken = (reason: string) => ({
        entries,
        lastId,
        lastHash: prev,
        countAt,
        broken: { id: r.id, reason },
      });
      if (r.prevHash !== prev) {
        return broken('it does not follow the entry before it (an entry was removed or changed)');
      }
      if (r.alg === HMAC_ALG) {
        keyed = true;
        const expected = r.keyId ? auditMac(r.keyId, body) : undefined;
        if (expected === undefined) {
          return broken(`it is signed with audit key "${r.keyId}", which is not configured`);
        }
        if (!sameHex(expected, r.hash)) return broken('its content or signature was changed');
      } else {
        if (keyed) return broken('an unsigned entry after signed ones');
        if (createHash('sha256').update(body).digest('hex') !== r.hash) {
          return broken('its content was changed');
        }
      }
      prev = r.hash;
      entries += 1;
      lastId = r.id;
      if (wanted.has(r.id)) countAt.set(r.id, entries);
    }
    after = rows.at(-1)!.id;
  }
  return { entries, lastId, lastHash: prev, countAt, broken: null };
}

/** Recompute the chain from the start; returns the id of the first broken entry, or null if intact. */
export async function verifyAuditChain(db: DbOrTx): Promise<number | null> {
  return (await walkAuditChain(db)).broken?.id ?? null;
}
