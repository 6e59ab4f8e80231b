import {
  LENIENT_THRESHOLD,
  type DetectorAccommodation,
  type DetectorAccommodations,
  type DetectorName,
} from '@invigil/contracts';
import type { EffectiveRules } from '@invigil/detection/rules';
import {
  DETECTOR_INFO,
  DETECTOR_ORDER,
  formatSeconds,
  formatShownThreshold,
  formatThreshold,
  inputToThreshold,
  parseNumber,
  thresholdToInput,
} from './detectors';

/** Longest minimum duration an accommodation may set, in seconds. */
export const MAX_ACCOMMODATION_SECONDS = 600;

/** What an accommodation does to one detector: nothing, relax it, or switch it off. */
export type AccommodationMode = 'exam' | 'relaxed' | 'off';

/** One detector's accommodation as edited; numbers are input strings in display units. */
export interface AccommodationRow {
  mode: AccommodationMode;
  minSeconds: string;
  threshold: string;
}

/** The accommodations editor of one student. */
export type AccommodationForm = Record<DetectorName, AccommodationRow>;

/** The error key of a row's input, or of the row itself. */
export const accommodationErrorKey = (name: DetectorName, field?: 'minSeconds' | 'threshold') =>
  field ? `${name}.${field}` : name;

/** True when an accommodation changes anything (an empty object or enabled: true does not). */
export function isEffective(change: DetectorAccommodation | undefined): boolean {
  return (
    change !== undefined &&
    (change.enabled === false || change.minSeconds !== undefined || change.threshold !== undefined)
  );
}

/** The editor's rows for a student's accommodations, prefilled with the exam's values. */
export function accommodationsToForm(
  accommodations: DetectorAccommodations | undefined,
  rules: EffectiveRules,
): AccommodationForm {
  const form = {} as AccommodationForm;
  for (const name of DETECTOR_ORDER) {
    const change = accommodations?.[name];
    const rule = rules[name];
    const info = DETECTOR_INFO[name].threshold;
    const threshold = change?.threshold ?? rule.threshold;
    form[name] = {
      mode: change?.enabled === false ? 'off' : isEffective(change) ? 'relaxed' : 'exam',
      minSeconds: String(change?.minSeconds ?? rule.minSeconds),
      threshold: info && threshold !== undefined ? thresholdToInput(info, threshold) : '',
    };
  }
  return form;
}

/**
 * The detectors the editor lists: those the exam uses, and any the student already has an
 * accommodation for (so it can be removed even after the exam switched the detector off).
 */
export function listedDetectors(
  rules: EffectiveRules,
  accommodations: DetectorAccommodations | undefined,
): DetectorName[] {
  return DETECTOR_ORDER.filter(
    (name) => rules[name].enabled || isEffective(accommodations?.[name]),
  );
}

/** Either the accommodations to save or errors keyed by accommodationErrorKey. */
export type AccommodationResult =
  { ok: true; detectors: DetectorAccommodations } | { ok: false; errors: Record<string, string> };

/**
 * Checks the editor and builds the accommodations. An accommodation may only relax the
 * exam's rule, never make it stricter: a duration at least the exam's, a threshold on the
 * lenient side of the exam's. A "relaxed" row must change something.
 */
export function formToAccommodations(
  form: AccommodationForm,
  rules: EffectiveRules,
): AccommodationResult {
  const errors: Record<string, string> = {};
  const detectors: DetectorAccommodations = {};
  for (const name of DETECTOR_ORDER) {
    const row = form[name];
    if (row.mode === 'exam') continue;
    if (row.mode === 'off') {
      detectors[name] = { enabled: false };
      continue;
    }
    const rule = rules[name];
    const change: DetectorAccommodation = {};

    const seconds = parseNumber(row.minSeconds);
    if (seconds === null || seconds < rule.minSeconds || seconds > MAX_ACCOMMODATION_SECONDS) {
      errors[accommodationErrorKey(name, 'minSeconds')] =
        `Enter seconds from ${formatSeconds(rule.minSeconds)} (the exam’s rule) to ${formatSeconds(MAX_ACCOMMODATION_SECONDS)}.`;
    } else if (seconds !== rule.minSeconds) change.minSeconds = seconds;

    const info = DETECTOR_INFO[name].threshold;
    if (info && rule.threshold !== undefined) {
      const shown = parseNumber(row.threshold);
      const examValue = info.read?.(rule.threshold) ?? rule.threshold;
      const exam = examValue * info.scale;
      const lenient = LENIENT_THRESHOLD[name] ?? 'higher';
      const [low, high] = lenient === 'higher' ? [exam, info.max] : [info.min, exam];
      if (shown === null || shown < low - 1e-9 || shown > high + 1e-9) {
        const at = (v: number) => formatShownThreshold(info, v);
        errors[accommodationErrorKey(name, 'threshold')] =
          lenient === 'higher'
            ? `Enter ${info.noun} from ${at(low)} (the exam’s rule) to ${at(high)}.`
            : `Enter ${info.noun} from ${at(low)} to ${at(high)} (the exam’s rule).`;
      } else {
        const value = inputToThreshold(info, row.threshold);
        if (value !== null && value !== examValue) change.threshold = value;
      }
    }

    const rowHasError =
      errors[accommodationErrorKey(name, 'minSeconds')] ||
      errors[accommodationErrorKey(name, 'threshold')];
    if (!rowHasError && !isEffective(change)) {
      errors[accommodationErrorKey(name)] = info
        ? 'Set a longer duration or a more lenient threshold, or choose “As the exam”.'
        : 'Set a longer duration, or choose “As the exam”.';
    }
    if (isEffective(change)) detectors[name] = change;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, detectors };
}

/** What a student's accommodations amount to, for the roster. */
export interface AccommodationSummary {
  /** Detectors switched off or relaxed. */
  count: number;
  /** "Standard rules", "1 detector relaxed", "3 detectors relaxed". */
  label: string;
  /** One line per detector: "Head turned away: off", "Speaking: after 30 s, from 70 %". */
  items: string[];
}

/** Summarises a student's accommodations. */
export function summarizeAccommodations(
  accommodations: DetectorAccommodations | undefined,
): AccommodationSummary {
  const items: string[] = [];
  for (const name of DETECTOR_ORDER) {
    const change = accommodations?.[name];
    if (!change || !isEffective(change)) continue;
    const info = DETECTOR_INFO[name];
    if (change.enabled === false) {
      items.push(`${info.label}: off`);
      continue;
    }
    const parts: string[] = [];
    if (change.minSeconds !== undefined) parts.push(`after ${formatSeconds(change.minSeconds)}`);
    if (change.threshold !== undefined && info.threshold) {
      parts.push(`at ${formatThreshold(info.threshold, change.threshold)}`);
    }
    items.push(`${info.label}: ${parts.join(', ')}`);
  }
  const count = items.length;
  return {
    count,
    label: count === 0 ? 'Standard rules' : `${count} detector${count === 1 ? '' : 's'} relaxed`,
    items,
  };
}
