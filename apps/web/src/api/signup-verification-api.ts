import { Ok, ResendVerificationResponse, User, type VerifyEmailBody } from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;

/** After self sign-up: the e-mail link, a new link, and the admin's approval. */
export const signupVerificationApi = {
  /** Verify an address with the secret of the mailed link (works signed in or not). */
  verifyEmail: (body: VerifyEmailBody) =>
    api('/api/auth/verify-email', { schema: Ok, method: 'POST', body, quietAuth: true }),
  resend: () =>
    api('/api/auth/verify-email/resend', { schema: ResendVerificationResponse, method: 'POST' }),
  approve: (id: string) => api(`/api/users/${enc(id)}/approve`, { schema: User, method: 'POST' }),
  reject: (id: string) => api(`/api/users/${enc(id)}/reject`, { schema: User, method: 'POST' }),
};
