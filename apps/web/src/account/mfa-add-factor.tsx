import { useState } from 'react';
import type { MfaEnrolled } from '@invigil/contracts';
import { MfaPasskeySetup } from './mfa-passkey-setup';
import { MfaRecoveryCodes } from './mfa-recovery-codes';
import { MfaTotpSetup } from './mfa-totp-setup';

type Step = 'choose' | 'totp' | 'passkey' | { codes: string[] };

/**
 * Adding a second factor: choose an authenticator app or a passkey / security key, set it up,
 * then (with the first factor) save the recovery codes. `onAdded` after each new factor,
 * `onFinished` once nothing is left to show.
 */
export function MfaAddFactor({
  onAdded,
  onFinished,
}: {
  onAdded?: (enrolled: MfaEnrolled) => void;
  onFinished?: () => void;
}) {
  const [step, setStep] = useState<Step>('choose');
  const enrolled = (e: MfaEnrolled) => {
    onAdded?.(e);
    if (e.recoveryCodes) setStep({ codes: e.recoveryCodes });
    else {
      setStep('choose');
      onFinished?.();
    }
  };
  const cancel = () => setStep('choose');

  if (step === 'totp') return <MfaTotpSetup onEnrolled={enrolled} onCancel={cancel} />;
  if (step === 'passkey') return <MfaPasskeySetup onEnrolled={enrolled} onCancel={cancel} />;
  if (typeof step === 'object') {
    return (
      <MfaRecoveryCodes
        codes={step.codes}
        onDone={() => {
          setStep('choose');
          onFinished?.();
        }}
      />
    );
  }
  return (
    <div className="mfa-add">
      <button type="button" className="button secondary" onClick={() => setStep('totp')}>
        Add an authenticator app
      </button>
      <button type="button" className="button secondary" onClick={() => setStep('passkey')}>
        Add a passkey or security key
      </button>
    </div>
  );
}
