import type { EffectiveRules } from './effective-rules.js';
import { clientConditions } from './client-conditions.js';
import { clockSkewConditions, estimateClockOffset } from './clock-skew.js';
import { evidenceConditions } from './evidence-conditions.js';
import { idDocumentConditions } from './id-document.js';
import { extendToStored, storedByKey } from './flag-extent.js';
import { integrityConditions } from './integrity.js';
import { lateEventConditions } from './late-events.js';
import { flagMessage } from './messages.js';
import { serverAnalyses, serverConditions } from './server-conditions.js';
import type { Condition, DeriveContext, EvidenceSnapshot, FlagDraft, RuleEvent } from './types.js';

/** Evidence reaches this far around a flag, so a reviewer sees what led up to it. */
export const EVIDENCE_PAD_MS = 3000;
/** At most this many snapshots are attached to one flag (spread over its duration). */
export const MAX_EVIDENCE_SNAPSHOTS = 6;

/** Events in time order; equal times keep their given order (sort is stable). */
const byTime = (events: readonly RuleEvent[]) => [...events].sort((a, b) => a.atMs - b.atMs);

/**
 * How far a condition's clock is from the server's (client − server, ms): the student's
 * estimated clock offset (`estimateClockOffset` over `context.clockSamples`) for conditions
 * on the student's clock, 0 for those the server timed itself (`serverClock`). The server's
 * `nowMs`, the attempt's end and the moment a flag was last seen open are mapped by it, so a
 * clock steadily off neither lengthens nor shortens what the rules measure.
 */
const shiftOf = (c: Condition, offsetMs: number) => (c.serverClock ? 0 : offsetMs);

function allConditions(
  events: readonly RuleEvent[],
  rules: EffectiveRules,
  context: DeriveContext,
  offsetMs: number,
): Condition[] {
  const ordered = byTime(events);
  const analyses = serverAnalyses(ordered);
  return [
    ...clientConditions(ordered, offsetMs),
    ...lateEventConditions(ordered, context.stored, context.untrustedTallies),
    ...clockSkewConditions(context.clockSamples ?? [], context.stored),
    ...serverConditions(analyses, rules),
    ...integrityConditions(ordered, analyses, rules),
    ...evidenceConditions(ordered),
    ...idDocumentConditions(ordered, rules),
  ];
}

const durationOf = (c: Condition, nowMs: number) => (c.endMs ?? nowMs) - c.startMs;

/** Whether a condition is a flag now: its detector is on, and it lasted long enough. */
function isFlag(c: Condition, rules: EffectiveRules, nowMs: number): boolean {
  const rule = rules[c.type];
  if (!rule.enabled) return false;
  if (c.instant) return true;
  return durationOf(c, nowMs) >= rule.minSeconds * 1000;
}

/** Snapshots around [fromMs, toMs], at most MAX_EVIDENCE_SNAPSHOTS spread evenly. */
function nearbySnapshots(
  snapshots: readonly EvidenceSnapshot[],
  fromMs: number,
  toMs: number,
): string[] {
  const inRange = snapshots
    .filter((s) => s.takenMs >= fromMs - EVIDENCE_PAD_MS && s.takenMs <= toMs + EVIDENCE_PAD_MS)
    .sort((a, b) => a.takenMs - b.takenMs);
  if (inRange.length <= MAX_EVIDENCE_SNAPSHOTS) return inRange.map((s) => s.id);
  const step = (inRange.length - 1) / (MAX_EVIDENCE_SNAPSHOTS - 1);
  return Array.from(
    { length: MAX_EVIDENCE_SNAPSHOTS },
    (_, i) => inRange[Math.round(i * step)]?.id ?? '',
  );
}

/**
 * Turn a session's events into flags under one student's rules. A condition becomes a flag
 * once it has lasted its detector's `minSeconds` (one still open counts up to `nowMs`, and
 * its flag stays open); a disabled detector yields nothing. `nowMs` and
 * `context.sessionEndMs` are server times; conditions on the student's clock are measured
 * against them corrected by the estimated clock offset (see `shiftOf`). Server findings of an object or
 * another person need one snapshot; client_integrity needs one contradicted snapshot.
 * A condition under a stored flag's key is never smaller than that flag (`context.stored`,
 * see flag-extent.ts); stored flags that no longer follow are simply not returned — storage
 * keeps them. Pure: the same input always gives the same flags, with the same keys.
 */
export function deriveFlags(
  events: readonly RuleEvent[],
  rules: EffectiveRules,
  nowMs: number,
  context: DeriveContext = {},
): FlagDraft[] {
  const snapshots = context.snapshots ?? [];
  const end = context.sessionEndMs;
  const stored = storedByKey(context.stored);
  const offsetMs = estimateClockOffset(context.clockSamples ?? []);
  return allConditions(events, rules, context, offsetMs)
    .map((c) => {
      const shift = shiftOf(c, offsetMs);
      const ended =
        c.endMs === null && end !== undefined
          ? { ...c, endMs: Math.max(c.startMs, end + shift) }
          : c;
      return { c: extendToStored(ended, stored.get(c.key), shift), now: nowMs + shift };
    })
    .filter(({ c, now }) => isFlag(c, rules, now))
    .map(({ c, now }) => {
      const endOrNow = c.endMs ?? now;
      const snapshotIds =
        c.snapshotIds.length > 0 ? c.snapshotIds : nearbySnapshots(snapshots, c.startMs, endOrNow);
      return {
        key: c.key,
        type: c.type,
        source: c.source,
        startMs: c.startMs,
        endMs: c.endMs,
        severity: rules[c.type].severity,
        confidence: Math.round(Math.min(1, Math.max(0, c.confidence)) * 1000) / 1000,
        detector: c.type === 'client_integrity' ? 'server-vs-browser' : `${c.source}:${c.type}`,
        model: c.model,
        evidence: {
          snapshotIds,
          recording: { fromMs: c.startMs - EVIDENCE_PAD_MS, toMs: endOrNow + EVIDENCE_PAD_MS },
          ...(c.facts && { details: c.facts }),
          ...(c.items?.events && { events: c.items.events }),
          ...(c.items?.samples && { samples: c.items.samples }),
        },
        message: flagMessage(c, durationOf(c, now)),
      };
    })
    .sort((a, b) => a.startMs - b.startMs || a.key.localeCompare(b.key));
}

/**
 * When, with no new event, the flags would next change: the earliest moment a condition
 * still open reaches its minimum duration. Null when nothing is pending. Callers re-derive
 * then (the server's flag sweeper), so "no face for 5 s" becomes a flag on time.
 */
export function nextFlagChangeMs(
  events: readonly RuleEvent[],
  rules: EffectiveRules,
  nowMs: number,
  context: DeriveContext = {},
): number | null {
  let next: number | null = null;
  const offsetMs = estimateClockOffset(context.clockSamples ?? []);
  for (const c of allConditions(events, rules, context, offsetMs)) {
    const shift = shiftOf(c, offsetMs);
    if (c.endMs !== null || !rules[c.type].enabled || isFlag(c, rules, nowMs + shift)) continue;
    // Due on the condition's clock; the server re-judges on its own.
    const due = c.startMs + rules[c.type].minSeconds * 1000 - shift;
    if (next === null || due < next) next = due;
  }
  return next;
}
