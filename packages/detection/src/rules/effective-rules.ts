import {
  DEFAULT_DETECTOR_RULES,
  DetectorName,
  type DetectorAccommodations,
  type DetectorRule,
  type DetectorRules,
} from '@invigil/contracts';

/** Every detector's rule as it applies to one student in one exam. */
export type EffectiveRules = Record<DetectorName, DetectorRule>;

/**
 * The policy fields the rules read. Partial, so a stored policy from before detectors
 * existed (or a policy as typed by a client) works as it is.
 */
export interface RulesPolicy {
  /** Legacy: how long the head may be turned away (head_turned.minSeconds). */
  gazeAwaySeconds?: number;
  /** Legacy: whether leaving the exam page is flagged (tab_switch.enabled). */
  flagTabSwitch?: boolean;
  /** Legacy: most faces allowed in view (multiple_faces.threshold). */
  maxFaces?: number;
  detectors?: DetectorRules;
}

/**
 * The rules for one student: the defaults, then the policy's older single-purpose fields,
 * then the policy's per-detector rules, then the student's accommodations — each layer
 * overriding only what it names. Accommodations never leak to other students because they
 * are passed per student.
 */
export function effectiveRules(
  policy: RulesPolicy = {},
  accommodations: DetectorAccommodations = {},
): EffectiveRules {
  const rules = Object.fromEntries(
    DetectorName.options.map((name) => [name, { ...DEFAULT_DETECTOR_RULES[name] }]),
  ) as EffectiveRules;
  if (policy.gazeAwaySeconds !== undefined) rules.head_turned.minSeconds = policy.gazeAwaySeconds;
  if (policy.flagTabSwitch !== undefined) rules.tab_switch.enabled = policy.flagTabSwitch;
  if (policy.maxFaces !== undefined) rules.multiple_faces.threshold = policy.maxFaces;
  for (const name of DetectorName.options) {
    const fromPolicy = policy.detectors?.[name];
    if (fromPolicy) rules[name] = { ...rules[name], ...fromPolicy };
    const change = accommodations[name];
    if (!change) continue;
    if (change.enabled !== undefined) rules[name].enabled = change.enabled;
    if (change.minSeconds !== undefined) rules[name].minSeconds = change.minSeconds;
    if (change.threshold !== undefined) rules[name].threshold = change.threshold;
  }
  return rules;
}

/** A rule's threshold, or the given fallback when the rule has none. */
export function thresholdOf(rule: DetectorRule, fallback: number): number {
  return rule.threshold ?? fallback;
}
