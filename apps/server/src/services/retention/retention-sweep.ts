import { randomUUID } from 'node:crypto';
import type { RetentionRule, RetentionRunReport } from '@invigil/contracts';
import { appendAudit } from '../audit/audit.service.js';
import { dueSessions, stillDue, SWEEP_RULES } from './retention-due.js';
import { getRetentionDefaults } from './retention-settings.js';
import {
  addCounts,
  finishPendingDeletions,
  noDeletions,
  purgeSession,
  type PurgeDeps,
} from './session-purge.js';

/** Sessions read per query; each is then purged in its own transaction. */
const BATCH = 100;

/**
 * One run of the retention sweep: finish what an interrupted run left, then apply each rule
 * (media after the verdict, identity evidence, attempts without a verdict) to the sessions
 * whose time has run out, skipping those under a legal hold or awaiting a review decision.
 * Each session's deletion is recorded and audited (`retention.delete`); the run is audited as
 * `retention.run` when it deleted something or an admin started it.
 */
export async function runRetentionSweep(
  deps: PurgeDeps,
  actorId: string | null = null,
): Promise<RetentionRunReport> {
  const runId = randomUUID();
  const startedAt = deps.clock.now();
  const resumed = await finishPendingDeletions(deps);
  const defaults = await getRetentionDefaults(deps.db);
  const sessions: Record<RetentionRule, number> = {
    media_after_verdict: 0,
    identity: 0,
    undecided: 0,
    erasure: 0,
  };
  const deleted = noDeletions();
  const skipped = { legalHold: 0, undecidedReview: 0 };
  for (const r of SWEEP_RULES) {
    let after: string | null = null;
    for (;;) {
      const batch = await dueSessions(deps.db, r, defaults, startedAt, after, BATCH);
      for (const due of batch) {
        if (due.held) skipped.legalHold += 1;
        else if (due.undecidedReview) skipped.undecidedReview += 1;
        else {
          const outcome = await purgeSession(deps, {
            sessionId: due.id,
            scope: r.scope,
            rule: r.rule,
            trigger: actorId ? 'admin' : 'job',
            actorId,
            runId,
            stillDue: (tx) => stillDue(tx, r, defaults, startedAt, due.id),
          });
          if (outcome.status === 'deleted') {
            sessions[r.rule] += 1;
            addCounts(deleted, outcome.counts);
          }
        }
      }
      if (batch.length < BATCH) break;
      after = batch[batch.length - 1]?.id ?? null;
    }
  }
  const finishedAt = deps.clock.now();
  const report: RetentionRunReport = {
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    sessions,
    deleted,
    skipped,
    resumed,
  };
  const deletedAny = Object.values(sessions).some((n) => n > 0) || resumed > 0;
  if (deletedAny || actorId) {
    await deps.db.transaction((tx) =>
      appendAudit(tx, {
        actorId,
        action: 'retention.run',
        entityType: 'retention',
        entityId: runId,
        data: { ...report, defaults },
      }),
    );
  }
  return report;
}
