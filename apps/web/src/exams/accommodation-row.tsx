import { useId } from 'react';
import type { DetectorName, DetectorRule } from '@invigil/contracts';
import { Field } from '../ui/field';
import {
  MAX_ACCOMMODATION_SECONDS,
  accommodationErrorKey,
  type AccommodationMode,
  type AccommodationRow,
} from './accommodations-model';
import { DETECTOR_INFO, formatSeconds, formatThreshold } from './detectors';

const MODES: [AccommodationMode, string][] = [
  ['exam', 'As the exam'],
  ['relaxed', 'Relaxed'],
  ['off', 'Off'],
];

/** "after 5 s, at 30°" (the exam's rule, for comparison). */
function describeRule(name: DetectorName, rule: DetectorRule): string {
  const info = DETECTOR_INFO[name].threshold;
  const parts = [`after ${formatSeconds(rule.minSeconds)}`];
  if (info && rule.threshold !== undefined)
    parts.push(`at ${formatThreshold(info, rule.threshold)}`);
  return rule.enabled ? `Exam rule: flag ${parts.join(', ')}.` : 'Off for this exam.';
}

/**
 * One detector in a student's accommodations: as the exam, relaxed (longer duration, more
 * lenient threshold) or off. A group named after the detector; the exam's rule is its
 * description.
 */
export function AccommodationRowEditor({
  name,
  rule,
  value,
  errors,
  disabled,
  onChange,
}: {
  name: DetectorName;
  rule: DetectorRule;
  value: AccommodationRow;
  errors: Record<string, string>;
  disabled: boolean;
  onChange: (next: AccommodationRow) => void;
}) {
  const id = useId();
  const info = DETECTOR_INFO[name];
  const threshold = info.threshold;
  const rowError = errors[accommodationErrorKey(name)];
  const rowErrorId = `${id}-error`;
  const set = (patch: Partial<AccommodationRow>) => onChange({ ...value, ...patch });
  const withRowError = (describedBy: string | undefined) =>
    [describedBy, rowError ? rowErrorId : null].filter(Boolean).join(' ') || undefined;

  return (
    <fieldset
      className={`accommodation-row${value.mode === 'exam' ? '' : ' accommodation-changed'}`}
      aria-describedby={`${id}-rule`}
      disabled={disabled}
    >
      <legend>{info.label}</legend>
      <p id={`${id}-rule`} className="hint">
        {describeRule(name, rule)}
      </p>
      <div className="accommodation-modes">
        {MODES.map(([mode, label]) => (
          <label key={mode} className="accommodation-mode">
            <input
              type="radio"
              name={`${id}-mode`}
              value={mode}
              checked={value.mode === mode}
              onChange={() => set({ mode })}
            />
            {label}
          </label>
        ))}
      </div>
      {value.mode === 'relaxed' ? (
        <div className="accommodation-values">
          <Field
            label="Flag after (s)"
            className="accommodation-field"
            error={errors[accommodationErrorKey(name, 'minSeconds')]}
          >
            {(c) => (
              <input
                {...c}
                aria-describedby={withRowError(c['aria-describedby'])}
                type="number"
                inputMode="decimal"
                min={rule.minSeconds}
                max={MAX_ACCOMMODATION_SECONDS}
                step="any"
                value={value.minSeconds}
                onChange={(e) => set({ minSeconds: e.target.value })}
              />
            )}
          </Field>
          {threshold ? (
            <Field
              label={`${threshold.label} (${threshold.unit})`}
              className="accommodation-field"
              hint={threshold.hint}
              error={errors[accommodationErrorKey(name, 'threshold')]}
            >
              {(c) => (
                <input
                  {...c}
                  aria-describedby={withRowError(c['aria-describedby'])}
                  type="number"
                  inputMode="decimal"
                  step="any"
                  value={value.threshold}
                  onChange={(e) => set({ threshold: e.target.value })}
                />
              )}
            </Field>
          ) : null}
        </div>
      ) : null}
      {rowError ? (
        <p id={rowErrorId} className="field-error">
          {rowError}
        </p>
      ) : null}
    </fieldset>
  );
}
