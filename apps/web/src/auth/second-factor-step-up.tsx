import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { setStepUpHandler } from '../api/client';
import { SecondFactorVerify } from './second-factor-verify';
import '../account/mfa.css';

/**
 * Asks for the second factor again when a sensitive change answers STEP_UP_REQUIRED (role
 * changes, passwords of others, webhooks, policies): a modal dialog with the verify form;
 * the API client sends the change again once it is proved. Mounted once, near the root.
 */
export function StepUpHost() {
  const [waiting, setWaiting] = useState<((ok: boolean) => void) | null>(null);

  useEffect(() => {
    setStepUpHandler(
      () =>
        new Promise<boolean>((resolve) => {
          setWaiting(() => resolve);
        }),
    );
    return () => setStepUpHandler(null);
  }, []);

  const finish = useCallback(
    (ok: boolean) => {
      waiting?.(ok);
      setWaiting(null);
    },
    [waiting],
  );

  return waiting ? <StepUpDialog onDone={finish} /> : null;
}

function StepUpDialog({ onDone }: { onDone: (ok: boolean) => void }) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const node = dialog.current;
    node?.showModal();
    return () => {
      if (node?.open) node.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="step-up-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-intro`}
      onCancel={(e) => {
        e.preventDefault();
        onDone(false);
      }}
    >
      <h2 id={`${id}-title`}>Confirm it’s you</h2>
      <p id={`${id}-intro`}>
        This change needs your second factor again: use your passkey or security key, or enter a
        code from your authenticator app.
      </p>
      <SecondFactorVerify onVerified={() => onDone(true)} />
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
