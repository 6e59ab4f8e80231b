import type { z } from 'zod';
import { DetectSnapshotData, DetectStateData } from '@invigil/contracts';
import { errors } from '../errors.js';

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
]);

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
