import type { z } from 'zod';
import { DetectSnapshotData, DetectStateData } from '@invigil/contracts';
import { CLOCK_SKEW_TOLERANCE_MS } from '@invigil/detection/rules';
import { errors } from '../../errors.js';

/** The data schema of each client event type that has one. */
const DATA_SCHEMAS: Partial<Record<string, z.ZodType>> = {
  'detect.state': DetectStateData,
  'detect.snapshot': DetectSnapshotData,
};

/** Client event types that feed the flag rules; a batch with one of these re-judges flags. */
export const RULE_INPUT_EVENT_TYPES: ReadonlySet<string> = new Set([
  'detect.state',
  'detect.snapshot',
  'page.hidden',
  'page.visible',
  'fullscreen.exit',
  'fullscreen.enter',
]);

/**
 * Whether a newly stored client event re-judges the session's flags: a rule input, an event
 * the server did not trust on arrival (it raises a late_event flag), or one dated further from
 * its receipt (`receivedMs`, when given) than the clock check's tolerance — trusted because
 * the student's clock is steadily off, it shows clock_skew at once.
 */
export function judgesFlags(
  e: { type: string; at?: number; untrustedReason?: string | null },
  receivedMs?: number,
): boolean {
  const offClock =
    receivedMs !== undefined &&
    e.at !== undefined &&
    Math.abs(e.at - receivedMs) > CLOCK_SKEW_TOLERANCE_MS;
  return RULE_INPUT_EVENT_TYPES.has(e.type) || Boolean(e.untrustedReason) || offClock;
}

/**
 * Check the data of detector events against the contracts before anything of the batch
 * is stored: one bad event refuses the whole batch with 400 VALIDATION_FAILED and a
 * `details` entry per problem (`events.<i>.data.<field>`), so nothing is half-written.
 */
export function assertClientEventData(
  events: readonly { type: string; data: Record<string, unknown> }[],
): void {
  const details: { path: string; message: string }[] = [];
  events.forEach((event, i) => {
    const schema = DATA_SCHEMAS[event.type];
    if (!schema) return;
    const parsed = schema.safeParse(event.data);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      details.push({
        path: ['events', i, 'data', ...issue.path].join('.'),
        message: issue.message,
      });
    }
  });
  if (details.length > 0) {
    throw errors.validation('Detector event data does not match its contract', details);
  }
}

/**
 * What newly stored client events need of the flag rules: `always` when one of them re-judges
 * flags by itself (judgesFlags), else the snapshot numbers of the browser's `detect.snapshot`
 * reports among them. Such a report only feeds the trust-but-verify comparison with the
 * server's analysis of the same snapshot, so it changes a flag only once that analysis exists:
 * the caller re-judges when one of `reportedSnapshots` was analysed already; an analysis that
 * finishes later re-judges the session itself and sees the stored report then.
 */
export function rejudgingNeeds(
  events: readonly { type: string; at?: number; untrustedReason?: string | null; data?: unknown }[],
  receivedMs: number,
): { always: boolean; reportedSnapshots: number[] } {
  const reportedSnapshots: number[] = [];
  for (const e of events) {
    if (!judgesFlags(e, receivedMs)) continue;
    const report = e.type === 'detect.snapshot' ? DetectSnapshotData.safeParse(e.data) : null;
    // Untrusted or off-clock reports are judged at once (late_event, clock_skew).
    if (report?.success && !judgesFlags({ ...e, type: '' }, receivedMs)) {
      reportedSnapshots.push(report.data.snapshotSeq);
    } else {
      return { always: true, reportedSnapshots: [] };
    }
  }
  return { always: false, reportedSnapshots };
}
