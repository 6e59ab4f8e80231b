import {
  ExamLti,
  LtiGradeRetryResult,
  LtiPlatform,
  type LtiPlatformInput,
  LtiPlatformList,
  LtiRegistrationInvite,
  LtiRosterSyncResult,
  LtiToolInfo,
  Ok,
} from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;

/** LMS (LTI 1.3) platform registrations, the tool's details and keys (admins). */
export const ltiApi = {
  platforms: (signal?: AbortSignal) =>
    api('/api/lti/platforms', { schema: LtiPlatformList, signal }),
  createPlatform: (body: LtiPlatformInput) =>
    api('/api/lti/platforms', { schema: LtiPlatform, method: 'POST', body }),
  updatePlatform: (id: string, body: LtiPlatformInput) =>
    api(`/api/lti/platforms/${enc(id)}`, { schema: LtiPlatform, method: 'PUT', body }),
  removePlatform: (id: string) =>
    api(`/api/lti/platforms/${enc(id)}`, { schema: Ok, method: 'DELETE' }),
  /** What a platform admin types into the LMS, and the published keys. */
  tool: (signal?: AbortSignal) => api('/api/lti/tool', { schema: LtiToolInfo, signal }),
  /** Starts signing with a new key (asks for the second factor again); the tool as it is now. */
  rotateKey: () => api('/api/lti/keys/rotate', { schema: LtiToolInfo, method: 'POST' }),
  /** A one-time LTI Dynamic Registration URL for an LMS admin to paste. */
  createInvite: () =>
    api('/api/lti/registration-invites', { schema: LtiRegistrationInvite, method: 'POST' }),
};

/** An exam's LMS placements, roster synchronisations and scores sent (staff of the exam). */
export const examLtiApi = {
  get: (examId: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(examId)}/lti`, { schema: ExamLti, signal }),
  /** Reads each course's roster now and registers its learners. */
  syncRoster: (examId: string) =>
    api(`/api/exams/${enc(examId)}/lti/roster-sync`, {
      schema: LtiRosterSyncResult,
      method: 'POST',
    }),
  /** Queues the failed score sends again. */
  retryGrades: (examId: string) =>
    api(`/api/exams/${enc(examId)}/lti/grades/retry`, {
      schema: LtiGradeRetryResult,
      method: 'POST',
    }),
};
