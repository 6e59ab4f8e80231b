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
  if (!rule.enabled) return 'Off for this exam.';
  const { threshold: info, duration } = DETECTOR_INFO[name];
  if (duration === 'finding') return 'Exam rule: flag each finding.';
  if (duration === 'absence' && rule.minSeconds === 0) {
    return 'Exam rule: flag as soon as the server finds it missing.';
  }
  const parts = [
    duration === 'absence'
      ? `when missing for ${formatSeconds(rule.minSeconds)}`
      : `after ${formatSeconds(rule.minSeconds)}`,
  ];
  if (info && rule.threshold !== undefined)
    parts.push(`at ${formatThreshold(info, rule.threshold)}`);
  return `Exam rule: flag ${parts.join(', ')}.`;
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
  // A single finding has no duration or threshold to relax: only as the exam, or off.
  const modes = MODES.filter(
    ([mode]) => mode !== 'relaxed' || info.duration !== 'finding' || value.mode === 'relaxed',
  );
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
        {modes.map(([mode, label]) => (
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
            label={info.duration === 'absence' ? 'Missing for (s)' : 'Flag after (s)'}
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
