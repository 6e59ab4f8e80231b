import { ChatMessage, ChatThread, HelpRequest } from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;
const session = (id: string) => `/api/sessions/${enc(id)}`;

/**
 * Chat between a session's student and the exam's staff, announcements to every student of
 * an exam, and raised hands. The server checks who may do what; messages are plain text.
 */
export const chatApi = {
  thread: (sessionId: string, signal?: AbortSignal) =>
    api(`${session(sessionId)}/chat`, { schema: ChatThread, signal }),
  send: (sessionId: string, body: string) =>
    api(`${session(sessionId)}/chat`, { schema: ChatMessage, method: 'POST', body: { body } }),
  /** Mark everything up to `seq` read for the caller's side (the mark never moves back). */
  markRead: (sessionId: string, seq: number) =>
    api<unknown>(`${session(sessionId)}/chat/read`, { method: 'POST', body: { seq } }),
  announcements: (examId: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(examId)}/announcements`, { schema: ChatMessage.array(), signal }),
  announce: (examId: string, body: string) =>
    api(`/api/exams/${enc(examId)}/announcements`, {
      schema: ChatMessage,
      method: 'POST',
      body: { body },
    }),
};

/** Raised hands: the student asks for help; a proctor takes it on and resolves it. */
export const handsApi = {
  /** A session's hands, oldest first (its student; the exam's staff). */
  list: (sessionId: string, signal?: AbortSignal) =>
    api(`${session(sessionId)}/hands`, { schema: HelpRequest.array(), signal }),
  raise: (sessionId: string, message?: string) =>
    api(`${session(sessionId)}/hand`, {
      schema: HelpRequest,
      method: 'POST',
      body: message ? { message } : {},
    }),
  lower: (handId: string) =>
    api(`/api/hands/${enc(handId)}/lower`, { schema: HelpRequest, method: 'POST', body: {} }),
  take: (handId: string, takeOver = false) =>
    api(`/api/hands/${enc(handId)}/take`, {
      schema: HelpRequest,
      method: 'POST',
      body: takeOver ? { takeOver } : {},
    }),
  resolve: (handId: string) =>
    api(`/api/hands/${enc(handId)}/resolve`, { schema: HelpRequest, method: 'POST', body: {} }),
};
