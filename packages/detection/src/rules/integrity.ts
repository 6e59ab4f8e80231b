import { DetectSnapshotData, type DetectAnalysisData } from '@invigil/contracts';
import type { FaceCountClass } from '../analysis.js';
import type { EffectiveRules } from './effective-rules.js';
import { observe, type TimedAnalysis } from './server-conditions.js';
import type { Condition, RuleEvent } from './types.js';

/** The browser's report per snapshot sequence number (the last report wins). */
function clientReports(events: readonly RuleEvent[]): Map<number, DetectSnapshotData> {
  const out = new Map<number, DetectSnapshotData>();
  for (const e of events) {
    if (e.source !== 'client' || e.type !== 'detect.snapshot') continue;
    const parsed = DetectSnapshotData.safeParse(e.data);
    if (parsed.success) out.set(parsed.data.snapshotSeq, parsed.data);
  }
  return out;
}

/** The same classes as faceCountClass, from a count. */
const countClass = (faces: number): FaceCountClass =>
  faces === 0 ? '0' : faces === 1 ? '1' : '2+';

/** Why the server's reading of a snapshot contradicts the browser's; empty when they agree. */
export function disagreements(
  client: DetectSnapshotData,
  server: DetectAnalysisData,
  rules: EffectiveRules,
): string[] {
  const out: string[] = [];
  if (countClass(server.faces) !== countClass(client.faces)) {
    out.push(`the browser reported ${client.faces} face(s), the server found ${server.faces}`);
  }
  const seen = observe(server, rules);
  if (seen.phone && !client.phone) out.push('the server found a phone the browser did not report');
  if (seen.extra_person && client.persons <= 1) {
    out.push('the server found another person the browser did not report');
  }
  return out;
}

/**
 * Trust but verify: for every snapshot both sides analysed, a client_integrity condition
 * when the server's reading contradicts what the browser reported — a different face-count
 * class (none / one / several), or a phone or another person the browser did not mention.
 * Snapshots the browser did not report on are not judged (its detection may be off).
 */
export function integrityConditions(
  events: readonly RuleEvent[],
  analyses: readonly TimedAnalysis[],
  rules: EffectiveRules,
): Condition[] {
  const reports = clientReports(events);
  const out: Condition[] = [];
  for (const a of analyses) {
    const client = reports.get(a.data.snapshotSeq);
    if (!client) continue;
    const why = disagreements(client, a.data, rules);
    if (why.length === 0) continue;
    out.push({
      key: `rules:client_integrity:${a.data.snapshotSeq}`,
      type: 'client_integrity',
      source: 'rules',
      startMs: a.atMs,
      endMs: a.atMs,
      confidence: Math.max(a.data.faceScore, ...a.data.objects.map((o) => o.score), 0.5),
      model: `${a.data.model} vs ${client.model}`,
      instant: true,
      snapshotIds: [a.data.snapshotId],
      detail: `snapshot ${a.data.snapshotSeq}: ${why.join('; ')}`,
    });
  }
  return out;
}
