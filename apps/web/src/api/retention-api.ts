import {
  type ErasureBody,
  ErasureReceipt,
  LegalHold,
  Ok,
  type RetentionRules as RetentionRulesType,
  RetentionRules,
  RetentionRunReport,
  SessionLegalHolds,
} from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;

/** Data retention: institution defaults, the sweep, legal holds and erasure on request. */
export const retentionApi = {
  defaults: (signal?: AbortSignal) =>
    api('/api/settings/retention', { schema: RetentionRules, signal }),
  saveDefaults: (body: RetentionRulesType) =>
    api('/api/settings/retention', { schema: RetentionRules, method: 'PUT', body }),
  runNow: () => api('/api/retention/run', { schema: RetentionRunReport, method: 'POST' }),
  sessionHolds: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/hold`, { schema: SessionLegalHolds, signal }),
  placeHold: (target: 'session' | 'exam', id: string, reason: string) =>
    api(`/api/${target}s/${enc(id)}/hold`, {
      schema: LegalHold,
      method: 'PUT',
      body: { reason },
    }),
  liftHold: (target: 'session' | 'exam', id: string) =>
    api(`/api/${target}s/${enc(id)}/hold`, { schema: Ok, method: 'DELETE' }),
  erase: (userId: string, body: ErasureBody) =>
    api(`/api/users/${enc(userId)}/erasure`, { schema: ErasureReceipt, method: 'POST', body }),
};
