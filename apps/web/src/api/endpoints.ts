import {
  AuthSession,
  AlertState,
  ApiToken,
  type AuditEntry,
  type AuditFilters,
  AuditPage,
  type ChangePasswordBody,
  type SignupPending,
  CreatedToken,
  CreatedWebhook,
  type CreateExamBody,
  type CreateTokenBody,
  type CreateUserBody,
  type CreateWebhookBody,
  DeliveryPage,
  type DetectorAccommodations,
  Exam,
  ExamSession,
  type ExamStatus,
  Flag,
  type FlagReviewBody,
  ImportUsersReport,
  Intervention,
  type InterventionBody,
  LiveExamSnapshot,
  type LoginBody,
  MeResponse,
  MyRegistration,
  MyReview,
  NotificationDelivery,
  NotificationSettings,
  Ok,
  OpenExam,
  type PasswordResetConfirmBody,
  type PasswordResetRequestBody,
  PublicSettings,
  Question,
  type QuestionInput,
  Registration,
  ReviewQueueEntry,
  type ReviewResponseBody,
  RiskScore,
  type Role,
  RosterEntry,
  ScoredAnswers,
  SessionEvent,
  SessionNote,
  type SessionNoteBody,
  SessionReview,
  type SignupBody,
  SignupSettings,
  StaffAssignment,
  StaffCandidate,
  type StaffRole,
  type UpdateExamBody,
  type UpdateUserBody,
  type UpdateWebhookBody,
  User,
  type VerdictBody,
  Webhook,
} from '@invigil/contracts';
import type { z } from 'zod';
import { api, query } from './client';

/** GET /api/settings/public. */
export type PublicSettingsBody = z.infer<typeof PublicSettings>;

const enc = encodeURIComponent;

/** One entry of the audit log, and a page of them (GET /api/audit/page). */
export type { AuditEntry, AuditPage };

/** A page of the audit log: the filters, `before` (an entry id) for older pages, `limit`. */
export type AuditQuery = AuditFilters & { before?: number; limit?: number };

/** Sign-in, sign-up and the current session. */
export const authApi = {
  publicSettings: (signal?: AbortSignal) =>
    api('/api/settings/public', { schema: PublicSettings, signal, quietAuth: true }),
  me: (signal?: AbortSignal) =>
    api('/api/auth/me', { schema: MeResponse, signal, quietAuth: true }),
  login: (body: LoginBody) =>
    api('/api/auth/login', { schema: MeResponse, method: 'POST', body, quietAuth: true }),
  signup: (body: SignupBody) =>
    api('/api/auth/signup', { schema: MeResponse, method: 'POST', body, quietAuth: true }),
  logout: () => api('/api/auth/logout', { schema: Ok, method: 'POST', quietAuth: true }),
  changePassword: (body: ChangePasswordBody) =>
    api('/api/auth/password', { schema: Ok, method: 'POST', body }),
  sessions: (signal?: AbortSignal) =>
    api('/api/auth/sessions', { schema: AuthSession.array(), signal }),
  revokeSession: (id: string) =>
    api(`/api/auth/sessions/${enc(id)}`, { schema: Ok, method: 'DELETE' }),
  requestPasswordReset: (body: PasswordResetRequestBody) =>
    api('/api/auth/password-reset', { schema: Ok, method: 'POST', body, quietAuth: true }),
  confirmPasswordReset: (body: PasswordResetConfirmBody) =>
    api('/api/auth/password-reset/confirm', { schema: Ok, method: 'POST', body, quietAuth: true }),
};

/** Personal API tokens (staff). */
export const tokensApi = {
  list: (signal?: AbortSignal) => api('/api/tokens', { schema: ApiToken.array(), signal }),
  create: (body: CreateTokenBody) =>
    api('/api/tokens', { schema: CreatedToken, method: 'POST', body }),
  revoke: (id: string) => api(`/api/tokens/${enc(id)}`, { schema: Ok, method: 'DELETE' }),
};

/** User administration and settings (admin). */
export const usersApi = {
  list: (
    filter: { role?: Role | ''; q?: string; pending?: SignupPending | '' },
    signal?: AbortSignal,
  ) =>
    api(`/api/users${query({ role: filter.role, q: filter.q?.trim(), pending: filter.pending })}`, {
      schema: User.array(),
      signal,
    }),
  create: (body: CreateUserBody) => api('/api/users', { schema: User, method: 'POST', body }),
  update: (id: string, body: UpdateUserBody) =>
    api(`/api/users/${enc(id)}`, { schema: User, method: 'PATCH', body }),
  setPassword: (id: string, password: string) =>
    api(`/api/users/${enc(id)}/password`, { schema: User, method: 'POST', body: { password } }),
  importCsv: (csv: string) =>
    api('/api/users/import', { schema: ImportUsersReport, method: 'POST', body: { csv } }),
  signupSettings: (signal?: AbortSignal) =>
    api('/api/settings/signup', { schema: SignupSettings, signal }),
  saveSignupSettings: (body: SignupSettings) =>
    api('/api/settings/signup', { schema: SignupSettings, method: 'PUT', body }),
  audit: (q: AuditQuery, signal?: AbortSignal) =>
    api(`/api/audit/page${query(q)}`, { schema: AuditPage, signal }),
  /** A plain link downloads it: the session cookie goes along, the export is same-origin. */
  auditExportUrl: (filters: AuditFilters) => `/api/audit/export.csv${query(filters)}`,
};

/** Exams, their staff and rosters (staff). */
export const examsApi = {
  list: (status: ExamStatus | '', signal?: AbortSignal) =>
    api(`/api/exams${query({ status })}`, { schema: Exam.array(), signal }),
  get: (id: string, signal?: AbortSignal) => api(`/api/exams/${enc(id)}`, { schema: Exam, signal }),
  create: (body: CreateExamBody) => api('/api/exams', { schema: Exam, method: 'POST', body }),
  update: (id: string, body: UpdateExamBody) =>
    api(`/api/exams/${enc(id)}`, { schema: Exam, method: 'PATCH', body }),
  archive: (id: string) => api(`/api/exams/${enc(id)}/archive`, { schema: Exam, method: 'POST' }),
  staff: (id: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(id)}/staff`, { schema: StaffAssignment.array(), signal }),
  /** Active accounts of that role, for those who may manage the exam (its instructors, admins). */
  staffCandidates: (id: string, role: StaffRole, signal?: AbortSignal) =>
    api(`/api/exams/${enc(id)}/staff/candidates${query({ role })}`, {
      schema: StaffCandidate.array(),
      signal,
    }),
  assignStaff: (id: string, userId: string, role: StaffRole) =>
    api(`/api/exams/${enc(id)}/staff/${enc(userId)}`, {
      schema: StaffAssignment,
      method: 'PUT',
      body: { role },
    }),
  removeStaff: (id: string, userId: string) =>
    api(`/api/exams/${enc(id)}/staff/${enc(userId)}`, { schema: Ok, method: 'DELETE' }),
  roster: (id: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(id)}/registrations`, { schema: RosterEntry.array(), signal }),
};

/** The student's catalogue and registrations. */
export const studentApi = {
  openExams: (signal?: AbortSignal) => api('/api/exams/open', { schema: OpenExam.array(), signal }),
  myRegistrations: (signal?: AbortSignal) =>
    api('/api/me/registrations', { schema: MyRegistration.array(), signal }),
  register: (examId: string) =>
    api(`/api/exams/${enc(examId)}/registrations`, { schema: Registration, method: 'POST' }),
  cancel: (registrationId: string) =>
    api(`/api/registrations/${enc(registrationId)}/cancel`, {
      schema: Registration,
      method: 'POST',
    }),
};

/** Question sets, accommodations and scored answers (staff). */
export const examContentApi = {
  questions: (examId: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(examId)}/questions`, { schema: Question.array(), signal }),
  saveQuestions: (examId: string, questions: QuestionInput[]) =>
    api(`/api/exams/${enc(examId)}/questions`, {
      schema: Question.array(),
      method: 'PUT',
      body: { questions },
    }),
  setExtraTime: (registrationId: string, extraTimeMinutes: number) =>
    api(`/api/registrations/${enc(registrationId)}/accommodations`, {
      schema: Registration,
      method: 'PUT',
      body: { extraTimeMinutes },
    }),
  /** The detector accommodations only (`{}` clears them); the extra time stays as it is. */
  setDetectorAccommodations: (registrationId: string, detectors: DetectorAccommodations) =>
    api(`/api/registrations/${enc(registrationId)}/accommodations`, {
      schema: Registration,
      method: 'PUT',
      body: { detectors },
    }),
  session: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}`, { schema: ExamSession, signal }),
  sessionAnswers: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/answers`, { schema: ScoredAnswers, signal }),
};

// ---- Proctor dashboard: live exam snapshot, alert handling, session detail (issue 5) ----

/** The live dashboard and the session detail page (the exam's staff). */
export const proctorApi = {
  liveSnapshot: (examId: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(examId)}/live`, { schema: LiveExamSnapshot, signal }),
  /** Answers with the alert's handling (or the whole alert). */
  acknowledge: (flagId: string) =>
    api(`/api/flags/${enc(flagId)}/acknowledge`, { schema: AlertState, method: 'POST' }),
  /** Take an alert; `takeOver` takes it from another proctor (409 ALERT_TAKEN otherwise). */
  assign: (flagId: string, takeOver = false) =>
    api(`/api/flags/${enc(flagId)}/assign`, {
      schema: AlertState,
      method: 'POST',
      body: takeOver ? { takeOver: true } : {},
    }),
  release: (flagId: string) =>
    api(`/api/flags/${enc(flagId)}/assign`, { schema: AlertState, method: 'DELETE' }),
  flags: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/flags`, { schema: Flag.array(), signal }),
  risk: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/risk`, { schema: RiskScore, signal }),
  events: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/events`, { schema: SessionEvent.array(), signal }),
  notes: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/notes`, { schema: SessionNote.array(), signal }),
  addNote: (sessionId: string, body: SessionNoteBody) =>
    api(`/api/sessions/${enc(sessionId)}/notes`, { schema: SessionNote, method: 'POST', body }),
  interventions: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/interventions`, { schema: Intervention.array(), signal }),
  intervene: (sessionId: string, body: InterventionBody) =>
    api(`/api/sessions/${enc(sessionId)}/interventions`, {
      schema: Intervention,
      method: 'POST',
      body,
    }),
};

// ---- Review after the exam: queue, flag decisions, verdict, student response (issue 5) ----

/** Reviewing finished sessions (the exam's staff) and the student's review result. */
export const reviewApi = {
  queue: (examId: string, signal?: AbortSignal) =>
    api(`/api/exams/${enc(examId)}/review-queue`, { schema: ReviewQueueEntry.array(), signal }),
  /** A session's review: staff see everything, the student their own once a verdict exists. */
  review: (sessionId: string, signal?: AbortSignal) =>
    api(`/api/sessions/${enc(sessionId)}/review`, { schema: SessionReview, signal }),
  decideFlag: (flagId: string, body: FlagReviewBody) =>
    api(`/api/flags/${enc(flagId)}/review`, { schema: SessionReview, method: 'POST', body }),
  verdict: (sessionId: string, body: VerdictBody) =>
    api(`/api/sessions/${enc(sessionId)}/verdict`, { schema: SessionReview, method: 'POST', body }),
  respond: (sessionId: string, body: ReviewResponseBody) =>
    api(`/api/sessions/${enc(sessionId)}/response`, {
      schema: SessionReview,
      method: 'POST',
      body,
    }),
  /** The signed-in student's sessions that have a verdict. */
  mine: (signal?: AbortSignal) => api('/api/me/reviews', { schema: MyReview.array(), signal }),
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
    api(`/api/sessions/${enc(sessionId)}/interventions`, { schema: Intervention.array(), signal }),
  /** Confirm a warning or a request (idempotent). */
  acknowledge: (sessionId: string, interventionId: string) =>
    api(`/api/sessions/${enc(sessionId)}/interventions/${enc(interventionId)}/acknowledge`, {
      schema: Intervention,
      method: 'POST',
    }),
  /**
   * Report a requested room scan or new identity photos as done (409 ROOM_SCAN_MISSING /
   * IDENTITY_PHOTOS_MISSING until they uploaded).
   */
  complete: (sessionId: string, interventionId: string) =>
    api(`/api/sessions/${enc(sessionId)}/interventions/${enc(interventionId)}/complete`, {
      schema: Intervention,
      method: 'POST',
    }),
};

// ---- Notifications: webhooks, their delivery log, e-mail status (issue 5, admins) ----

/** Webhook management and notification settings (admins, browser session). */
export const webhooksApi = {
  settings: (signal?: AbortSignal) =>
    api('/api/notifications/settings', { schema: NotificationSettings, signal }),
  list: (signal?: AbortSignal) => api('/api/webhooks', { schema: Webhook.array(), signal }),
  /** The answer holds the signing secret, shown this once. */
  create: (body: CreateWebhookBody) =>
    api('/api/webhooks', { schema: CreatedWebhook, method: 'POST', body }),
  update: (id: string, body: UpdateWebhookBody) =>
    api(`/api/webhooks/${enc(id)}`, { schema: Webhook, method: 'PATCH', body }),
  remove: (id: string) => api(`/api/webhooks/${enc(id)}`, { schema: Ok, method: 'DELETE' }),
  /** Newest first; pass the previous page's `nextBefore` for older entries. */
  deliveries: (id: string, opts: { limit?: number; before?: number }, signal?: AbortSignal) =>
    api(`/api/webhooks/${enc(id)}/deliveries${query(opts)}`, { schema: DeliveryPage, signal }),
  /** Queue a ping; its outcome shows in the delivery log. */
  test: (id: string) =>
    api(`/api/webhooks/${enc(id)}/test`, { schema: NotificationDelivery, method: 'POST' }),
};
