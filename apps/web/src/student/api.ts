import {
  DEFAULT_STUDENT_POLICY,
  ExamSession,
  SavedAnswer,
  StudentExamView,
  StudentPolicy,
  type AnswerValue,
  type MyRegistration,
  type SessionState,
} from '@invigil/contracts';
import { api } from '../api/client';
import { studentApi } from '../api/endpoints';

const enc = encodeURIComponent;

/** The student's own exam attempt: state, consent, exam page and autosave. */
export const attemptApi = {
  session: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}`, { schema: ExamSession, signal }),
  transition: (sessionId: string, to: SessionState) =>
    api(`/api/sessions/${enc(sessionId)}/transitions`, {
      schema: ExamSession,
      method: 'POST',
      body: { to },
    }),
  consent: (sessionId: string) =>
    api(`/api/sessions/${enc(sessionId)}/consent`, { schema: ExamSession, method: 'POST' }),
  exam: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/exam`, { schema: StudentExamView, signal }),
  saveAnswer: (sessionId: string, questionId: string, value: AnswerValue, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/answers/${enc(questionId)}`, {
      schema: SavedAnswer,
      method: 'PUT',
      body: { value },
      signal,
    }),
  /** The registration (with its exam) that owns a session. */
  registration: async (sessionId: string, signal?: AbortSignal) => {
    const list = await studentApi.myRegistrations(signal);
    return list.find((r) => r.sessionId === sessionId) ?? null;
  },
};

/**
 * The proctoring policy of the student's exam, as the student receives it (capture settings
 * and the rules of the detectors their browser runs). Students cannot read the exam itself;
 * the policy is taken from the registration's exam when the server includes it, otherwise
 * the defaults apply (webcam, microphone, screen, identity check; no room scan).
 */
export function policyOf(registration: MyRegistration | null): StudentPolicy {
  const raw = (registration?.exam as { policy?: unknown } | undefined)?.policy;
  const parsed = StudentPolicy.safeParse(raw ?? {});
  return parsed.success ? parsed.data : DEFAULT_STUDENT_POLICY;
}
