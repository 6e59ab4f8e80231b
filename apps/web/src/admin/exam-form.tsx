import { useState, type FormEvent } from 'react';
import { LtiViolationGrade, type CreateExamBody } from '@invigil/contracts';
import { localTimeZone } from '../lib/datetime';
import { Checkbox, DateTimeField, Field, NumberField } from '../ui/field';
import { DetectionRulesSection } from './detection-rules-section';
import { VIOLATION_GRADE_LABELS } from './lti-exam-model';
import { RetentionFieldset } from './retention-fieldset';
import {
  POLICY_NUMBERS,
  POLICY_SWITCHES,
  RESTRICTION_SWITCHES,
  formToBody,
  type ExamFormState,
} from './exam-form-model';

/** Props of ExamForm. */
export interface ExamFormProps {
  initial: ExamFormState;
  submitLabel: string;
  pending: boolean;
  /** Read-only (archived exams, or no permission). */
  readOnly?: boolean;
  /** Field errors from the server, keyed by dotted path. */
  serverErrors: Record<string, string>;
  onSubmit: (body: Required<CreateExamBody>) => void;
  /** Called with client-side errors so the page can announce them. */
  onInvalid: (errors: Record<string, string>) => void;
}

/** The exam editor: details, schedule (local time), proctoring policy, detection rules and retention. */
export function ExamForm({
  initial,
  submitLabel,
  pending,
  readOnly = false,
  serverErrors,
  onSubmit,
  onInvalid,
}: ExamFormProps) {
  const [form, setForm] = useState<ExamFormState>(initial);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const errors = { ...serverErrors, ...clientErrors };
  const set = <K extends keyof ExamFormState>(key: K, value: ExamFormState[K]) =>
    setForm((prev) => ({ ...prev, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = formToBody(form);
    if (!result.ok) {
      setClientErrors(result.errors);
      onInvalid(result.errors);
      return;
    }
    setClientErrors({});
    onSubmit(result.body);
  };

  const timeHint = `Your local time (${localTimeZone()}).`;

  return (
    <form className="form exam-form" onSubmit={submit} aria-label="Exam" noValidate>
      <fieldset id="exam-details" disabled={readOnly || pending} className="card">
        <legend>Details</legend>
        <Field label="Title" error={errors.title}>
          {(c) => (
            <input
              {...c}
              required
              maxLength={200}
              value={form.title}
              onChange={(e) => set('title', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Description"
          hint="Shown to students in the catalogue."
          error={errors.description}
        >
          {(c) => (
            <textarea
              {...c}
              rows={4}
              maxLength={10_000}
              value={form.description}
              onChange={(e) => set('description', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Status"
          hint="Students only see published exams. Publishing needs questions or an external exam page."
          error={errors.status}
        >
          {(c) => (
            <select
              {...c}
              value={form.status}
              onChange={(e) => set('status', e.target.value as ExamFormState['status'])}
            >
              <option value="draft">Draft</option>
              <option value="published">Published</option>
            </select>
          )}
        </Field>
      </fieldset>

      <fieldset id="exam-schedule" disabled={readOnly || pending} className="card">
        <legend>Schedule</legend>
        <div className="grid-3">
          <DateTimeField
            label="Opens at"
            hint={timeHint}
            error={errors.opensAt}
            required
            value={form.opensAt}
            onChange={(v) => set('opensAt', v)}
          />
          <DateTimeField
            label="Closes at"
            hint={timeHint}
            error={errors.closesAt}
            required
            value={form.closesAt}
            onChange={(v) => set('closesAt', v)}
          />
          <DateTimeField
            label="Registration deadline"
            hint={timeHint}
            error={errors.registrationDeadline}
            required
            value={form.registrationDeadline}
            onChange={(v) => set('registrationDeadline', v)}
          />
        </div>
        <div className="grid-3">
          <NumberField
            label="Duration (minutes)"
            hint="Must fit in the window."
            error={errors.durationMinutes}
            inputMode="numeric"
            min={1}
            max={1440}
            required
            value={form.durationMinutes}
            onChange={(value) => set('durationMinutes', value)}
          />
          <NumberField
            label="Capacity (seats)"
            error={errors.capacity}
            inputMode="numeric"
            min={1}
            max={100000}
            required
            value={form.capacity}
            onChange={(value) => set('capacity', value)}
          />
        </div>
      </fieldset>

      <fieldset id="exam-policy" disabled={readOnly || pending} className="card">
        <legend>Proctoring policy</legend>
        <div className="checkbox-grid">
          {POLICY_SWITCHES.map(([key, label]) => (
            <Checkbox
              key={key}
              label={label}
              checked={form.switches[key]}
              onChange={(checked) => set('switches', { ...form.switches, [key]: checked })}
            />
          ))}
        </div>
        <fieldset className="plain">
          <legend className="subheading">Exam-page restrictions</legend>
          <p className="hint">Students are told about these in the consent notice.</p>
          <div className="checkbox-grid">
            {RESTRICTION_SWITCHES.map(([key, label]) => (
              <Checkbox
                key={key}
                label={label}
                checked={form.switches[key]}
                onChange={(checked) => set('switches', { ...form.switches, [key]: checked })}
              />
            ))}
          </div>
        </fieldset>
        <div className="grid-3">
          {POLICY_NUMBERS.map(([key, label, min, max, step]) => (
            <NumberField
              key={key}
              label={label}
              error={errors[`policy.${key}`]}
              min={min}
              max={max}
              step={step}
              required
              value={form.numbers[key]}
              onChange={(value) => set('numbers', { ...form.numbers, [key]: value })}
            />
          ))}
        </div>
        <Field
          label="External exam page"
          hint="Optional: an exam hosted elsewhere (https://…), opened beside the proctoring bar."
          error={errors.externalUrl}
        >
          {(c) => (
            <input
              {...c}
              type="url"
              value={form.externalUrl}
              onChange={(e) => set('externalUrl', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Allowed URLs"
          hint="Websites students may open during the exam, one per line (https://…)."
          error={errors['policy.allowedUrls'] ?? errors.policy}
        >
          {(c) => (
            <textarea
              {...c}
              rows={3}
              value={form.allowedUrls}
              onChange={(e) => set('allowedUrls', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="What the gradebook receives after a violation verdict"
          hint="For students who reach this exam from a course in an LMS (LTI). Other verdicts send the score."
          error={errors['policy.ltiViolationGrade']}
        >
          {(c) => (
            <select
              {...c}
              value={form.ltiViolationGrade}
              onChange={(e) => set('ltiViolationGrade', e.target.value as LtiViolationGrade)}
            >
              {LtiViolationGrade.options.map((value) => (
                <option key={value} value={value}>
                  {VIOLATION_GRADE_LABELS[value]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </fieldset>

      <DetectionRulesSection
        value={form.detection}
        errors={errors}
        disabled={readOnly || pending}
        onChange={(detection) => set('detection', detection)}
      />

      <RetentionFieldset
        value={form.retention}
        errors={errors}
        disabled={readOnly || pending}
        onChange={(retention) => set('retention', retention)}
      />

      {readOnly ? null : (
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={pending}>
            {pending ? 'Saving…' : submitLabel}
          </button>
        </div>
      )}
    </form>
  );
}
