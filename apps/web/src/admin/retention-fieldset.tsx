import { useCallback } from 'react';
import type { RetentionRules } from '@invigil/contracts';
import { retentionApi } from '../api/retention-api';
import { Checkbox, NumberField } from '../ui/field';
import { useResource } from '../ui/use-resource';
import {
  describeDays,
  MAX_RETENTION_DAYS,
  RETENTION_FIELDS,
  rulesToForm,
  type ExamRetentionForm,
} from './retention-model';
import './retention.css';

/** Shared by every view of the institution's defaults, so a save shows everywhere. */
export const RETENTION_DEFAULTS_KEY = ['retention-defaults'] as const;

/** The institution's defaults in words, one line per period. */
export function RetentionSummary({ rules }: { rules: RetentionRules }) {
  return (
    <ul className="retention-list small">
      {RETENTION_FIELDS.map(([key, label, after]) => (
        <li key={key}>
          {label}: {describeDays(rules[key], after)}
        </li>
      ))}
    </ul>
  );
}

/**
 * The exam form's "Data retention" group: the institution's defaults, or periods of the
 * exam's own (empty keeps without limit). Field errors are keyed `retention.<field>`.
 */
export function RetentionFieldset({
  value,
  errors,
  disabled,
  onChange,
}: {
  value: ExamRetentionForm;
  errors: Record<string, string>;
  disabled: boolean;
  onChange: (value: ExamRetentionForm) => void;
}) {
  const load = useCallback((signal: AbortSignal) => retentionApi.defaults(signal), []);
  const defaults = useResource(load, { key: RETENTION_DEFAULTS_KEY });

  const toggle = (custom: boolean) =>
    // Own periods start from the institution's, which the admin then shortens or lengthens.
    onChange({
      custom,
      days: custom && !value.custom && defaults.data ? rulesToForm(defaults.data) : value.days,
    });

  return (
    <fieldset
      id="exam-retention"
      disabled={disabled}
      className="card"
      aria-describedby="retention-hint"
    >
      <legend>Data retention</legend>
      <p className="hint" id="retention-hint">
        Recordings, snapshots and identity evidence are deleted when their time runs out, unless a
        legal hold keeps them or a review is still waiting for a decision. Verdicts, flag decisions,
        answers, scores and the audit trail are always kept.
      </p>
      <Checkbox
        label="Use this exam’s own retention periods"
        checked={value.custom}
        onChange={toggle}
      />
      {value.custom ? (
        <div className="grid-3">
          {RETENTION_FIELDS.map(([key, label, after]) => (
            <NumberField
              key={key}
              label={`${label} (${after})`}
              hint="Empty: keep without limit."
              error={errors[`retention.${key}`]}
              inputMode="numeric"
              min={1}
              max={MAX_RETENTION_DAYS}
              step={1}
              value={value.days[key]}
              onChange={(days) => onChange({ ...value, days: { ...value.days, [key]: days } })}
            />
          ))}
        </div>
      ) : (
        <div className="retention-defaults">
          <p className="small">The institution’s defaults apply:</p>
          {defaults.data ? (
            <RetentionSummary rules={defaults.data} />
          ) : (
            <p className="small muted">{defaults.error ? 'Not available.' : 'Loading…'}</p>
          )}
        </div>
      )}
    </fieldset>
  );
}
