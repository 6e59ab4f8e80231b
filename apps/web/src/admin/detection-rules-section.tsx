import { useId } from 'react';
import type { DetectorName } from '@invigil/contracts';
import { DETECTOR_GROUPS, DETECTOR_ORDER } from '../exams/detectors';
import { ConfirmButton } from '../ui/confirm-button';
import { NumberField } from '../ui/field';
import {
  MAX_SERVER_ANALYSIS_SECONDS,
  isDefaultRule,
  resetAllRules,
  type DetectionForm,
  type DetectorRuleForm,
} from './detection-rules-model';
import { DetectorRuleRow } from './detector-rule-row';
import type { QualityState } from './detector-quality-note';
import { detectionQualityApi } from '../api/detection-quality';
import { useResource } from '../ui/use-resource';

const loadQuality = (signal: AbortSignal) => detectionQualityApi.list(signal);
import './detection-rules.css';

/**
 * The "Detection rules" part of the exam form: faces allowed, how often the server re-checks
 * a snapshot, and one row per detector, in two named groups: the camera, microphone and
 * browser detectors, then the server's checks of the evidence itself. Flags only mark moments
 * for a person to review.
 */
export function DetectionRulesSection({
  value,
  errors,
  disabled,
  onChange,
}: {
  value: DetectionForm;
  errors: Record<string, string>;
  disabled: boolean;
  onChange: (next: DetectionForm) => void;
}) {
  const introId = useId();
  const quality = useResource(loadQuality);
  const qualityOf = (name: DetectorName): QualityState =>
    quality.data
      ? (quality.data.detectors.find((q) => q.detector === name) ?? null)
      : quality.error
        ? 'unavailable'
        : 'loading';
  const allDefault = DETECTOR_ORDER.every((name) => isDefaultRule(name, value.rules[name]));
  const setRule = (name: DetectorName, rule: DetectorRuleForm) =>
    onChange({ ...value, rules: { ...value.rules, [name]: rule } });

  return (
    <fieldset
      id="detection-rules"
      disabled={disabled}
      className="card detection-rules"
      aria-describedby={introId}
    >
      <legend>Detection rules</legend>
      <div className="detection-head">
        <p id={introId} className="hint">
          What is marked for a proctor to review. Flags only mark moments to look at; nothing is
          decided automatically.
        </p>
        {allDefault || disabled ? null : (
          <ConfirmButton
            label="Reset all rules to defaults"
            question="Reset every detection rule to its default?"
            confirmLabel="Reset all"
            className="button secondary small"
            onConfirm={() => onChange(resetAllRules(value))}
          />
        )}
      </div>
      <div className="grid-3">
        <NumberField
          label="Faces allowed in view"
          hint="More than this is flagged as “Several faces”."
          error={errors['policy.maxFaces']}
          inputMode="numeric"
          min={1}
          max={10}
          step={1}
          value={value.maxFaces}
          onChange={(maxFaces) => onChange({ ...value, maxFaces })}
        />
        <NumberField
          label="Server re-check interval (seconds)"
          hint="How often the server checks a webcam snapshot itself. 0: only around the browser’s own flags."
          error={errors['policy.serverAnalysisSeconds']}
          inputMode="numeric"
          min={0}
          max={MAX_SERVER_ANALYSIS_SECONDS}
          step={1}
          value={value.serverAnalysisSeconds}
          onChange={(serverAnalysisSeconds) => onChange({ ...value, serverAnalysisSeconds })}
        />
      </div>
      {quality.error && !quality.data ? (
        <p className="muted small" role="status">
          The detectors’ measured accuracy could not be loaded.{' '}
          <button type="button" className="link-button" onClick={quality.reload}>
            Retry
          </button>
        </p>
      ) : null}
      {DETECTOR_GROUPS.map((group) => (
        <div
          key={group.id}
          role="group"
          className="detector-group"
          aria-labelledby={`${introId}-${group.id}`}
          aria-describedby={`${introId}-${group.id}-intro`}
        >
          <h3 id={`${introId}-${group.id}`} className="detector-group-title">
            {group.title}
          </h3>
          <p id={`${introId}-${group.id}-intro`} className="hint">
            {group.intro}
          </p>
          <div className="detector-list">
            {group.names.map((name) => (
              <DetectorRuleRow
                key={name}
                name={name}
                value={value.rules[name]}
                errors={errors}
                quality={qualityOf(name)}
                onChange={(rule) => setRule(name, rule)}
              />
            ))}
          </div>
        </div>
      ))}
    </fieldset>
  );
}
