import type { User } from '@invigil/contracts';
import { ConfirmButton } from '../ui/confirm-button';

/** What a self-signed-up account still waits for, as a badge (nothing for other accounts). */
export function SignupPendingBadge({ user }: { user: User }) {
  if (!user.signupPending || user.disabled) return null;
  return (
    <span className="badge badge-draft">
      {user.signupPending === 'approval' ? 'Awaiting approval' : 'E-mail not verified'}
    </span>
  );
}

/** The question before refusing a waiting account. */
export const rejectQuestion = (user: User): string =>
  `Reject ${user.name}? The account is disabled.`;

/**
 * Approve or reject a self-signed-up account that waits (approval, or an e-mail link that
 * never arrived). Approving is harmless and goes at once; rejecting asks first.
 */
export function SignupReviewActions({
  user,
  pending,
  disabled,
  onApprove,
  onReject,
}: {
  user: User;
  pending: 'approve' | 'reject' | null;
  disabled: boolean;
  onApprove: () => void;
  onReject: () => void;
}) {
  if (!user.signupPending || user.disabled) return null;
  return (
    <>
      <button
        type="button"
        className="button primary small"
        disabled={disabled}
        aria-describedby={`user-${user.id}`}
        onClick={onApprove}
      >
        {pending === 'approve' ? 'Approving…' : 'Approve'}
      </button>
      <ConfirmButton
        label="Reject"
        question={rejectQuestion(user)}
        confirmLabel="Reject"
        keepLabel="Cancel"
        className="button danger small"
        pending={pending === 'reject'}
        pendingLabel="Rejecting…"
        disabled={disabled}
        describedBy={`user-${user.id}`}
        onConfirm={onReject}
      />
    </>
  );
}
