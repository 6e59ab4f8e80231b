import { useCallback, useState } from 'react';
import type { MfaFactor, MfaStatus } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { ResourceView } from '../ui/states';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { MfaAddFactor } from './mfa-add-factor';
import { mfaApi } from './mfa-api';
import { MfaRecoveryCodes } from './mfa-recovery-codes';
import './mfa.css';

const KIND: Record<MfaFactor['type'], string> = {
  totp: 'Authenticator app',
  webauthn: 'Passkey or security key',
};

function FactorList({
  status,
  onChanged,
}: {
  status: MfaStatus;
  onChanged: (feedback: Feedback) => void;
}) {
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = async (f: MfaFactor) => {
    setRemoving(f.id);
    try {
      await mfaApi.removeFactor(f.id);
      onChanged({ tone: 'success', text: `“${f.label}” removed.` });
    } catch (error) {
      onChanged({ tone: 'error', text: `Not removed: ${describeError(error)}` });
    } finally {
      setRemoving(null);
    }
  };
  return (
    <ul className="mfa-factors" aria-label="Your second factors">
      {status.factors.map((f) => (
        <li key={f.id}>
          <div>
            <strong id={`factor-${f.id}`}>{f.label}</strong>
            <div className="muted small">
              {KIND[f.type]} · added {formatDateTime(f.createdAt)}
              {f.lastUsedAt ? ` · last used ${formatDateTime(f.lastUsedAt)}` : ''}
            </div>
          </div>
          <ConfirmButton
            label="Remove"
            question={`Remove “${f.label}”?`}
            pending={removing === f.id}
            describedBy={`factor-${f.id}`}
            onConfirm={() => void remove(f)}
          />
        </li>
      ))}
    </ul>
  );
}

function TwoStep({ status, reload }: { status: MfaStatus; reload: () => void }) {
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [pending, setPending] = useState(false);
  const on = status.factors.length > 0;

  const regenerate = async () => {
    setPending(true);
    setFeedback(null);
    try {
      setCodes((await mfaApi.regenerateRecoveryCodes()).recoveryCodes);
    } catch (error) {
      setFeedback({ tone: 'error', text: `No new codes: ${describeError(error)}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="mfa-stack">
      <p>
        {on
          ? 'Two-step sign-in is on: after your password, Invigil asks for a code from your app, a passkey or a security key.'
          : 'Two-step sign-in is off. Add an authenticator app or a passkey so that a stolen password alone cannot open your account.'}
      </p>
      {status.required ? (
        <Notice>Your administrator requires two-step sign-in for your role.</Notice>
      ) : null}
      {on ? (
        <FactorList
          status={status}
          onChanged={(f) => {
            setFeedback(f);
            reload();
          }}
        />
      ) : null}
      <MfaAddFactor
        onAdded={() => setFeedback({ tone: 'success', text: 'Second factor added.' })}
        onFinished={reload}
      />
      {on ? (
        codes ? (
          <MfaRecoveryCodes
            codes={codes}
            onDone={() => {
              setCodes(null);
              reload();
            }}
          />
        ) : (
          <p>
            <span>{status.recoveryCodesLeft} of 10 recovery codes left. </span>
            <ConfirmButton
              label="New recovery codes"
              question="Make new recovery codes? The old ones stop working."
              className="button secondary"
              pending={pending}
              onConfirm={() => void regenerate()}
            />
          </p>
        )
      ) : null}
      <StatusMessage feedback={feedback} />
    </div>
  );
}

/** The account page's "Two-step sign-in" section (GET /api/auth/mfa and its changes). */
export function MfaSection() {
  const load = useCallback((signal: AbortSignal) => mfaApi.status(signal), []);
  const status = useResource(load);
  return (
    <ResourceView resource={status}>
      {(data) => <TwoStep status={data} reload={status.reload} />}
    </ResourceView>
  );
}
