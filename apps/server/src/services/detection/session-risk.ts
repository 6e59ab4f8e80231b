import { eq } from 'drizzle-orm';
import type { Flag, RiskScore } from '@invigil/contracts';
import { nextRiskChangeMs, riskScore } from '@invigil/detection/rules';
import type { Tx } from '../../db/database.js';
import { type examSessions, sessionRisk } from '../../db/schema.js';
import { iso } from '../sessions/time.js';

type SessionRow = typeof examSessions.$inferSelect;

/**
 * While a flag is open, look again at least this often: if the attempt ends without the
 * browser saying the condition ended, the flag is closed at the attempt's end.
 */
const OPEN_FLAG_RECHECK_MS = 30_000;
/**
 * While an attempt runs, look again at least this often: the clock check reads segments and
 * snapshots, whose arrival does not re-judge the session by itself.
 */
const RUNNING_RECHECK_MS = 60_000;

/**
 * Store a session's risk score from its flags (every stored flag: dismissed ones weigh
 * nothing) with `recheck_at`, the moment it would next change on its own — `flagChangeMs`
 * (a condition reaching its minimum duration), an open flag still growing or still open, or
 * the attempt still running; none once it ended. Returns the new score when it changed.
 */
export async function storeSessionRisk(
  tx: Tx,
  session: SessionRow,
  flags: readonly Flag[],
  now: Date,
  flagChangeMs: number | null,
): Promise<RiskScore | null> {
  const sessionId = session.id;
  const nowMs = Math.min(now.getTime(), session.endedAt?.getTime() ?? Infinity);
  const risk = riskScore(flags, nowMs);
  const contributions = risk.parts.map((p) => ({
    flagId: p.flag.id,
    type: p.flag.type,
    severity: p.flag.severity,
    points: p.points,
  }));
  const explanation = risk.parts.map((p) => p.explanation);
  const running = session.state === 'in_progress' || session.state === 'paused';
  const anyOpen = flags.some((f) => f.endMs === null);
  const next =
    session.endedAt !== null
      ? null
      : [
          flagChangeMs,
          nextRiskChangeMs(flags, nowMs),
          anyOpen ? nowMs + OPEN_FLAG_RECHECK_MS : null,
          running ? nowMs + RUNNING_RECHECK_MS : null,
        ].reduce(minOrNull, null);
  const recheckAt = next === null ? null : new Date(Math.max(next, now.getTime()));
  const [before] = await tx.select().from(sessionRisk).where(eq(sessionRisk.sessionId, sessionId));
  const changed =
    !before ||
    before.score !== risk.score ||
    JSON.stringify(before.contributions) !== JSON.stringify(contributions);
  const set = {
    score: risk.score,
    contributions,
    explanation,
    recheckAt,
    ...(changed && { updatedAt: now }),
  };
  await tx
    .insert(sessionRisk)
    .values({ sessionId, ...set, updatedAt: now })
    .onConflictDoUpdate({ target: sessionRisk.sessionId, set });
  if (!changed) return null;
  return { sessionId, score: risk.score, contributions, explanation, updatedAt: iso(now) };
}

/** The earlier of two moments, either of which may be absent. */
function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
