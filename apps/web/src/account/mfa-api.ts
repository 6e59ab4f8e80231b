import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import {
  MfaEnrolled,
  MfaReset,
  MfaSettings,
  MfaStatus,
  Ok,
  RecoveryCodes,
  TotpEnrolment,
  WebAuthnOptions,
  type VerifyCodeBody,
  type WebAuthnRegisterBody,
  type WebAuthnVerifyBody,
} from '@invigil/contracts';
import { api } from '../api/client';

const enc = encodeURIComponent;

/** Two-step sign-in: one's own factors, proving them, and the admin policy. */
export const mfaApi = {
  status: (signal?: AbortSignal) => api('/api/auth/mfa', { schema: MfaStatus, signal }),
  startTotp: () => api('/api/auth/mfa/totp', { schema: TotpEnrolment, method: 'POST' }),
  confirmTotp: (code: string, label: string) =>
    api('/api/auth/mfa/totp/confirm', {
      schema: MfaEnrolled,
      method: 'POST',
      body: { code, label },
    }),
  removeFactor: (id: string) =>
    api(`/api/auth/mfa/factors/${enc(id)}`, { schema: Ok, method: 'DELETE' }),
  regenerateRecoveryCodes: () =>
    api('/api/auth/mfa/recovery-codes', { schema: RecoveryCodes, method: 'POST' }),
  verifyCode: (body: VerifyCodeBody) =>
    api('/api/auth/mfa/verify', { schema: Ok, method: 'POST', body }),
  resetUser: (userId: string) =>
    api(`/api/users/${enc(userId)}/mfa`, { schema: MfaReset, method: 'DELETE' }),
  settings: (signal?: AbortSignal) => api('/api/settings/mfa', { schema: MfaSettings, signal }),
  saveSettings: (body: MfaSettings) =>
    api('/api/settings/mfa', { schema: MfaSettings, method: 'PUT', body }),

  /** Create a passkey or security key in the browser and add it to the account. */
  async addPasskey(label: string): Promise<MfaEnrolled> {
    const options = await api('/api/auth/mfa/webauthn/register/options', {
      schema: WebAuthnOptions,
      method: 'POST',
    });
    const response = await startRegistration({
      optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
    });
    const body = { label, response } as unknown as WebAuthnRegisterBody;
    return api('/api/auth/mfa/webauthn/register', { schema: MfaEnrolled, method: 'POST', body });
  },

  /** Prove the second factor with one of the account's passkeys or security keys. */
  async verifyPasskey(): Promise<void> {
    const options = await api('/api/auth/mfa/webauthn/options', {
      schema: WebAuthnOptions,
      method: 'POST',
    });
    const response = await startAuthentication({
      optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
    });
    const body = { response } as unknown as WebAuthnVerifyBody;
    await api('/api/auth/mfa/webauthn/verify', { schema: Ok, method: 'POST', body });
  },
};

/** What a browser's passkey dialog failing means, in words (cancelled, not supported…). */
export function describePasskeyError(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  if (error.name === 'NotAllowedError' || error.name === 'AbortError') {
    return 'The passkey request was cancelled or timed out. Try again.';
  }
  if (error.name === 'InvalidStateError') {
    return 'This passkey or security key is already registered to your account.';
  }
  if (error.name === 'NotSupportedError' || /not support/i.test(error.message)) {
    return 'This browser cannot use passkeys or security keys here.';
  }
  return null;
}
