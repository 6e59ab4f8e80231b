import type { User } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { Field } from '../ui/field';
import { useInlineForm } from '../ui/use-inline-form';

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
  const {
    open,
    setOpen,
    value: password,
    setValue,
    error,
    pending,
    inputRef,
    openRef,
    close,
    submit,
    onKeyDown,
  } = useInlineForm(
    async (password) => {
      await usersApi.setPassword(user.id, password);
      onDone(
        `New password set for ${user.name}; they were signed out everywhere and must choose their own at the next sign-in.`,
      );
    },
    { refocusAfterSave: true },
  );

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
            onChange={(e) => setValue(e.target.value)}
            onKeyDown={onKeyDown}
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
