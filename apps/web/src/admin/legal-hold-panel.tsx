import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { LegalHold } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { retentionApi } from '../api/retention-api';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { Field } from '../ui/field';
import { StatusMessage, type Feedback } from '../ui/status-message';
import './retention.css';

/** The "Legal hold" badge shown beside a held exam's or session's title. */
export function LegalHoldBadge() {
  return <span className="badge badge-legal-hold">Legal hold</span>;
}

/**
 * A legal hold of an exam or a session: shown to staff; placed (with a reason), re-worded and
 * lifted by admins. While it lasts, nothing of the exam's or session's evidence is deleted.
 */
export function LegalHoldPanel({
  target,
  id,
  hold,
  canManage,
  onChange,
}: {
  target: 'exam' | 'session';
  id: string;
  hold: LegalHold | null;
  canManage: boolean;
  onChange: (hold: LegalHold | null) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState<'place' | 'lift' | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const reasonId = useId();

  useEffect(() => {
    if (editing) inputRef.current?.focus();
  }, [editing]);

  const close = () => {
    setEditing(false);
    setError(undefined);
    setTimeout(() => openRef.current?.focus(), 0);
  };

  const place = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setError('Say why the data must be kept.');
      return;
    }
    setPending('place');
    setError(undefined);
    setFeedback(null);
    try {
      const placed = await retentionApi.placeHold(target, id, reason.trim());
      onChange(placed);
      close();
      setFeedback({
        tone: 'success',
        text: `Legal hold placed: nothing of this ${target} is deleted until it is lifted.`,
      });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(null);
    }
  };

  const lift = async () => {
    setPending('lift');
    setFeedback(null);
    try {
      await retentionApi.liftHold(target, id);
      onChange(null);
      setFeedback({
        tone: 'success',
        text: 'Legal hold lifted: retention applies again from the next sweep.',
      });
    } catch (err) {
      setFeedback({ tone: 'error', text: `Not lifted: ${describeError(err)}` });
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="legal-hold">
      {hold ? (
        <div id={reasonId}>
          <p className="legal-hold-reason">
            <LegalHoldBadge /> since {formatDateTime(hold.placedAt)}: {hold.reason}
          </p>
        </div>
      ) : (
        <p className="muted">
          No legal hold: the {target === 'exam' ? 'exam’s' : 'session’s'} evidence is deleted when
          its retention runs out.
        </p>
      )}
      {canManage && editing ? (
        <form
          className="row-form"
          noValidate
          onSubmit={(e) => void place(e)}
          aria-label={hold ? 'Change the legal hold’s reason' : 'Place a legal hold'}
        >
          <Field
            label="Reason for the hold"
            hint="Recorded in the audit trail, e.g. an appeal or a court order."
            error={error}
          >
            {(c) => (
              <textarea
                {...c}
                ref={inputRef}
                rows={2}
                maxLength={1000}
                required
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') close();
                }}
              />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit" className="button primary small" disabled={pending !== null}>
              {pending === 'place' ? 'Saving…' : hold ? 'Save reason' : 'Place hold'}
            </button>
            <button type="button" className="button secondary small" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {canManage && !editing ? (
        <div className="row-actions">
          <button
            ref={openRef}
            type="button"
            className="button secondary small"
            disabled={pending !== null}
            onClick={() => {
              setReason(hold?.reason ?? '');
              setEditing(true);
            }}
          >
            {hold ? 'Change reason' : 'Place legal hold'}
          </button>
          {hold ? (
            <ConfirmButton
              label="Lift legal hold"
              question={`Lift the hold? Evidence whose retention has run out is deleted at the next sweep.`}
              confirmLabel="Lift hold"
              keepLabel="Keep hold"
              className="button danger small"
              pending={pending === 'lift'}
              pendingLabel="Lifting…"
              disabled={pending !== null}
              describedBy={reasonId}
              onConfirm={() => void lift()}
            />
          ) : null}
        </div>
      ) : null}
      <StatusMessage feedback={feedback} />
    </div>
  );
}
