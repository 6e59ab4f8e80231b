import { useState, type FormEvent } from 'react';
import { PASSWORD_MIN_LENGTH, type Role } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { describeError, fieldErrors } from '../api/errors';
import { PASSWORD_HINT } from '../auth/signup-page';
import { Field } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { ROLES, ROLE_LABELS } from '../auth/role-labels';

const EMPTY = { name: '', email: '', role: 'student' as Role, password: '' };

/** Creates one account with an initial password (POST /api/users). */
export function UserCreateForm({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState(EMPTY);
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const set = (key: keyof typeof EMPTY, value: string) =>
    setForm((prev) => ({ ...prev, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (form.password.length < PASSWORD_MIN_LENGTH) {
      setErrors({ password: `Use at least ${PASSWORD_MIN_LENGTH} characters.` });
      setFeedback({ tone: 'error', text: 'Please correct the password.' });
      return;
    }
    setPending(true);
    setErrors({});
    setFeedback(null);
    try {
      const user = await usersApi.create({
        name: form.name.trim(),
        email: form.email.trim(),
        role: form.role,
        password: form.password,
      });
      setForm(EMPTY);
      setFeedback({ tone: 'success', text: `Created ${user.name} (${user.email}).` });
      onCreated();
    } catch (error) {
      const fields = fieldErrors(error);
      const code = (error as { code?: string }).code;
      if (code === 'EMAIL_TAKEN') fields.email = describeError(error);
      if (code === 'WEAK_PASSWORD') fields.password = describeError(error);
      setErrors(fields);
      setFeedback({ tone: 'error', text: `Not created: ${describeError(error)}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Create user">
      <StatusMessage feedback={feedback} />
      <div className="grid-2">
        <Field label="Full name" error={errors.name}>
          {(c) => (
            <input
              {...c}
              required
              maxLength={120}
              autoComplete="off"
              value={form.name}
              onChange={(e) => set('name', e.target.value)}
            />
          )}
        </Field>
        <Field label="E-mail" error={errors.email}>
          {(c) => (
            <input
              {...c}
              type="email"
              required
              autoComplete="off"
              value={form.email}
              onChange={(e) => set('email', e.target.value)}
            />
          )}
        </Field>
        <Field label="Role" error={errors.role}>
          {(c) => (
            <select {...c} value={form.role} onChange={(e) => set('role', e.target.value)}>
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Initial password" hint={PASSWORD_HINT} error={errors.password}>
          {(c) => (
            <input
              {...c}
              type="password"
              required
              minLength={PASSWORD_MIN_LENGTH}
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => set('password', e.target.value)}
            />
          )}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? 'Creating…' : 'Create user'}
        </button>
      </div>
    </form>
  );
}
