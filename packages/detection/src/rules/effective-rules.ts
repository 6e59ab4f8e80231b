import {
  DEFAULT_DETECTOR_RULES,
  DetectorName,
  LENIENT_THRESHOLD,
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
  /** Whether the exam requires full screen: fullscreen_exit is judged only then. */
  requireFullscreen?: boolean;
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
  // Leaving full screen is no fault where the exam never asked for it, whatever its rule says.
  if (policy.requireFullscreen !== true) rules.fullscreen_exit.enabled = false;
  return rules;
}

/** A rule's threshold, or the given fallback when the rule has none. */
export function thresholdOf(rule: DetectorRule, fallback: number): number {
  return rule.threshold ?? fallback;
}

/**
 * The detectors whose accommodation would make the exam's rule stricter for the student:
 * switching on a detector the exam has off, a shorter minimum duration, or a threshold on
 * the strict side of the exam's. Accommodations exist to relax, so these are refused.
 */
export function stricterAccommodations(
  policy: RulesPolicy = {},
  accommodations: DetectorAccommodations = {},
): DetectorName[] {
  const exam = effectiveRules(policy);
  return DetectorName.options.filter((name) => {
    const change = accommodations[name];
    if (!change) return false;
    const rule = exam[name];
    if (change.enabled === true && !rule.enabled) return true;
    if (change.minSeconds !== undefined && change.minSeconds < rule.minSeconds) return true;
    if (change.threshold === undefined) return false;
    const lenient = LENIENT_THRESHOLD[name];
    // Without maxFaces, one face is allowed (as the server conditions read it).
    const current = rule.threshold ?? (name === 'multiple_faces' ? 1 : undefined);
    // A detector without a threshold cannot be relaxed by one.
    if (!lenient || current === undefined) return true;
    return lenient === 'higher' ? change.threshold < current : change.threshold > current;
  });
}
