import { useState } from 'react';
import type { User } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { mfaApi } from '../account/mfa-api';
import { ConfirmButton } from '../ui/confirm-button';

/**
 * "Reset two-step sign-in" for one user who lost their phone, key and recovery codes: asks
 * first, then removes every second factor (the server asks the admin's own factor again).
 */
export function MfaResetAction({
  user,
  disabled,
  onDone,
}: {
  user: User;
  disabled: boolean;
  onDone: (tone: 'success' | 'error', text: string) => void;
}) {
  const [pending, setPending] = useState(false);
  const reset = async () => {
    setPending(true);
    try {
      const { removed } = await mfaApi.resetUser(user.id);
      onDone(
        'success',
        removed === 0
          ? `${user.name} had no second factor.`
          : `Two-step sign-in reset for ${user.name}: they sign in with their password and set it up again.`,
      );
    } catch (error) {
      onDone('error', `Not reset: ${describeError(error)}`);
    } finally {
      setPending(false);
    }
  };
  return (
    <ConfirmButton
      label="Reset two-step sign-in"
      question={`Remove every second factor of ${user.name}? Only for someone who lost them.`}
      confirmLabel="Reset"
      keepLabel="Cancel"
      className="button secondary small"
      pending={pending}
      pendingLabel="Resetting…"
      disabled={disabled}
      describedBy={`user-${user.id}`}
      onConfirm={() => void reset()}
    />
  );
}
