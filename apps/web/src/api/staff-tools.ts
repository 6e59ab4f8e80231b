import {
  ExamSession,
  type ExtendTimeBody,
  Intervention,
  type StaffReasonBody,
} from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;
const session = (id: string) => `/api/sessions/${enc(id)}`;

/**
 * Staff tools for a stuck or wronged attempt (the exam's proctors and admins): withdraw a
 * pending request, add time, reopen a terminated attempt, grant a new one; and the attempts
 * of a registration (staff and the student).
 */
export const staffToolsApi = {
  cancelRequest: (sessionId: string, interventionId: string, reason?: string) =>
    api(`${session(sessionId)}/interventions/${enc(interventionId)}/cancel`, {
      schema: Intervention,
      method: 'POST',
      body: reason ? { reason } : {},
    }),
  extendTime: (sessionId: string, body: ExtendTimeBody) =>
    api(`${session(sessionId)}/extend-time`, { schema: ExamSession, method: 'POST', body }),
  reopen: (sessionId: string, body: StaffReasonBody) =>
    api(`${session(sessionId)}/reopen`, { schema: ExamSession, method: 'POST', body }),
  newAttempt: (sessionId: string, body: StaffReasonBody) =>
    api(`${session(sessionId)}/new-attempt`, { schema: ExamSession, method: 'POST', body }),
  attempts: (sessionId: string, signal?: AbortSignal) =>
    api(`${session(sessionId)}/attempts`, { schema: ExamSession.array(), signal }),
};
