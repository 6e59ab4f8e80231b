import {
  DEFAULT_DETECTOR_RULES,
  type DetectorName,
  type DetectorRule,
  type DetectorRules,
  type ProctoringPolicy,
  type Severity,
} from '@invigil/contracts';
import { effectiveRules } from '@invigil/detection/rules';
import {
  DETECTOR_INFO,
  DETECTOR_ORDER,
  formatShownThreshold,
  inputToThreshold,
  parseNumber,
  thresholdToInput,
} from '../exams/detectors';

/** Longest minimum duration a rule accepts, in seconds. */
export const MAX_MIN_SECONDS = 600;
/** Longest server re-check interval, in seconds. */
export const MAX_SERVER_ANALYSIS_SECONDS = 3600;

/** One detector's rule as edited: inputs hold strings; the threshold is in display units. */
export interface DetectorRuleForm {
  enabled: boolean;
  minSeconds: string;
  severity: Severity;
  /** Empty for detectors without a threshold. */
  threshold: string;
}

/** The "Detection rules" part of the exam form. */
export interface DetectionForm {
  rules: Record<DetectorName, DetectorRuleForm>;
  /** Faces allowed in view, the limit behind the "Several faces" detector. */
  maxFaces: string;
  serverAnalysisSeconds: string;
}

/** The policy fields the detection section writes. */
export type DetectionPolicy = Pick<
  ProctoringPolicy,
  'detectors' | 'maxFaces' | 'serverAnalysisSeconds' | 'gazeAwaySeconds' | 'flagTabSwitch'
>;

/** The error key of one input of a detector row, as the API names the path. */
export const ruleErrorKey = (name: DetectorName, field: 'minSeconds' | 'threshold') =>
  `policy.detectors.${name}.${field}`;

/** A rule as form values. */
export function ruleToForm(name: DetectorName, rule: DetectorRule): DetectorRuleForm {
  const info = DETECTOR_INFO[name].threshold;
  const threshold = rule.threshold ?? DEFAULT_DETECTOR_RULES[name].threshold;
  return {
    enabled: rule.enabled,
    minSeconds: String(rule.minSeconds),
    severity: rule.severity,
    threshold: info && threshold !== undefined ? thresholdToInput(info, threshold) : '',
  };
}

/** A detector's default rule as form values ("Reset to defaults"). */
export const defaultRuleForm = (name: DetectorName) =>
  ruleToForm(name, DEFAULT_DETECTOR_RULES[name]);

/** True when the row shows the detector's default rule. */
export function isDefaultRule(name: DetectorName, form: DetectorRuleForm): boolean {
  const parsed = parseRule(name, form);
  return parsed.rule !== null && sameRule(parsed.rule, DEFAULT_DETECTOR_RULES[name]);
}

/** The detection form of a policy (older exams keep their looking-away and tab settings). */
export function policyToDetectionForm(
  policy: Pick<ProctoringPolicy, keyof DetectionPolicy>,
): DetectionForm {
  // The editor shows fullscreen_exit's rule as it applies when the exam requires full screen
  // (the policy's requireFullscreen switch decides whether it applies at all).
  const rules = effectiveRules({ ...policy, requireFullscreen: true });
  return {
    rules: Object.fromEntries(
      DETECTOR_ORDER.map((name) => [name, ruleToForm(name, rules[name])]),
    ) as Record<DetectorName, DetectorRuleForm>,
    maxFaces: String(policy.maxFaces),
    serverAnalysisSeconds: String(policy.serverAnalysisSeconds),
  };
}

function sameRule(a: DetectorRule, b: DetectorRule): boolean {
  return (
    a.enabled === b.enabled &&
    a.minSeconds === b.minSeconds &&
    a.severity === b.severity &&
    a.threshold === b.threshold
  );
}

/** The message for a threshold outside its range: "Enter an angle from 5° to 90°." */
export function thresholdRangeMessage(name: DetectorName): string {
  const info = DETECTOR_INFO[name].threshold;
  if (!info) return '';
  const at = (shown: number) => formatShownThreshold(info, shown);
  return `Enter ${info.noun} from ${at(info.min)} to ${at(info.max)}.`;
}

/** Parses one row; a field that does not parse is reported and left null in `rule`. */
function parseRule(
  name: DetectorName,
  form: DetectorRuleForm,
): { rule: DetectorRule | null; errors: Partial<Record<'minSeconds' | 'threshold', string>> } {
  const errors: Partial<Record<'minSeconds' | 'threshold', string>> = {};
  const minSeconds = parseNumber(form.minSeconds);
  if (minSeconds === null || minSeconds < 0 || minSeconds > MAX_MIN_SECONDS) {
    errors.minSeconds = `Enter a number of seconds from 0 to ${MAX_MIN_SECONDS}.`;
  }
  const info = DETECTOR_INFO[name].threshold;
  let threshold: number | undefined;
  if (info) {
    const shown = parseNumber(form.threshold);
    if (shown === null || shown < info.min || shown > info.max) {
      errors.threshold = thresholdRangeMessage(name);
    } else threshold = inputToThreshold(info, form.threshold) ?? undefined;
  }
  if (errors.minSeconds || errors.threshold) return { rule: null, errors };
  const rule: DetectorRule = {
    enabled: form.enabled,
    minSeconds: minSeconds!,
    severity: form.severity,
  };
  if (threshold !== undefined) rule.threshold = threshold;
  return { rule, errors };
}

/** Either the policy fields of the detection section or field errors keyed like the API's paths. */
export type DetectionResult =
  { ok: true; policy: DetectionPolicy } | { ok: false; errors: Record<string, string> };

/**
 * Checks the detection section and converts it to policy fields. Only rules that differ from
 * the defaults are written, so untouched detectors follow improved defaults later. A detector
 * that is switched off is not checked (its inputs are disabled); unusable values of its
 * settings fall back to the defaults. The older fields are written to match the rules.
 */
export function detectionFormToPolicy(form: DetectionForm): DetectionResult {
  const errors: Record<string, string> = {};
  const detectors: DetectorRules = {};
  const effective = {} as Record<DetectorName, DetectorRule>;
  for (const name of DETECTOR_ORDER) {
    const row = form.rules[name];
    const parsed = parseRule(name, row);
    let rule = parsed.rule;
    if (!rule && row.enabled) {
      if (parsed.errors.minSeconds)
        errors[ruleErrorKey(name, 'minSeconds')] = parsed.errors.minSeconds;
      if (parsed.errors.threshold)
        errors[ruleErrorKey(name, 'threshold')] = parsed.errors.threshold;
      continue;
    }
    if (!rule) {
      const fallback = defaultRuleForm(name);
      rule = parseRule(name, {
        ...row,
        minSeconds: parsed.errors.minSeconds ? fallback.minSeconds : row.minSeconds,
        threshold: parsed.errors.threshold ? fallback.threshold : row.threshold,
      }).rule!;
    }
    effective[name] = rule;
    if (!sameRule(rule, DEFAULT_DETECTOR_RULES[name])) detectors[name] = rule;
  }

  const maxFaces = parseNumber(form.maxFaces);
  if (maxFaces === null || !Number.isInteger(maxFaces) || maxFaces < 1 || maxFaces > 10) {
    errors['policy.maxFaces'] = 'Enter a whole number from 1 to 10.';
  }
  const serverAnalysisSeconds = parseNumber(form.serverAnalysisSeconds);
  if (
    serverAnalysisSeconds === null ||
    !Number.isInteger(serverAnalysisSeconds) ||
    serverAnalysisSeconds < 0 ||
    serverAnalysisSeconds > MAX_SERVER_ANALYSIS_SECONDS
  ) {
    errors['policy.serverAnalysisSeconds'] =
      `Enter whole seconds from 0 to ${MAX_SERVER_ANALYSIS_SECONDS}.`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const headTurned = effective.head_turned.minSeconds;
  return {
    ok: true,
    policy: {
      detectors,
      maxFaces: maxFaces!,
      serverAnalysisSeconds: serverAnalysisSeconds!,
      // The older fields stay readable by anything that still uses them, within their range.
      gazeAwaySeconds: Math.min(120, Math.max(1, headTurned)),
      flagTabSwitch: effective.tab_switch.enabled,
    },
  };
}

/** A detection form with every rule back at its default (the other settings kept). */
export function resetAllRules(form: DetectionForm): DetectionForm {
  return {
    ...form,
    rules: Object.fromEntries(
      DETECTOR_ORDER.map((name) => [name, defaultRuleForm(name)]),
    ) as Record<DetectorName, DetectorRuleForm>,
  };
}
