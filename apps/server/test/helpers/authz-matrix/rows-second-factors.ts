import type { MatrixFixture } from './fixture.js';
import { fixed, type Row } from './row.js';

/** A passkey registration answer of the right shape that no challenge was issued for. */
const MATRIX_REGISTRATION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
  clientExtensionResults: {},
};
/** A passkey sign-in answer of the right shape that no challenge was issued for. */
const MATRIX_ASSERTION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

/** Second factors: authenticator apps, passkeys, recovery codes and the staff requirement. */
export function secondFactorRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    // Second factors: matrix callers have none, so proofs are refused after authorization.
    {
      op: 'GET /api/auth/mfa',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/mfa'),
    },
    {
      op: 'POST /api/auth/mfa/totp',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/mfa/totp'),
    },
    {
      op: 'POST /api/auth/mfa/totp/confirm',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      // A fresh session: none started an app there, so the code has nothing to confirm.
      prepare: async (caller) => ({
        path: '/api/auth/mfa/totp/confirm',
        body: { code: '000000', label: 'Phone' },
        as: await f.newSessionOf(caller),
      }),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/register/options',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/mfa/webauthn/register/options'),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/register',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      prepare: async (caller) => ({
        path: '/api/auth/mfa/webauthn/register',
        body: { label: 'Key', response: MATRIX_REGISTRATION },
        as: await f.newSessionOf(caller),
      }),
    },
    {
      op: 'DELETE /api/auth/mfa/factors/{id}',
      expect: 'U  H  H  H  H  H  H  H  F  F',
      prepare: fixed(() => `/api/auth/mfa/factors/${crypto.randomUUID()}`),
    },
    {
      op: 'POST /api/auth/mfa/recovery-codes',
      expect: 'U  M  M  M  M  M  M  M  F  F',
      prepare: fixed(() => '/api/auth/mfa/recovery-codes'),
    },
    {
      op: 'POST /api/auth/mfa/verify',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      prepare: fixed(
        () => '/api/auth/mfa/verify',
        () => ({ method: 'recovery', code: 'aaaa-bbbb-cccc-dddd' }),
      ),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/options',
      expect: 'U  H  H  H  H  H  H  H  F  F',
      prepare: fixed(() => '/api/auth/mfa/webauthn/options'),
    },
    {
      op: 'POST /api/auth/mfa/webauthn/verify',
      expect: 'U  V  V  V  V  V  V  V  F  F',
      prepare: fixed(
        () => '/api/auth/mfa/webauthn/verify',
        () => ({ response: MATRIX_ASSERTION }),
      ),
    },
    {
      op: 'DELETE /api/users/{id}/mfa',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => `/api/users/${f.patchTarget.userId}/mfa`),
    },
    {
      op: 'GET /api/settings/mfa',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(() => '/api/settings/mfa'),
    },
    {
      op: 'PUT /api/settings/mfa',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => '/api/settings/mfa',
        () => ({ requireForStaff: false }),
      ),
    },
  ];
}
