import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { User } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { Field } from '../ui/field';

/**
 * "Set password" for one user: opens a small inline form. Saving signs the user out
 * everywhere and lifts a lockout (for a forgotten password or an imported account).
 */
export function SetPassword({
  user,
  disabled,
  onDone,
}: {
  user: User;
  disabled: boolean;
  onDone: (message: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  const close = () => {
    setOpen(false);
    setPassword('');
    setError(undefined);
    // Return focus to the button that opened the form.
    setTimeout(() => openRef.current?.focus(), 0);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await usersApi.setPassword(user.id, password);
      close();
      onDone(
        `New password set for ${user.name}; they were signed out everywhere and must choose their own at the next sign-in.`,
      );
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(false);
    }
  };

  if (!open) {
    return (
      <button
        ref={openRef}
        type="button"
        className="button secondary small"
        disabled={disabled}
        aria-describedby={`user-${user.id}`}
        onClick={() => setOpen(true)}
      >
        Set password
      </button>
    );
  }
  return (
    <form
      className="row-form"
      onSubmit={(e) => void submit(e)}
      aria-label={`Set password for ${user.name}`}
    >
      <Field label={`New password for ${user.name}`} hint="At least 12 characters." error={error}>
        {(control) => (
          <input
            {...control}
            ref={inputRef}
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') close();
            }}
          />
        )}
      </Field>
      <div className="form-actions">
        <button
          type="submit"
          className="button primary small"
          disabled={pending || password === ''}
        >
          {pending ? 'Saving…' : 'Save password'}
        </button>
        <button type="button" className="button secondary small" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}
