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
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
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
import type {
  Alert,
  AlertState,
  Flag,
  Intervention,
  InterventionBody,
  LiveExamSnapshot,
  RiskScore,
  SessionEvent,
  SessionNote,
  SessionNoteBody,
} from '@invigil/contracts';
import type {
  FlagReviewBody,
  MyReview,
  ReviewQueueEntry,
  ReviewResponseBody,
  SessionReview,
  VerdictBody,
} from '@invigil/contracts';
import type {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryPage,
  NotificationDelivery,
  NotificationSettings,
  UpdateWebhookBody,
  Webhook,
} from '@invigil/contracts';
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
  requestPasswordReset: (body: PasswordResetRequestBody) =>
    api<Ok>('/api/auth/password-reset', { method: 'POST', body, quietAuth: true }),
  confirmPasswordReset: (body: PasswordResetConfirmBody) =>
    api<Ok>('/api/auth/password-reset/confirm', { method: 'POST', body, quietAuth: true }),
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

// ---- Proctor dashboard: live exam snapshot, alert handling, session detail (issue 5) ----

/** The live dashboard and the session detail page (the exam's staff). */
export const proctorApi = {
  liveSnapshot: (examId: string, signal?: AbortSignal) =>
    api<LiveExamSnapshot>(`/api/exams/${enc(examId)}/live`, { signal }),
  /** Answers with the alert's handling (or the whole alert). */
  acknowledge: (flagId: string) =>
    api<AlertState | Alert>(`/api/flags/${enc(flagId)}/acknowledge`, { method: 'POST' }),
  /** Take an alert; `takeOver` takes it from another proctor (409 ALERT_TAKEN otherwise). */
  assign: (flagId: string, takeOver = false) =>
    api<AlertState | Alert>(`/api/flags/${enc(flagId)}/assign`, {
      method: 'POST',
      body: takeOver ? { takeOver: true } : {},
    }),
  release: (flagId: string) =>
    api<AlertState | Alert>(`/api/flags/${enc(flagId)}/assign`, { method: 'DELETE' }),
  flags: (sessionId: string, signal?: AbortSignal) =>
    api<Flag[]>(`/api/sessions/${enc(sessionId)}/flags`, { signal }),
  risk: (sessionId: string, signal?: AbortSignal) =>
    api<RiskScore>(`/api/sessions/${enc(sessionId)}/risk`, { signal }),
  events: (sessionId: string, signal?: AbortSignal) =>
    api<SessionEvent[]>(`/api/sessions/${enc(sessionId)}/events`, { signal }),
  notes: (sessionId: string, signal?: AbortSignal) =>
    api<SessionNote[]>(`/api/sessions/${enc(sessionId)}/notes`, { signal }),
  addNote: (sessionId: string, body: SessionNoteBody) =>
    api<SessionNote>(`/api/sessions/${enc(sessionId)}/notes`, { method: 'POST', body }),
  interventions: (sessionId: string, signal?: AbortSignal) =>
    api<Intervention[]>(`/api/sessions/${enc(sessionId)}/interventions`, { signal }),
  intervene: (sessionId: string, body: InterventionBody) =>
    api<Intervention>(`/api/sessions/${enc(sessionId)}/interventions`, { method: 'POST', body }),
};

// ---- Review after the exam: queue, flag decisions, verdict, student response (issue 5) ----

/** Reviewing finished sessions (the exam's staff) and the student's review result. */
export const reviewApi = {
  queue: (examId: string, signal?: AbortSignal) =>
    api<ReviewQueueEntry[]>(`/api/exams/${enc(examId)}/review-queue`, { signal }),
  /** A session's review: staff see everything, the student their own once a verdict exists. */
  review: (sessionId: string, signal?: AbortSignal) =>
    api<SessionReview>(`/api/sessions/${enc(sessionId)}/review`, { signal }),
  decideFlag: (flagId: string, body: FlagReviewBody) =>
    api<SessionReview>(`/api/flags/${enc(flagId)}/review`, { method: 'POST', body }),
  verdict: (sessionId: string, body: VerdictBody) =>
    api<SessionReview>(`/api/sessions/${enc(sessionId)}/verdict`, { method: 'POST', body }),
  respond: (sessionId: string, body: ReviewResponseBody) =>
    api<SessionReview>(`/api/sessions/${enc(sessionId)}/response`, { method: 'POST', body }),
  /** The signed-in student's sessions that have a verdict. */
  mine: (signal?: AbortSignal) => api<MyReview[]>('/api/me/reviews', { signal }),
  /** The printable report (opened as a page, not fetched). */
  reportHtmlUrl: (sessionId: string) => `/api/sessions/${enc(sessionId)}/report.html`,
  /** A snapshot's bytes, for evidence images. */
  snapshotUrl: (sessionId: string, kind: string, seq: number) =>
    `/api/sessions/${enc(sessionId)}/snapshots/${enc(kind)}/${seq}`,
};

// ---- Interventions, the student's side: list, acknowledge, finish a room scan (issue 5) ----

/** The student's answers to proctor interventions on their own session. */
export const interventionApi = {
  list: (sessionId: string, signal?: AbortSignal) =>
    api<Intervention[]>(`/api/sessions/${enc(sessionId)}/interventions`, { signal }),
  /** Confirm a warning or a request (idempotent). */
  acknowledge: (sessionId: string, interventionId: string) =>
    api<Intervention>(
      `/api/sessions/${enc(sessionId)}/interventions/${enc(interventionId)}/acknowledge`,
      { method: 'POST' },
    ),
  /**
   * Report a requested room scan or new identity photos as done (409 ROOM_SCAN_MISSING /
   * IDENTITY_PHOTOS_MISSING until they uploaded).
   */
  complete: (sessionId: string, interventionId: string) =>
    api<Intervention>(
      `/api/sessions/${enc(sessionId)}/interventions/${enc(interventionId)}/complete`,
      { method: 'POST' },
    ),
};

// ---- Notifications: webhooks, their delivery log, e-mail status (issue 5, admins) ----

/** Webhook management and notification settings (admins, browser session). */
export const webhooksApi = {
  settings: (signal?: AbortSignal) =>
    api<NotificationSettings>('/api/notifications/settings', { signal }),
  list: (signal?: AbortSignal) => api<Webhook[]>('/api/webhooks', { signal }),
  /** The answer holds the signing secret, shown this once. */
  create: (body: CreateWebhookBody) =>
    api<CreatedWebhook>('/api/webhooks', { method: 'POST', body }),
  update: (id: string, body: UpdateWebhookBody) =>
    api<Webhook>(`/api/webhooks/${enc(id)}`, { method: 'PATCH', body }),
  remove: (id: string) => api<Ok>(`/api/webhooks/${enc(id)}`, { method: 'DELETE' }),
  /** Newest first; pass the previous page's `nextBefore` for older entries. */
  deliveries: (id: string, opts: { limit?: number; before?: number }, signal?: AbortSignal) =>
    api<DeliveryPage>(`/api/webhooks/${enc(id)}/deliveries${query(opts)}`, { signal }),
  /** Queue a ping; its outcome shows in the delivery log. */
  test: (id: string) =>
    api<NotificationDelivery>(`/api/webhooks/${enc(id)}/test`, { method: 'POST' }),
};
