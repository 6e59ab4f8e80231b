import { useCallback, useState, type FormEvent } from 'react';
import type { RetentionRules, RetentionRunReport } from '@invigil/contracts';
import { describeError, fieldIssues } from '../api/errors';
import { retentionApi } from '../api/retention-api';
import { NumberField } from '../ui/field';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { RETENTION_DEFAULTS_KEY } from './retention-fieldset';
import {
  MAX_RETENTION_DAYS,
  RETENTION_FIELDS,
  formToRules,
  rulesToForm,
  type RetentionForm,
} from './retention-model';
import './retention.css';

/** What a sweep did, in one sentence. */
export function runReportText(report: RetentionRunReport): string {
  const sessions = Object.values(report.sessions).reduce((a, b) => a + b, 0);
  const kept = report.skipped.legalHold + report.skipped.undecidedReview;
  const mib = (report.deleted.bytes / 1_048_576).toFixed(1);
  return (
    `Retention ran: evidence deleted from ${sessions} session${sessions === 1 ? '' : 's'} ` +
    `(${mib} MiB)` +
    (kept > 0
      ? `; ${report.skipped.legalHold} kept by a legal hold, ${report.skipped.undecidedReview} awaiting a review decision.`
      : '.')
  );
}

function DefaultsEditor({
  initial,
  onSaved,
}: {
  initial: RetentionRules;
  onSaved: (rules: RetentionRules) => void;
}) {
  const [form, setForm] = useState<RetentionForm>(() => rulesToForm(initial));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [pending, setPending] = useState<'save' | 'run' | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFeedback(null);
    const result = formToRules(form);
    if (!result.ok) {
      setErrors(result.errors);
      setFeedback({ tone: 'error', text: 'Not saved. Correct the periods marked above.' });
      return;
    }
    setErrors({});
    setPending('save');
    try {
      const saved = await retentionApi.saveDefaults(result.rules);
      onSaved(saved);
      setFeedback({ tone: 'success', text: 'Retention defaults saved.' });
    } catch (err) {
      const fields = Object.fromEntries(fieldIssues(err).map((i) => [i.path, i.message]));
      setErrors(fields);
      setFeedback({ tone: 'error', text: `Not saved: ${describeError(err)}` });
    } finally {
      setPending(null);
    }
  };

  const runNow = async () => {
    setPending('run');
    setFeedback(null);
    try {
      setFeedback({ tone: 'success', text: runReportText(await retentionApi.runNow()) });
    } catch (err) {
      setFeedback({ tone: 'error', text: `Retention did not run: ${describeError(err)}` });
    } finally {
      setPending(null);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Data retention defaults">
      <p className="hint">
        For exams without their own periods. Leave a period empty to keep without limit. Legal holds
        and reviews still waiting for a decision always keep evidence; verdicts, flag decisions,
        answers, scores and the audit trail are never deleted. The deletion runs every hour.
      </p>
      <div className="grid-3">
        {RETENTION_FIELDS.map(([key, label, after]) => (
          <NumberField
            key={key}
            label={`${label} (${after})`}
            error={errors[key]}
            inputMode="numeric"
            min={1}
            max={MAX_RETENTION_DAYS}
            step={1}
            value={form[key]}
            onChange={(value) => setForm((prev) => ({ ...prev, [key]: value }))}
          />
        ))}
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending !== null}>
          {pending === 'save' ? 'Saving…' : 'Save retention defaults'}
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={pending !== null}
          onClick={() => void runNow()}
        >
          {pending === 'run' ? 'Running…' : 'Run retention now'}
        </button>
      </div>
      <StatusMessage feedback={feedback} />
    </form>
  );
}

/** Data retention defaults of the institution (GET/PUT /api/settings/retention). */
export function RetentionSettingsForm() {
  const load = useCallback((signal: AbortSignal) => retentionApi.defaults(signal), []);
  const settings = useResource(load, { key: RETENTION_DEFAULTS_KEY });
  return (
    <ResourceView resource={settings}>
      {(data) => (
        <DefaultsEditor initial={data} onSaved={(saved) => settings.mutate(() => saved)} />
      )}
    </ResourceView>
  );
}
