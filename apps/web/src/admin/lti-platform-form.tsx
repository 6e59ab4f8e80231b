import { useRef, useState, type FormEvent } from 'react';
import {
  LtiAdminRole,
  LtiInstructorRole,
  type LtiPlatform,
  type LtiPlatformInput,
} from '@invigil/contracts';
import { ltiApi } from '../api/lti-api';
import { describeError } from '../api/errors';
import { Field } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { LtiPresetFill } from './lti-preset-fill';
import {
  ADMIN_ROLE_LABELS,
  INSTRUCTOR_ROLE_LABELS,
  emptyPlatformForm,
  formToPlatformInput,
  platformSaveErrors,
  platformToForm,
  type LtiPlatformField,
  type LtiPlatformForm,
} from './lti-platform-model';

type Errors = Partial<Record<LtiPlatformField, string>>;

const URL_FIELDS = [
  [
    'authLoginUrl',
    'Authentication request URL',
    'Where Invigil sends the browser to sign in (Moodle: “Authentication request URL”; Canvas: /api/lti/authorize_redirect; Brightspace: “OpenID Connect Authentication Endpoint”; Blackboard: “OIDC auth request endpoint”).',
  ],
  [
    'authTokenUrl',
    'Access token URL',
    'Where Invigil asks for tokens to read the roster and send scores (Brightspace: “OAuth2 Access Token URL”; Blackboard: “Auth token endpoint”).',
  ],
  [
    'jwksUrl',
    'Public keyset URL',
    'The platform’s JWKS: Invigil checks every launch against these keys.',
  ],
] as const;

/**
 * Create or edit one platform registration. Problems are checked with the API's contract
 * before sending and shown by field (first one focused), server problems likewise.
 */
export function LtiPlatformFormView({
  editing,
  onSaved,
  onCancel,
  onStart,
}: {
  /** The registration being edited, or null for a new one. */
  editing: LtiPlatform | null;
  onSaved: (platform: LtiPlatform, created: boolean) => void;
  onCancel?: () => void;
  /** Called when a save starts (the page clears its older message). */
  onStart?: () => void;
}) {
  const [form, setForm] = useState<LtiPlatformForm>(() =>
    editing ? platformToForm(editing) : emptyPlatformForm(),
  );
  const [errors, setErrors] = useState<Errors>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const set = <K extends LtiPlatformField>(key: K, value: LtiPlatformForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  // Keyboard and screen-reader users land on the first field to fix.
  const focusFirstProblem = () => {
    requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
    );
  };

  const save = async (input: LtiPlatformInput) => {
    setSaving(true);
    setFeedback(null);
    try {
      const saved = editing
        ? await ltiApi.updatePlatform(editing.id, input)
        : await ltiApi.createPlatform(input);
      setErrors({});
      if (!editing) setForm(emptyPlatformForm());
      onSaved(saved, !editing);
    } catch (error) {
      const fromServer = platformSaveErrors(error);
      setErrors(fromServer);
      setFeedback({
        tone: 'error',
        text: `${editing ? 'Not saved' : 'Not registered'}: ${describeError(error)}`,
      });
      focusFirstProblem();
    } finally {
      setSaving(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onStart?.();
    const result = formToPlatformInput(form);
    if (!result.ok) {
      setErrors(result.errors);
      const n = Object.keys(result.errors).length;
      setFeedback({
        tone: 'error',
        text: `Please correct ${n} field${n === 1 ? '' : 's'} marked below.`,
      });
      focusFirstProblem();
      return;
    }
    void save(result.input);
  };

  const text = (
    key: Exclude<LtiPlatformField, 'instructorRole' | 'adminRole' | 'deploymentIds'>,
    label: string,
    hint: string,
    type: 'text' | 'url' = 'text',
  ) => (
    <Field label={label} hint={hint} error={errors[key]}>
      {(c) => (
        <input
          {...c}
          type={type}
          inputMode={type === 'url' ? 'url' : undefined}
          autoComplete="off"
          spellCheck={false}
          maxLength={2000}
          value={form[key]}
          onChange={(e) => set(key, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form
      ref={formRef}
      className="form lti-platform-form"
      aria-label={editing ? `Edit ${editing.name}` : 'New platform registration'}
      onSubmit={submit}
      noValidate
    >
      <StatusMessage feedback={feedback} />
      {editing ? null : (
        <LtiPresetFill
          clientId={form.clientId}
          onFill={(fields) => setForm((f) => ({ ...f, ...fields }))}
        />
      )}
      <fieldset className="plain" disabled={saving}>
        <legend className="sr-only">The platform</legend>
        {text('name', 'Name', 'How admins and instructors see this LMS, e.g. “University Moodle”.')}
        <div className="grid-2">
          {text(
            'issuer',
            'Platform ID (issuer)',
            'The “iss” of its launches: Moodle shows “Platform ID”; Canvas uses https://canvas.instructure.com; Blackboard https://blackboard.com.',
          )}
          {text(
            'clientId',
            'Client ID',
            'Given by the LMS when Invigil was added (Canvas: the developer key’s ID; Blackboard: the application ID).',
          )}
        </div>
        {URL_FIELDS.map(([key, label, hint]) => (
          <div key={key}>{text(key, label, hint, 'url')}</div>
        ))}
        {text(
          'tokenAudience',
          'Token audience (optional)',
          'Only if the LMS names one (Brightspace: “OAuth2 Audience”); otherwise the access token URL is used.',
        )}
        <Field
          label="Deployment IDs"
          hint="One per line. Each place the tool is deployed in the LMS has its own; launches from other deployments are refused."
          error={errors.deploymentIds}
        >
          {(c) => (
            <textarea
              {...c}
              rows={3}
              spellCheck={false}
              className="mono"
              value={form.deploymentIds}
              onChange={(e) => set('deploymentIds', e.target.value)}
            />
          )}
        </Field>
        <div className="grid-2">
          <Field
            label="LMS Instructors and Teaching Assistants become"
            hint="Inside Invigil, on the exams they launch."
            error={errors.instructorRole}
          >
            {(c) => (
              <select
                {...c}
                value={form.instructorRole}
                onChange={(e) => set('instructorRole', e.target.value as LtiInstructorRole)}
              >
                {LtiInstructorRole.options.map((role) => (
                  <option key={role} value={role}>
                    {INSTRUCTOR_ROLE_LABELS[role]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="LMS Administrators become"
            hint="An account is never lowered by a launch."
            error={errors.adminRole}
          >
            {(c) => (
              <select
                {...c}
                value={form.adminRole}
                onChange={(e) => set('adminRole', e.target.value as LtiAdminRole)}
              >
                {LtiAdminRole.options.map((role) => (
                  <option key={role} value={role}>
                    {ADMIN_ROLE_LABELS[role]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Saving…' : editing ? 'Save changes' : 'Register platform'}
        </button>
        {onCancel ? (
          <button type="button" className="button secondary" onClick={onCancel} disabled={saving}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
