import type { Db } from '../db/database.js';
import type { BlobStore } from '../ports/blob-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import { appendAudit } from '../services/audit/audit-chain.js';
import {
  verifyAuditTrail,
  writeCheckpoint,
  type AuditVerification,
} from '../services/audit/audit-checkpoints.js';
import { startIntervalJob } from './interval-job.js';

/** What the audit trail's jobs need. */
export interface AuditTrailDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  /** Told of every verification (metrics); of a failed one, to alert the administrators. */
  onVerified(result: AuditVerification): Promise<void> | void;
  onError(error: unknown, message: string): void;
}

/** A checkpoint this often while entries are written (the window in which cutting the end off goes unseen). */
export const CHECKPOINT_MS = 5 * 60_000;
/** The whole trail is verified once a day, and a minute after the process starts. */
export const VERIFY_MS = 24 * 60 * 60_000;
const FIRST_VERIFY_MS = 60_000;

/**
 * The audit trail's background work in the jobs process: a signed checkpoint every
 * CHECKPOINT_MS, and a daily verification of the whole trail whose result is itself audited
 * (`audit.verify`) and reported, so a failure reaches the administrators.
 */
export function startAuditTrailJobs(deps: AuditTrailDeps): { stop(): Promise<void> } {
  const checkpoints = startIntervalJob(
    () => writeCheckpoint(deps.db, deps.blobs, deps.clock.now()),
    CHECKPOINT_MS,
    (err) => deps.onError(err, 'audit checkpoint failed'),
  );
  const verify = () => verifyAndRecord(deps);
  const daily = startIntervalJob(verify, VERIFY_MS, (err) =>
    deps.onError(err, 'audit trail verification failed to run'),
  );
  let first: Promise<unknown> | undefined;
  const soon = setTimeout(() => {
    first = verify().catch((err: unknown) =>
      deps.onError(err, 'audit trail verification failed to run'),
    );
  }, FIRST_VERIFY_MS);
  soon.unref();
  return {
    async stop() {
      clearTimeout(soon);
      await first;
      await checkpoints.stop();
      await daily.stop();
    },
  };
}

/** Verify the trail, record the result in it, and report it. */
export async function verifyAndRecord(deps: AuditTrailDeps): Promise<AuditVerification> {
  // Seal what is there first, so the verification covers everything written until now.
  await writeCheckpoint(deps.db, deps.blobs, deps.clock.now());
  const result = await verifyAuditTrail(deps.db, deps.blobs);
  await deps.db.transaction((tx) =>
    appendAudit(tx, {
      actorId: null,
      action: 'audit.verify',
      entityType: 'audit_log',
      data: {
        ok: result.ok,
        entries: result.entries,
        checkpoints: result.checkpoints,
        problems: result.problems.slice(0, 20),
      },
    }),
  );
  await deps.onVerified(result);
  return result;
}
