import { useEffect, useRef } from 'react';
import type { ErasureReceipt, User } from '@invigil/contracts';
import { retentionApi } from '../api/retention-api';
import { formatDateTime } from '../lib/datetime';
import { Field } from '../ui/field';
import { useInlineForm } from '../ui/use-inline-form';
import './retention.css';

const KEPT_REASON = {
  legal_hold: 'a legal hold',
  undecided_review: 'a review still waiting for a decision',
  attempt_running: 'the attempt still running',
} as const;

/** The receipt of an erasure: what was deleted, what was kept and why. */
export function ErasureReceiptView({
  receipt,
  onClose,
}: {
  receipt: ErasureReceipt;
  onClose: () => void;
}) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  const d = receipt.deleted;
  return (
    <section className="notice notice-success erasure-receipt" aria-label="Erasure receipt">
      <p>
        <strong>Erased on {formatDateTime(receipt.erasedAt)}</strong> (audit entry #
        {receipt.auditEntryId}).
      </p>
      <dl>
        <dt>Attempts erased</dt>
        <dd>{receipt.sessionsErased}</dd>
        <dt>Deleted</dt>
        <dd>
          {d.segments} recording segments, {d.snapshots} snapshots, {d.identityPhotos} identity
          photos, {d.faceDescriptors} face descriptors, {d.chatMessages} chat messages,{' '}
          {d.responses} responses, {d.dataExports} data exports
        </dd>
        <dt>Signed out</dt>
        <dd>{d.signInSessions} sign-in sessions</dd>
      </dl>
      {receipt.kept.length > 0 ? (
        <>
          <p>Kept:</p>
          <ul className="retention-list">
            {receipt.kept.map((k) => (
              <li key={k.sessionId}>
                Attempt <span className="mono">{k.sessionId.slice(0, 8)}</span>, kept by{' '}
                {KEPT_REASON[k.reason]}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="small">Always kept: {receipt.retained.join('; ')}.</p>
      <button ref={closeRef} type="button" className="button secondary small" onClick={onClose}>
        Close receipt
      </button>
    </section>
  );
}

/** Whether an account was erased already (its e-mail is the placeholder erasure leaves). */
export function isErased(user: User): boolean {
  return user.email.endsWith('@erased.invalid');
}

/**
 * "Erase data" for a student: the admin types the account's e-mail to confirm; the table
 * shows the receipt (ErasureReceiptView). The account is anonymised and disabled, its evidence deleted
 * except what a legal hold or an undecided review keeps.
 */
export function ErasureAction({
  user,
  disabled,
  onErased,
}: {
  user: User;
  disabled: boolean;
  onErased: (receipt: ErasureReceipt) => void;
}) {
  const {
    open,
    setOpen,
    value: confirm,
    setValue,
    error,
    pending,
    inputRef,
    openRef,
    close,
    submit,
    onKeyDown,
  } = useInlineForm(async (typed) => {
    onErased(await retentionApi.erase(user.id, { confirmEmail: typed.trim() }));
  });

  if (user.role !== 'student' || isErased(user)) return null;
  if (!open) {
    return (
      <button
        ref={openRef}
        type="button"
        className="button danger small"
        disabled={disabled}
        aria-describedby={`user-${user.id}`}
        onClick={() => setOpen(true)}
      >
        Erase data…
      </button>
    );
  }
  return (
    <form
      className="row-form erasure-form"
      onSubmit={(e) => void submit(e)}
      aria-label={`Erase the data of ${user.name}`}
    >
      <p className="small">
        Deletes {user.name}’s recordings, snapshots and identity evidence (except attempts under a
        legal hold or awaiting a review decision), anonymises the account and signs it out. This
        cannot be undone.
      </p>
      <Field label={`Type ${user.email} to confirm`} error={error}>
        {(control) => (
          <input
            {...control}
            ref={inputRef}
            type="email"
            autoComplete="off"
            required
            value={confirm}
            onChange={(e) => setValue(e.target.value)}
            onKeyDown={onKeyDown}
          />
        )}
      </Field>
      <div className="form-actions">
        <button
          type="submit"
          className="button danger small"
          disabled={pending || confirm.trim().toLowerCase() !== user.email.toLowerCase()}
        >
          {pending ? 'Erasing…' : 'Erase'}
        </button>
        <button type="button" className="button secondary small" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}
