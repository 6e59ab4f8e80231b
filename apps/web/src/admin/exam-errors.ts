import { describeError, fieldIssues } from '../api/errors';
import { DETECTOR_ORDER } from '../exams/detectors';
import { ruleErrorKey } from './detection-rules-model';

const FIELD_KEYS = new Set([
  'title',
  'description',
  'status',
  'externalUrl',
  'opensAt',
  'closesAt',
  'registrationDeadline',
  'durationMinutes',
  'capacity',
  'policy.snapshotIntervalSeconds',
  'policy.maxFaces',
  'policy.serverAnalysisSeconds',
  'policy.webcamBitrateKbps',
  'policy.screenBitrateKbps',
  'policy.screenFrameRate',
  'policy.segmentSeconds',
  'policy.allowedUrls',
  ...DETECTOR_ORDER.flatMap((name) => [
    ruleErrorKey(name, 'minSeconds'),
    ruleErrorKey(name, 'threshold'),
  ]),
]);

/** Older policy fields the form writes from the detection rules, shown on the rule's input. */
const LEGACY_KEYS: Record<string, string> = {
  'policy.gazeAwaySeconds': ruleErrorKey('head_turned', 'minSeconds'),
};

/**
 * Splits an API error on the exam form into errors shown beside fields and messages for the
 * summary (problems without a field of their own).
 */
export function splitExamErrors(error: unknown): {
  fields: Record<string, string>;
  summary: string[];
} {
  const fields: Record<string, string> = {};
  const summary: string[] = [];
  for (const issue of fieldIssues(error)) {
    const key = issue.path.startsWith('policy.allowedUrls')
      ? 'policy.allowedUrls'
      : (LEGACY_KEYS[issue.path] ?? issue.path);
    if (FIELD_KEYS.has(key)) fields[key] ??= issue.message;
    else summary.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
  }
  if (Object.keys(fields).length === 0 && summary.length === 0) summary.push(describeError(error));
  return { fields, summary };
}
