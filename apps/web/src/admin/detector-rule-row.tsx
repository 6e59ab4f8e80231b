import { useId } from 'react';
import { Severity, type DetectorName } from '@invigil/contracts';
import {
  DETECTOR_INFO,
  SEVERITY_LABEL,
  formatShownThreshold,
  isEvidenceCheck,
} from '../exams/detectors';
import { Field, NumberField } from '../ui/field';
import { DetectorQualityNote, type QualityState } from './detector-quality-note';
import {
  MAX_MIN_SECONDS,
  defaultRuleForm,
  isDefaultRule,
  ruleErrorKey,
  type DetectorRuleForm,
} from './detection-rules-model';

/**
 * One detector in the exam's detection rules: on/off, how long before a flag (for the
 * server's evidence checks: how long evidence must be missing, or nothing for single
 * findings), severity and, where the detector has one, its threshold. A group named after
 * the detector, so every input is announced with it; inputs of a switched-off detector are
 * disabled.
 */
export function DetectorRuleRow({
  name,
  value,
  errors,
  quality = 'loading',
  onChange,
}: {
  name: DetectorName;
  value: DetectorRuleForm;
  errors: Record<string, string>;
  /** The detector's measured quality; evidence checks have none to show. */
  quality?: QualityState;
  onChange: (next: DetectorRuleForm) => void;
}) {
  const id = useId();
  const info = DETECTOR_INFO[name];
  const threshold = info.threshold;
  const set = (patch: Partial<DetectorRuleForm>) => onChange({ ...value, ...patch });
  const off = !value.enabled;

  return (
    <fieldset
      className={`detector-rule${off ? ' detector-off' : ''}`}
      aria-describedby={`${id}-about`}
    >
      {/* The legend names the group for screen readers; the visible name sits in the grid. */}
      <legend className="sr-only">{info.label}</legend>
      <div className="detector-about">
        <span className="detector-name" aria-hidden="true">
          {info.label}
        </span>
        <span id={`${id}-about`} className="hint">
          {info.explanation}
        </span>
        {isEvidenceCheck(name) ? null : <DetectorQualityNote quality={quality} />}
      </div>
      <div className="detector-switch">
        <input
          id={`${id}-on`}
          type="checkbox"
          role="switch"
          checked={value.enabled}
          aria-checked={value.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
        />
        {/* A switch's name must not change with its state: the state is shown, "Detect" is read. */}
        <label htmlFor={`${id}-on`}>
          <span className="sr-only">Detect</span>
          <span aria-hidden="true">{value.enabled ? 'On' : 'Off'}</span>
        </label>
      </div>
      {info.duration === 'finding' ? (
        <p className="detector-cell muted small">Flagged when found</p>
      ) : (
        <NumberField
          label={info.duration === 'absence' ? 'Missing for (s)' : 'Flag after (s)'}
          className="detector-cell"
          error={errors[ruleErrorKey(name, 'minSeconds')]}
          inputMode="decimal"
          min={0}
          max={MAX_MIN_SECONDS}
          step="any"
          disabled={off}
          value={value.minSeconds}
          onChange={(minSeconds) => set({ minSeconds })}
        />
      )}
      <Field label="Severity" className="detector-cell">
        {(c) => (
          <select
            {...c}
            disabled={off}
            value={value.severity}
            onChange={(e) => set({ severity: e.target.value as Severity })}
          >
            {Severity.options.map((s) => (
              <option key={s} value={s}>
                {SEVERITY_LABEL[s]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {threshold ? (
        <NumberField
          label={`${threshold.label} (${threshold.unit})`}
          hint={`${formatShownThreshold(threshold, threshold.min)} to ${formatShownThreshold(threshold, threshold.max)}. ${threshold.hint}`}
          className="detector-cell detector-threshold"
          error={errors[ruleErrorKey(name, 'threshold')]}
          inputMode="decimal"
          min={threshold.min}
          max={threshold.max}
          step="any"
          disabled={off}
          value={value.threshold}
          onChange={(input) => set({ threshold: input })}
        />
      ) : isEvidenceCheck(name) ? (
        // The server's evidence checks have no threshold to tune: nothing to say.
        <span className="detector-cell detector-threshold" />
      ) : (
        <p className="detector-cell detector-threshold muted small">No threshold</p>
      )}
      <div className="detector-reset">
        {isDefaultRule(name, value) ? (
          <span className="muted small">Default</span>
        ) : (
          <button
            type="button"
            className="link-button"
            aria-label={`Reset ${info.label} to its default`}
            onClick={() => onChange(defaultRuleForm(name))}
          >
            Reset
          </button>
        )}
      </div>
    </fieldset>
  );
}
