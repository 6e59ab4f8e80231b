import type {
  ApiToken,
  ChangePasswordBody,
  CreatedToken,
  CreateExamBody,
  CreateTokenBody,
  CreateUserBody,
  DetectorAccommodations,
  Exam,
  ExamStatus,
  ImportUsersReport,
  LoginBody,
  MeResponse,
  MyRegistration,
  OpenExam,
  PublicSettings,
  Registration,
  Role,
  RosterEntry,
  SignupBody,
  SignupSettings,
  StaffAssignment,
  StaffRole,
  UpdateExamBody,
  UpdateUserBody,
  User,
} from '@invigil/contracts';
import type { ExamSession, Question, QuestionInput, ScoredAnswers } from '@invigil/contracts';
import type { z } from 'zod';
import { api, query } from './client';

/** GET /api/settings/public. */
export type PublicSettingsBody = z.infer<typeof PublicSettings>;

type Ok = { ok: true };
const enc = encodeURIComponent;

/** One entry of the audit log (GET /api/audit). */
export interface AuditEntry {
  id: number | string;
  at: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  examId: string | null;
  data: unknown;
}

/** Sign-in, sign-up and the current session. */
export const authApi = {
  publicSettings: (signal?: AbortSignal) =>
    api<PublicSettingsBody>('/api/settings/public', { signal, quietAuth: true }),
  me: (signal?: AbortSignal) => api<MeResponse>('/api/auth/me', { signal, quietAuth: true }),
  login: (body: LoginBody) =>
    api<MeResponse>('/api/auth/login', { method: 'POST', body, quietAuth: true }),
  signup: (body: SignupBody) =>
    api<MeResponse>('/api/auth/signup', { method: 'POST', body, quietAuth: true }),
  logout: () => api<Ok>('/api/auth/logout', { method: 'POST', quietAuth: true }),
  changePassword: (body: ChangePasswordBody) =>
    api<Ok>('/api/auth/password', { method: 'POST', body }),
};

/** Personal API tokens (staff). */
export const tokensApi = {
  list: (signal?: AbortSignal) => api<ApiToken[]>('/api/tokens', { signal }),
  create: (body: CreateTokenBody) => api<CreatedToken>('/api/tokens', { method: 'POST', body }),
  revoke: (id: string) => api<Ok>(`/api/tokens/${enc(id)}`, { method: 'DELETE' }),
};

/** User administration and settings (admin). */
export const usersApi = {
  list: (filter: { role?: Role | ''; q?: string }, signal?: AbortSignal) =>
    api<User[]>(`/api/users${query({ role: filter.role, q: filter.q?.trim() })}`, { signal }),
  create: (body: CreateUserBody) => api<User>('/api/users', { method: 'POST', body }),
  update: (id: string, body: UpdateUserBody) =>
    api<User>(`/api/users/${enc(id)}`, { method: 'PATCH', body }),
  setPassword: (id: string, password: string) =>
    api<User>(`/api/users/${enc(id)}/password`, { method: 'POST', body: { password } }),
  importCsv: (csv: string) =>
    api<ImportUsersReport>('/api/users/import', { method: 'POST', body: { csv } }),
  signupSettings: (signal?: AbortSignal) => api<SignupSettings>('/api/settings/signup', { signal }),
  saveSignupSettings: (body: SignupSettings) =>
    api<SignupSettings>('/api/settings/signup', { method: 'PUT', body }),
  audit: (limit: number, signal?: AbortSignal) =>
    api<AuditEntry[]>(`/api/audit${query({ limit })}`, { signal }),
};

/** Exams, their staff and rosters (staff). */
export const examsApi = {
  list: (status: ExamStatus | '', signal?: AbortSignal) =>
    api<Exam[]>(`/api/exams${query({ status })}`, { signal }),
  get: (id: string, signal?: AbortSignal) => api<Exam>(`/api/exams/${enc(id)}`, { signal }),
  create: (body: CreateExamBody) => api<Exam>('/api/exams', { method: 'POST', body }),
  update: (id: string, body: UpdateExamBody) =>
    api<Exam>(`/api/exams/${enc(id)}`, { method: 'PATCH', body }),
  archive: (id: string) => api<Exam>(`/api/exams/${enc(id)}/archive`, { method: 'POST' }),
  staff: (id: string, signal?: AbortSignal) =>
    api<StaffAssignment[]>(`/api/exams/${enc(id)}/staff`, { signal }),
  assignStaff: (id: string, userId: string, role: StaffRole) =>
    api<StaffAssignment>(`/api/exams/${enc(id)}/staff/${enc(userId)}`, {
      method: 'PUT',
      body: { role },
    }),
  removeStaff: (id: string, userId: string) =>
    api<Ok>(`/api/exams/${enc(id)}/staff/${enc(userId)}`, { method: 'DELETE' }),
  roster: (id: string, signal?: AbortSignal) =>
    api<RosterEntry[]>(`/api/exams/${enc(id)}/registrations`, { signal }),
};

/** The student's catalogue and registrations. */
export const studentApi = {
  openExams: (signal?: AbortSignal) => api<OpenExam[]>('/api/exams/open', { signal }),
  myRegistrations: (signal?: AbortSignal) =>
    api<MyRegistration[]>('/api/me/registrations', { signal }),
  register: (examId: string) =>
    api<Registration>(`/api/exams/${enc(examId)}/registrations`, { method: 'POST' }),
  cancel: (registrationId: string) =>
    api<Registration>(`/api/registrations/${enc(registrationId)}/cancel`, { method: 'POST' }),
};

/** Question sets, accommodations and scored answers (staff). */
export const examContentApi = {
  questions: (examId: string, signal?: AbortSignal) =>
    api<Question[]>(`/api/exams/${enc(examId)}/questions`, { signal }),
  saveQuestions: (examId: string, questions: QuestionInput[]) =>
    api<Question[]>(`/api/exams/${enc(examId)}/questions`, {
      method: 'PUT',
      body: { questions },
    }),
  setExtraTime: (registrationId: string, extraTimeMinutes: number) =>
    api<Registration>(`/api/registrations/${enc(registrationId)}/accommodations`, {
      method: 'PUT',
      body: { extraTimeMinutes },
    }),
  /** The detector accommodations only (`{}` clears them); the extra time stays as it is. */
  setDetectorAccommodations: (registrationId: string, detectors: DetectorAccommodations) =>
    api<Registration>(`/api/registrations/${enc(registrationId)}/accommodations`, {
      method: 'PUT',
      body: { detectors },
    }),
  session: (sessionId: string, signal?: AbortSignal) =>
    api<ExamSession>(`/api/sessions/${enc(sessionId)}`, { signal }),
  sessionAnswers: (sessionId: string, signal?: AbortSignal) =>
    api<ScoredAnswers>(`/api/sessions/${enc(sessionId)}/answers`, { signal }),
};
