import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import { LiveHub } from '../http/live/live-hub.js';
import { dispatchDeliveries } from '../jobs/notification-delivery.js';
import { dispatchExport } from '../jobs/privacy-export.js';
import { DataExportService } from '../services/privacy/data-export.service.js';
import { ExportRuns } from '../services/privacy/export-runs.js';
import { createServerMetrics, type ServerMetrics } from '../metrics/server-metrics.js';
import { AccommodationService } from '../services/exams/accommodations.service.js';
import { AlertService } from '../services/live/alerts.service.js';
import { anyAnalysed } from '../services/detection/analysed-snapshots.js';
import { AnalysisQueue } from '../services/detection/analysis-queue.js';
import { AnalysisScheduler } from '../services/detection/analysis-scheduler.js';
import { DEFAULT_QUEUE_BOUNDS } from '../services/detection/analysis-shedding.js';
import { AnswerService } from '../services/exams/answers.service.js';
import { AuthService } from '../services/accounts/auth.service.js';
import { MfaService } from '../services/accounts/mfa.service.js';
import { WebAuthnService } from '../services/accounts/mfa-webauthn.service.js';
import { OidcService } from '../services/accounts/oidc.service.js';
import { ChatRateLimiter } from '../services/live/chat-rate-limit.js';
import { ChatService } from '../services/live/chat.service.js';
import { rejudgingNeeds } from '../services/detection/detection-event-data.js';
import { EvidenceWatchdog } from '../services/detection/evidence-watchdog.service.js';
import { ExamService } from '../services/exams/exams.service.js';
import { LegalHoldService } from '../services/retention/legal-hold.service.js';
import { buildLtiCore } from '../services/lti/lti-core.js';
import { buildLtiAdvantage } from '../services/lti/lti-advantage.js';
import { RetentionService } from '../services/retention/retention.service.js';
import { FacePhotoChecker } from '../services/detection/face-photo-check.js';
import { FlagService } from '../services/detection/flags.service.js';
import { GradingService } from '../services/exams/grading.service.js';
import { HandService } from '../services/live/hands.service.js';
import { InterventionService } from '../services/live/interventions.service.js';
import { LiveDashboardService } from '../services/live/live-dashboard.service.js';
import { LiveAccess } from '../services/live/live-access.js';
import { LiveFeed } from '../services/live/live-feed.service.js';
import { NoteService } from '../services/live/notes.service.js';
import { DeliveryAttempts } from '../services/notifications/attempt.js';
import { Notifier } from '../services/notifications/notifier.js';
import { NotificationOutbox } from '../services/notifications/outbox.js';
import { WebhookService } from '../services/notifications/webhooks.service.js';
import { PasswordResetService } from '../services/accounts/password-reset.service.js';
import { SignupService } from '../services/accounts/signup.service.js';
import { QuestionMarkService } from '../services/exams/question-marks.service.js';
import { QuestionService } from '../services/exams/questions.service.js';
import { RecordingPlaybackService } from '../services/recording/recording-playback.service.js';
import { RecordingService } from '../services/recording/recording.service.js';
import { RegistrationService } from '../services/exams/registrations.service.js';
import { ReviewService } from '../services/review/review.service.js';
import { RtcLinkService } from '../services/live/rtc-links.service.js';
import { RtcSignalling } from '../services/live/rtc-signalling.js';
import { afterSessionEnds } from '../services/sessions/session-ended.js';
import { SessionEventService } from '../services/recording/session-events.service.js';
import { SessionHealthTracker } from '../services/sessions/session-health.js';
import { SessionReportService } from '../services/review/session-report.js';
import { SessionService } from '../services/sessions/sessions.service.js';
import { SnapshotAnalysisService } from '../services/detection/snapshot-analysis.service.js';
import { StaffToolsService } from '../services/live/staff-tools.service.js';
import { TokenService } from '../services/accounts/tokens.service.js';
import { UserAdminService } from '../services/accounts/user-admin.service.js';
import { AuditLog } from '../services/audit/audit.service.js';
import { SystemJobsService } from '../services/system/system-jobs.service.js';
import { SystemStatusService } from '../services/system/system-status.service.js';
import type { Adapters } from './adapters.js';

/**
 * Build every service on the adapters: the domain rules, wired to each other by callbacks
 * (a session that ends closes its raised hands and live links; uploads and events re-judge
 * flags and schedule server analysis; flags go out live and to notifications).
 */
export function buildServices(
  config: Config,
  a: Adapters,
  metrics: ServerMetrics,
  log: FastifyBaseLogger,
) {
  const { db, clock, bus, blobs, jobQueue, detector, mailer } = a;
  const logError = (err: unknown, msg: string) => log.error({ err }, msg);

  const liveHub = new LiveHub(bus, (message) => metrics.recorder.staffMessageSent(message));

  const auth = new AuthService(db, clock, {
    sessionTtlHours: config.sessionTtlHours,
    apiTokenMaxDays: config.apiTokenDays.max,
    throttle: config.signInThrottle,
  });
  // Single sign-on with the institution's provider, when configured (beside passwords).
  const oidc = config.oidc && new OidcService(db, clock, auth, config.oidc);
  // Second factors: TOTP secrets sealed by the master keyring, wrong codes slowed like passwords.
  const mfa = new MfaService(db, clock, a.keyring, config.signInThrottle);
  const exams = new ExamService(db, clock);
  const registrations = new RegistrationService(db, clock);
  const questions = new QuestionService(db);
  const tokens = new TokenService(db, clock, config.apiTokenDays);
  // LTI 1.3: learning platforms launch into exams; the tool signs with keys sealed by the keyring.
  const lti = buildLtiCore({
    db,
    clock,
    keyring: a.keyring,
    auth,
    exams,
    publicUrl: config.publicUrl,
  });
  // LTI Advantage: rosters (NRPS), grades to gradebooks (AGS, as jobs), Dynamic Registration.
  const ltiServices = buildLtiAdvantage({
    db,
    clock,
    core: lti,
    jobQueue,
    settings: config.ltiServices,
  });

  // The replayable live feed (dashboards, the student's page); emits never fail a committed change.
  const liveFeed = new LiveFeed(db, clock, bus);
  const emitStored = liveFeed.emitter((err) => logError(err, 'live message not sent'));
  // Raised hands and live links close when the attempt ends: every end goes out as session.state.
  const hands = new HandService(
    db,
    clock,
    (inputs) => emitLive(inputs),
    new ChatRateLimiter(a.rateCounter, config.chatRateLimit, {
      code: 'HAND_RATE_LIMITED',
      doing: 'raising and lowering your hand',
    }),
  );
  const emitLive = afterSessionEnds(
    emitStored,
    [
      { name: 'raised hands', run: (ended) => hands.closeForEndedSession(ended.id) },
      { name: 'live links', run: (ended) => rtcLinks.sessionStopped(ended.id) },
    ],
    (err, hook) => logError(err, `closing ${hook} of an ended attempt failed`),
  );
  // Health changes often and every snapshot carries it: published, not stored.
  const health = new SessionHealthTracker(db, clock, (inputs) =>
    liveFeed.publishTransient(inputs).catch((err: unknown) => logError(err, 'health not sent')),
  );
  const sessions = new SessionService(db, clock, emitLive);
  // Live views and calls; a side silent for four heartbeats (its process gone) is swept.
  const rtcLinks = new RtcLinkService(db, clock, emitLive, { ...config.rtc, staleMs: 60_000 });
  const answers = new AnswerService(db, clock, emitLive);
  // Its connection_lost flags are the dashboard's "Offline": the health tracker hears of them.
  const flagService = new FlagService(db, clock, bus, health.watchingFlags(emitLive), (created) =>
    metrics.recorder.flagsCreated(created),
  );
  const interventions = new InterventionService(db, clock, sessions, emitLive);
  const rederive = (sessionId: string) =>
    flagService
      .rederive(sessionId)
      .catch((err: unknown) => logError(err, 'flag re-judgement failed'));
  // Missing evidence (segments, snapshots, detector reports) becomes server events, then flags.
  const evidence = new EvidenceWatchdog(db, clock, rederive, {
    ingestGraceMs: config.ingestGraceMs,
    sweepMs: config.evidenceSweepMs,
    connectionLostMs: config.connectionLostMs,
    uploadBacklogMs: config.uploadBacklogMs,
    lastHeardMs: (sessionId) => health.lastHeardMs(sessionId),
  });
  // Review after the exam: decisions re-judge the risk score; state changes go out live.
  const review = new ReviewService(db, clock, bus, { rederive, live: emitLive });
  const reports = new SessionReportService(db, clock);

  // Detection: flags and risk always; server analysis of snapshots when enabled.
  // Queued wherever snapshots arrive (DETECTION_ENABLED), run as jobs where the worker role runs.
  const analyses = new AnalysisQueue(db, jobQueue);
  const scheduler = config.detection.enabled
    ? new AnalysisScheduler(db, clock, analyses, {
        bounds: config.detection.queueBounds ?? DEFAULT_QUEUE_BOUNDS,
        onShed: (shed) => {
          metrics.recorder.analysesShed(shed.snapshotSeqs.length);
          log.warn(shed, 'snapshot analyses shed: analysis is behind, the queue is at its bound');
        },
      })
    : undefined;
  const analysis =
    detector && new SnapshotAnalysisService(db, clock, blobs, detector, analyses, a.keyring);
  // Check-in face photos are judged before they are stored (and on request, nothing stored).
  const faces = new FacePhotoChecker(db, clock, detector);

  // A detector accommodation re-judges flags in its own transaction (moot ones are withdrawn).
  const accommodations = new AccommodationService(db, clock, (tx, change) =>
    flagService.judgeRulesChange(tx, change),
  );
  // Told of stored snapshots: live thumbnails, and server analysis when it is on.
  const recording = new RecordingService(db, clock, blobs, {
    ingestGraceMs: config.ingestGraceMs,
    onSnapshotStored: async (snapshot) => {
      health.snapshotStored(snapshot);
      await scheduler
        ?.snapshotStored(snapshot)
        .catch((err: unknown) => logError(err, 'scheduling a snapshot analysis failed'));
    },
    // A refused upload is evidence (an unreadable snapshot, a lost segment): judge again.
    onRefused: rederive,
    checkFacePhoto: (session, sha256, bytes) => faces.assertUpload(session, sha256, bytes),
    onUploaded: (session, upload) => {
      metrics.recorder.uploadStored(upload.target, upload.name, upload.bytes);
      health.uploaded(
        session,
        upload.target === 'media' && (upload.name === 'webcam' || upload.name === 'screen')
          ? upload.name
          : undefined,
      );
    },
  });
  const playback = new RecordingPlaybackService(db, clock, blobs);
  const sessionEvents = new SessionEventService(
    db,
    clock,
    async (sessionId, events) => {
      metrics.recorder.clientEventsStored(events);
      await scheduler
        ?.clientEventsStored(sessionId, events)
        .catch((err: unknown) => logError(err, 'scheduling snapshot analyses failed'));
      const receivedMs = clock.now().getTime();
      // A clean stream of browser snapshot reports re-judges nothing until the server has
      // analysed one of those snapshots (most are never analysed): one read instead of a
      // full re-judgement per report.
      const needs = rejudgingNeeds(events, receivedMs);
      if (needs.always || (await anyAnalysed(db, sessionId, needs.reportedSnapshots))) {
        await rederive(sessionId);
      }
    },
    (session) => health.uploaded(session),
    config.ingestGraceMs,
  );

  // "Forgot password" sends its links through the mailer, only when there is one.
  const passwordResets = new PasswordResetService(db, clock, {
    mailer,
    publicUrl: config.publicUrl,
    linkMinutes: config.passwordResetMinutes,
    onError: logError,
  });
  // Self sign-up verifies addresses by mailed links with SMTP; without, an admin approves.
  const signup = new SignupService(db, clock, auth, {
    mailer,
    publicUrl: config.publicUrl,
    onError: logError,
  });
  // Notifications: webhooks always, e-mail with SMTP. Deliveries are sent by jobs (any
  // process adds them; the worker role works them, see loops.ts).
  const notify = config.notifications;
  const outbox = new NotificationOutbox(db);
  const attempts = new DeliveryAttempts(db, mailer, () => clock.now());
  const retries = { retryBaseMs: notify.retryBaseMs, maxAttempts: notify.maxAttempts };
  const dispatch = (ids: readonly number[]) =>
    dispatchDeliveries(jobQueue, ids, retries).catch((err: unknown) =>
      logError(err, 'notification jobs not added; the delivery sweep adds them'),
    );
  const webhooks = new WebhookService(db, clock, outbox, {
    allowHttp: notify.allowHttpWebhooks,
    dispatch,
  });
  const notifier = new Notifier(db, {
    outbox,
    clock,
    emailEnabled: mailer !== undefined,
    publicUrl: config.publicUrl.replace(/\/+$/, ''),
    dispatch,
    onError: logError,
  });

  // Data exports (subject access): requested here, written by privacy.export jobs (loops.ts).
  const dataExports = new DataExportService(db, clock, blobs, (id) =>
    dispatchExport(jobQueue, id).catch((err: unknown) =>
      logError(err, 'data export job not added; the export sweep adds it'),
    ),
  );

  return {
    metrics,
    liveHub,
    dataExports,
    exportRuns: new ExportRuns(db, clock, blobs),
    liveAccess: new LiveAccess(db),
    userAdmin: new UserAdminService(db),
    retention: new RetentionService({ db, blobs, clock }, (rule, sessions, bytes) =>
      metrics.recorder.retentionDeleted(rule, sessions, bytes),
    ),
    legalHolds: new LegalHoldService(db, clock),
    auditLog: new AuditLog(db, clock),
    systemStatus: new SystemStatusService(db, clock, {
      enabled: config.detection.enabled,
      workers: config.detection.workers,
      nice: config.detection.nice ?? 0,
    }),
    systemJobs: new SystemJobsService(db, clock, jobQueue),
    auth,
    mfa,
    webauthn: new WebAuthnService(db, clock, mfa),
    oidc,
    lti,
    ltiServices,
    exams,
    registrations,
    accommodations,
    questions,
    tokens,
    liveFeed,
    emitLive,
    hands,
    health,
    sessions,
    rtcLinks,
    rtcSignalling: new RtcSignalling(db, clock, bus, rtcLinks),
    answers,
    grading: new GradingService(db, clock, (sessionId) =>
      ltiServices.grades.scoreChanged(sessionId).then(
        () => undefined,
        (err: unknown) => logError(err, 'LMS grade not re-queued after grading'),
      ),
    ),
    questionMarks: new QuestionMarkService(db, clock, emitLive),
    flagService,
    liveDashboard: new LiveDashboardService(db, clock, liveFeed, health),
    alerts: new AlertService(db, clock, emitLive),
    notes: new NoteService(db, clock),
    interventions,
    chat: new ChatService(db, clock, new ChatRateLimiter(a.rateCounter, config.chatRateLimit), {
      emit: emitLive,
      transient: (inputs) =>
        liveFeed.publishTransient(inputs).catch((err: unknown) => logError(err, 'chat not sent')),
    }),
    staffTools: new StaffToolsService(db, clock, emitLive),
    rederive,
    evidence,
    review,
    reports,
    analyses,
    analysis,
    faces,
    recording,
    playback,
    sessionEvents,
    passwordResets,
    signup,
    outbox,
    attempts,
    retries,
    webhooks,
    notifier,
  };
}

/**
 * Prometheus metrics (metrics/): services report through its recorder, GET /metrics reads
 * it. `shared`: this process reports the deployment-wide state (the jobs process);
 * `openSockets` is read at scrape time.
 */
export function createMetrics(
  config: Config,
  a: Adapters,
  shared: boolean,
  openSockets: () => LiveHub['sizes'],
  onError: (err: unknown, msg: string) => void,
): ServerMetrics {
  return createServerMetrics({
    clock: a.clock,
    database: a.database,
    openSockets,
    shared,
    blobDir: config.blobStore === 's3' ? undefined : config.blobDir,
    cacheMs: config.metrics.cacheMs,
    jobs: a.jobQueue,
    onError,
  });
}

/** Everything `buildServices` made. */
export type Services = ReturnType<typeof buildServices>;
