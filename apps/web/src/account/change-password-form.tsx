import { useState, type FormEvent } from 'react';
import { PASSWORD_MIN_LENGTH } from '@invigil/contracts';
import { newPasswordProblems } from '../auth/password-reset-model';
import { authApi } from '../api/endpoints';
import { describeError, fieldErrors } from '../api/errors';
import { PASSWORD_HINT } from '../auth/signup-page';
import { Field } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';

const EMPTY = { currentPassword: '', newPassword: '', confirm: '' };

/** Changes the signed-in user's password (POST /api/auth/password); `onChanged` after success. */
export function ChangePasswordForm({ onChanged }: { onChanged?: () => void } = {}) {
  const [form, setForm] = useState(EMPTY);
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const set = (key: keyof typeof EMPTY, value: string) =>
    setForm((prev) => ({ ...prev, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!form.currentPassword) local.currentPassword = 'Enter your current password.';
    // The same rules as the reset page; this form names its fields newPassword and confirm.
    const { password, repeat } = newPasswordProblems(form.newPassword, form.confirm);
    if (password) local.newPassword = password;
    if (repeat) local.confirm = repeat;
    if (Object.keys(local).length > 0) {
      setErrors(local);
      setFeedback({ tone: 'error', text: 'Please correct the fields marked below.' });
      return;
    }
    setPending(true);
    setErrors({});
    setFeedback(null);
    try {
      await authApi.changePassword({
        currentPassword: form.currentPassword,
        newPassword: form.newPassword,
      });
      setForm(EMPTY);
      setFeedback({ tone: 'success', text: 'Your password has been changed.' });
      onChanged?.();
    } catch (error) {
      const fields = fieldErrors(error);
      const code = (error as { code?: string }).code;
      if (code === 'WEAK_PASSWORD') fields.newPassword = describeError(error);
      if (code === 'INVALID_CREDENTIALS')
        fields.currentPassword = 'That is not your current password.';
      setErrors(fields);
      setFeedback({
        tone: 'error',
        text:
          code === 'INVALID_CREDENTIALS'
            ? 'Your current password is not correct.'
            : `Password not changed: ${describeError(error)}`,
      });
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      className="form narrow-form"
      onSubmit={(e) => void submit(e)}
      aria-label="Change password"
    >
      <StatusMessage feedback={feedback} />
      <Field label="Current password" error={errors.currentPassword}>
        {(c) => (
          <input
            {...c}
            type="password"
            autoComplete="current-password"
            required
            value={form.currentPassword}
            onChange={(e) => set('currentPassword', e.target.value)}
          />
        )}
      </Field>
      <Field label="New password" hint={PASSWORD_HINT} error={errors.newPassword}>
        {(c) => (
          <input
            {...c}
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN_LENGTH}
            value={form.newPassword}
            onChange={(e) => set('newPassword', e.target.value)}
          />
        )}
      </Field>
      <Field label="Repeat new password" error={errors.confirm}>
        {(c) => (
          <input
            {...c}
            type="password"
            autoComplete="new-password"
            required
            value={form.confirm}
            onChange={(e) => set('confirm', e.target.value)}
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
