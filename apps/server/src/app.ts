import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import { assetDirs } from '@invigil/detection/node';
import {
  type ZodTypeProvider,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { NotificationEvent, type ErrorBody } from '@invigil/contracts';
import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import { openDatabase } from './db/open-database.js';
import { openBlobStore } from './adapters/open-blob-store.js';
import { openJobQueue } from './adapters/open-job-queue.js';
import type { JobQueue } from './ports/job-queue.port.js';
import { systemClock, type Clock } from './ports/clock.port.js';
import { startDeadlineSweeper } from './jobs/deadline-sweeper.js';
import { startAnalysisRunner, type AnalysisRunner } from './jobs/analysis-runner.js';
import { startFlagSweeper } from './jobs/flag-sweeper.js';
import { startEvidenceWatchdog } from './jobs/evidence-watchdog.js';
import { startLivePrune } from './jobs/live-prune.js';
import { startRtcSweep } from './jobs/rtc-sweep.js';
import { startHandSweep } from './jobs/hand-sweep.js';
import { startSystemSampler } from './jobs/system-sampler.js';
import { InProcessEventBus } from './adapters/in-process.event-bus.js';
import { RedisEventBus } from './adapters/redis.event-bus.js';
import { ClusterEventBus, workerProcessLink } from './adapters/cluster.event-bus.js';
import { WorkerPoolDetector } from './adapters/worker-pool.detector.js';
import type { Detector } from './ports/detector.port.js';
import type { EventBus } from './ports/event-bus.port.js';
import { AnalysisQueue } from './services/analysis-queue.js';
import { AnalysisScheduler } from './services/analysis-scheduler.js';
import { AnalysisPace } from './services/analysis-pace.js';
import { DEFAULT_QUEUE_BOUNDS } from './services/analysis-shedding.js';
import { rejudgingNeeds } from './services/detection-event-data.js';
import { anyAnalysed } from './services/analysed-snapshots.js';
import { FlagService } from './services/flags.service.js';
import { EvidenceWatchdog } from './services/evidence-watchdog.service.js';
import { InterventionService } from './services/interventions.service.js';
import { ChatService } from './services/chat.service.js';
import { ChatRateLimiter } from './services/chat-rate-limit.js';
import { MemoryRateCounter } from './adapters/memory.rate-counter.js';
import { connectRateLimitRedis, RedisRateCounter } from './adapters/redis.rate-counter.js';
import { HandService } from './services/hands.service.js';
import { afterSessionEnds } from './services/session-ended.js';
import { StaffToolsService } from './services/staff-tools.service.js';
import { ReviewService } from './services/review.service.js';
import { SessionReportService } from './services/session-report.js';
import { LiveFeed } from './services/live-feed.service.js';
import { AlertService } from './services/alerts.service.js';
import { LiveDashboardService } from './services/live-dashboard.service.js';
import { RtcLinkService } from './services/rtc-links.service.js';
import { RtcSignalling } from './services/rtc-signalling.js';
import { NoteService } from './services/notes.service.js';
import { SessionHealthTracker } from './services/session-health.js';
import { SnapshotAnalysisService } from './services/snapshot-analysis.service.js';
import { AccommodationService } from './services/accommodations.service.js';
import { AnswerService } from './services/answers.service.js';
import { GradingService } from './services/grading.service.js';
import { QuestionMarkService } from './services/question-marks.service.js';
import { AuthService } from './services/auth.service.js';
import { PasswordResetService } from './services/password-reset.service.js';
import { ExamService } from './services/exams.service.js';
import { RegistrationService } from './services/registrations.service.js';
import { SessionService } from './services/sessions.service.js';
import { QuestionService } from './services/questions.service.js';
import { RecordingPlaybackService } from './services/recording-playback.service.js';
import { RecordingService } from './services/recording.service.js';
import { FacePhotoChecker } from './services/face-photo-check.js';
import { SessionEventService } from './services/session-events.service.js';
import { TokenService } from './services/tokens.service.js';
import { registerAuthHook, SESSION_COOKIE } from './http/auth-hook.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerInputGuards } from './http/input-guards.js';
import { registerWriteRateLimit } from './http/write-rate-limit.js';
import { answerRoutes } from './http/answers/routes.js';
import { gradingRoutes } from './http/grading/routes.js';
import { questionMarkRoutes } from './http/question-marks/routes.js';
import { auditRoutes } from './http/audit/routes.js';
import { systemRoutes } from './http/system/routes.js';
import { flagRoutes } from './http/flags/routes.js';
import { liveGateway } from './http/live/gateway.js';
import { LiveHub } from './http/live/live-hub.js';
import { liveRoutes } from './http/live/routes.js';
import { rtcRoutes } from './http/rtc/routes.js';
import { interventionRoutes } from './http/interventions/routes.js';
import { chatRoutes } from './http/chat/routes.js';
import { handRoutes } from './http/hands/routes.js';
import { staffToolRoutes } from './http/interventions/staff-tools.routes.js';
import { reviewRoutes } from './http/review/routes.js';
import { probeRoutes } from './http/probe/routes.js';
import { detectionAssetRoutes } from './http/detection-assets/routes.js';
import { authRoutes } from './http/auth/routes.js';
import { examRoutes } from './http/exams/routes.js';
import { healthRoutes } from './http/health/routes.js';
import { questionRoutes } from './http/questions/routes.js';
import { recordingRoutes } from './http/recording/routes.js';
import { faceCheckRoutes } from './http/recording/face-check-routes.js';
import { registrationRoutes } from './http/registrations/routes.js';
import { sessionRoutes } from './http/sessions/routes.js';
import { tokenRoutes } from './http/tokens/routes.js';
import { userRoutes } from './http/users/routes.js';
import { webhookRoutes } from './http/webhooks/routes.js';
import type { Mailer } from './ports/mailer.port.js';
import { DeliveryAttempts } from './services/notifications/attempt.js';
import { Notifier } from './services/notifications/notifier.js';
import { NotificationOutbox } from './services/notifications/outbox.js';
import { WebhookService } from './services/notifications/webhooks.service.js';
import { dispatchDeliveries, startDeliveryWorker } from './jobs/notification-delivery.js';
import { createServerMetrics } from './metrics/server-metrics.js';
import { readQueueCounts } from './metrics/state-queries.js';

/** A running application: the HTTP server and the resources it owns. */
export interface InvigilApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  /** Where flag and risk changes are published (live dashboards subscribe here). */
  bus: EventBus;
  /** The evidence watchdog its job runs every EVIDENCE_SWEEP_SECONDS (tests sweep it directly). */
  evidence: EvidenceWatchdog;
  /** The background job queue (dead letters and counts for the system page; tests). */
  jobs: JobQueue;
  /** Stop accepting requests, then release the database. */
  close(): Promise<void>;
}

/**
 * Overrides for tests: a controllable clock, an already-open database, a detector shared
 * between servers (its models load once), an event bus to listen on. What is passed in is
 * not closed by the app.
 */
export interface AppOverrides {
  clock?: Clock;
  database?: Database;
  detector?: Detector;
  bus?: EventBus;
}

/** What this process is within a deployment (see cluster/primary.ts). */
export interface ProcessRole {
  /**
   * Run the background loops (sweepers, watchdog, analysis, notifications). Exactly one
   * process of a machine's cluster does; every process serves HTTP and live sockets.
   */
  jobs: boolean;
  /**
   * A worker of `invigil start` with WORKERS > 1: without Redis, live messages cross via the
   * primary, and the primary owns the embedded PostgreSQL (a worker attaches, never stops it).
   */
  clusterWorker: boolean;
}

/** A single process that does everything (the default). */
export const SOLE_PROCESS: ProcessRole = { jobs: true, clusterWorker: false };

/**
 * The composition root: builds the adapters named by `config`, hands each service the
 * ports it needs, and mounts the HTTP routes. Nothing else chooses a backend.
 */
export async function createApp(
  config: Config,
  overrides: AppOverrides = {},
  role: ProcessRole = SOLE_PROCESS,
): Promise<InvigilApp> {
  const clock = overrides.clock ?? systemClock;
  // The background loops run here if this process is the jobs process of its machine and
  // has the worker role (ROLES); otherwise another process runs them.
  const runsJobs = role.jobs && config.roles.has('worker');
  mkdirSync(config.blobDir, { recursive: true });
  const database =
    overrides.database ??
    (await openDatabase(config.database, { ownEmbedded: !role.clusterWorker }));
  if (!overrides.database) await database.migrate();
  const { db } = database;

  const auth = new AuthService(db, clock, {
    sessionTtlHours: config.sessionTtlHours,
    lockoutThreshold: config.loginLockoutThreshold,
    lockoutMinutes: config.loginLockoutMinutes,
  });
  const exams = new ExamService(db, clock);
  const registrations = new RegistrationService(db, clock);
  const questions = new QuestionService(db);
  const tokens = new TokenService(db, clock);
  const blobs = await openBlobStore(config);

  // Detection: flags and risk always; server analysis of snapshots when enabled.
  let logError = (_err: unknown, _msg: string): void => undefined;
  const reportBusError = (err: unknown, topic: string) => logError(err, `${topic} bus failure`);
  const bus =
    overrides.bus ??
    (config.redisUrl
      ? await RedisEventBus.connect(config.redisUrl, reportBusError)
      : role.clusterWorker
        ? new ClusterEventBus(workerProcessLink(), reportBusError)
        : new InProcessEventBus(reportBusError));
  // Background jobs shared by every process (the database's table, or BullMQ on Redis).
  const jobQueue = await openJobQueue(config, db, (err) => logError(err, 'job queue failure'));
  // Rate limits shared by every process when Redis is configured (one limit, not one per process).
  const rateRedis = config.redisUrl ? await connectRateLimitRedis(config.redisUrl) : undefined;
  const rateCounter = rateRedis ? new RedisRateCounter(rateRedis) : new MemoryRateCounter(clock);
  // Prometheus metrics (metrics/): services report through callbacks; GET /metrics reads them.
  const metrics = createServerMetrics({
    clock,
    database,
    openSockets: () => liveHub.sizes,
    shared: runsJobs,
    blobDir: config.blobStore === 's3' ? undefined : config.blobDir,
    cacheMs: config.metrics.cacheMs,
    // Deliveries run on the job queue, so its counts are theirs (the outbox table is the log).
    readQueues: async (now) => ({
      ...(await readQueueCounts(db, now)),
      'notification.delivery': await jobQueue.counts('notification.delivery'),
    }),
    onError: (err, msg) => logError(err, msg),
  });
  const liveHub = new LiveHub(bus, (message) => metrics.recorder.staffMessageSent(message));
  // The replayable live feed (dashboards, the student's page); emits never fail a committed change.
  const liveFeed = new LiveFeed(db, clock, bus);
  const emitStored = liveFeed.emitter((err) => logError(err, 'live message not sent'));
  // Raised hands and live links close when the attempt ends: every end goes out as session.state.
  const hands = new HandService(
    db,
    clock,
    (inputs) => emitLive(inputs),
    new ChatRateLimiter(rateCounter, config.chatRateLimit, {
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
  const detector = config.detection.enabled
    ? (overrides.detector ??
      new WorkerPoolDetector({
        size: config.detection.workers,
        interactiveSize: config.detection.interactiveWorkers ?? 1,
        nice: config.detection.nice ?? 0,
        onPriority: (outcome, worker) =>
          app.log[outcome.applied ? 'info' : 'debug'](
            { ...outcome, ...worker },
            'detector worker priority',
          ),
      }))
    : undefined;
  const queue = new AnalysisQueue(db);
  let runner: AnalysisRunner | undefined;
  const scheduler =
    detector &&
    new AnalysisScheduler(db, clock, queue, {
      bounds: config.detection.queueBounds ?? DEFAULT_QUEUE_BOUNDS,
      onQueued: () => runner?.kick(),
      onShed: (shed) => {
        metrics.recorder.analysesShed(shed.snapshotSeqs.length);
        app.log.warn(shed, 'snapshot analyses shed: analysis is behind, the queue is at its bound');
      },
    });
  const analysis = detector && new SnapshotAnalysisService(db, clock, blobs, detector, queue);
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

  const app = Fastify({
    logger: { level: config.logLevel },
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    bodyLimit: 1_048_576,
    routerOptions: { maxParamLength: 1000 },
    // Malformed URLs and over-long parameters fail before routing; answer them in our shape too.
    frameworkErrors: (error, req, reply) => {
      const body: ErrorBody = {
        code: 'VALIDATION_FAILED',
        message: `The request URL is malformed (${error.message})`,
        correlationId: String(req.id),
      };
      void (reply as unknown as FastifyReply).status(400).send(body);
    },
  });
  // Only JSON bodies are accepted; anything else is 415 rather than a confusing 400.
  app.removeContentTypeParser('text/plain');
  logError = (err, msg) => app.log.error({ err }, msg);
  registerInputGuards(app);
  metrics.instrument(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-correlation-id', req.id);
  });
  registerErrorHandling(app);

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        'upgrade-insecure-requests': config.publicUrl.startsWith('https:') ? [] : null,
        // An exam's external page (any https site) may be shown inside the student's exam page.
        'frame-src': ["'self'", 'https:'],
        // The browser's detectors compile WebAssembly (tfjs wasm backend) and run in module
        // workers, some started from blob: URLs; models and binaries come from our origin.
        'script-src': ["'self'", "'wasm-unsafe-eval'"],
        'worker-src': ["'self'", 'blob:'],
      },
    },
    hsts: config.publicUrl.startsWith('https:'),
  });
  await app.register(fastifyCookie);
  // Before any route: its onRoute hook lets GET routes carry a WebSocket handler (GET /api/live).
  // Above the gateway's own 128 KiB frame limit, so an oversized message gets an answer.
  await app.register(fastifyWebsocket, { options: { maxPayload: 256 * 1024 } });
  await app.register(fastifyRateLimit, {
    global: false,
    // While Redis is away requests are let through rather than refused: sign-in stays
    // limited by the account lockout in the database, and an exam never stops for a counter.
    ...(rateRedis && { redis: rateRedis, nameSpace: 'invigil:rl:', skipOnError: true }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Invigil API',
        version: '0.1.0',
        description:
          'Exam registration, accounts and proctoring. Browser sessions use a cookie and send ' +
          '`x-csrf-token` on every mutation; integrations use `Authorization: Bearer <token>`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      // Public routes need no credentials; say so instead of inheriting the global requirement.
      if (input.route.config?.auth === 'public')
        return { ...out, schema: { ...out.schema, security: [] } };
      return out;
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/openapi.json',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['docs'],
        summary: 'This OpenAPI 3.1 document',
        response: { 200: z.record(z.string(), z.unknown()) },
      },
    },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );

  // Notifications beyond the browser: webhooks always, e-mail when SMTP is configured.
  const notify = config.notifications;
  const mailer: Mailer | undefined =
    notify.smtpUrl && notify.smtpFrom
      ? await (
          await import('./adapters/smtp.mailer.js')
        ).SmtpMailer.create(notify.smtpUrl, notify.smtpFrom)
      : undefined;
  // "Forgot password" sends its links through the same mailer, only when there is one.
  const passwordResets = new PasswordResetService(db, clock, {
    mailer,
    publicUrl: config.publicUrl,
    linkMinutes: config.passwordResetMinutes,
    onError: (err, msg) => logError(err, msg),
  });
  const outbox = new NotificationOutbox(db);
  const attempts = new DeliveryAttempts(db, mailer, () => clock.now());
  // Deliveries are sent by jobs (any process adds them; the jobs process works them).
  const retries = { retryBaseMs: notify.retryBaseMs, maxAttempts: notify.maxAttempts };
  const dispatch = (ids: readonly number[]) =>
    dispatchDeliveries(jobQueue, ids, retries).catch((err: unknown) =>
      logError(err, 'notification jobs not added; the delivery sweep adds them'),
    );
  const sender = !runsJobs
    ? { stop: async () => undefined }
    : startDeliveryWorker(
        {
          queue: jobQueue,
          outbox,
          clock,
          retries,
          attempt: (delivery) => attempts.attempt(delivery),
          onDelivered: (d) => metrics.recorder.jobEnded('notification.delivery', d.createdAt),
          // Ids only: URLs may carry tokens and e-mail addresses are personal data.
          onGiveUp: (d, result) => {
            metrics.recorder.jobEnded('notification.delivery', d.createdAt, true);
            app.log.warn(
              { deliveryId: d.id, channel: d.channel, attempts: d.attempts, error: result.error },
              'notification given up',
            );
          },
          onError: (err) => app.log.error({ err }, 'notification sending failed'),
        },
        notify.pollMs,
      );
  const webhookService = new WebhookService(db, clock, outbox, {
    allowHttp: notify.allowHttpWebhooks,
    dispatch,
  });
  const notifier = new Notifier(db, {
    outbox,
    clock,
    emailEnabled: mailer !== undefined,
    publicUrl: config.publicUrl.replace(/\/+$/, ''),
    dispatch,
    onError: (err, msg) => logError(err, msg),
  });

  registerAuthHook(app, auth);
  // After the auth hook (the caller is known), before every route: writes per user.
  registerWriteRateLimit(app, { max: config.writeRateLimitPerMinute, windowMs: 60_000 });
  await app.register(healthRoutes, {
    database,
    // A key that is never written: the store answers (reachable, credentials good) or throws.
    probes: [
      { name: 'blob store', check: async () => void (await blobs.head('readyz/probe')) },
      { name: 'job queue', check: async () => void (await jobQueue.counts('recording.check')) },
    ],
  });
  metrics.mount(app, config.host, config.metrics);
  // What this process serves (ROLES, `invigil start --roles`): see roles.ts.
  const serves = config.roles;
  if (serves.has('api')) {
    await app.register(authRoutes, {
      db,
      auth,
      passwordResets,
      cookieSecure: config.cookieSecure,
      loginRateLimitPerMinute: config.loginRateLimitPerMinute,
    });
    await app.register(userRoutes, { db });
    await app.register(tokenRoutes, { tokens });
    await app.register(examRoutes, { exams });
    await app.register(registrationRoutes, { registrations, accommodations });
    await app.register(sessionRoutes, { sessions });
    await app.register(faceCheckRoutes, { faces });
    await app.register(questionRoutes, { questions });
    await app.register(answerRoutes, { answers });
    await app.register(gradingRoutes, { grading: new GradingService(db, clock), answers });
    await app.register(questionMarkRoutes, { marks: new QuestionMarkService(db, clock, emitLive) });
    await app.register(flagRoutes, { flags: flagService });
    await app.register(liveRoutes, {
      dashboard: new LiveDashboardService(db, clock, liveFeed, health),
      alerts: new AlertService(db, clock, emitLive),
      notes: new NoteService(db, clock),
    });
    await app.register(rtcRoutes, { db, clock, links: rtcLinks, rtc: config.rtc });
    await app.register(interventionRoutes, { interventions });
    await app.register(chatRoutes, {
      chat: new ChatService(db, clock, new ChatRateLimiter(rateCounter, config.chatRateLimit), {
        emit: emitLive,
        transient: (inputs) =>
          liveFeed.publishTransient(inputs).catch((err: unknown) => logError(err, 'chat not sent')),
      }),
    });
    await app.register(handRoutes, { hands });
    await app.register(staffToolRoutes, {
      staffTools: new StaffToolsService(db, clock, emitLive),
    });
    await app.register(reviewRoutes, { review, reports });
    await app.register(auditRoutes, { db });
    await app.register(systemRoutes, {
      db,
      clock,
      jobs: jobQueue,
      analysis: {
        enabled: config.detection.enabled,
        workers: config.detection.workers,
        nice: config.detection.nice ?? 0,
      },
    });
    await app.register(detectionAssetRoutes, { dirs: assetDirs() });
    await app.register(webhookRoutes, {
      webhooks: webhookService,
      settings: () => ({
        emailEnabled: mailer !== undefined,
        emailFrom: mailer ? (notify.smtpFrom ?? null) : null,
        allowHttpWebhooks: notify.allowHttpWebhooks,
        events: NotificationEvent.options,
      }),
    });
  }
  // Uploads (ingest) and the reads of what was recorded (api) share one route module.
  await app.register(recordingRoutes, {
    recording,
    playback,
    events: sessionEvents,
    serve: { ingest: serves.has('ingest'), read: serves.has('api') },
  });
  if (serves.has('ingest')) await app.register(probeRoutes);
  if (serves.has('ws')) {
    await app.register(liveGateway, {
      db,
      clock,
      auth,
      feed: liveFeed,
      hub: liveHub,
      health,
      links: rtcLinks,
      signalling: new RtcSignalling(db, clock, bus, rtcLinks),
      publicUrl: config.publicUrl,
      options: {
        ...(config.rtc.studentLeftGraceMs !== undefined && {
          studentLeftGraceMs: config.rtc.studentLeftGraceMs,
        }),
        ...(config.rtc.ownerLeftGraceMs !== undefined && {
          ownerLeftGraceMs: config.rtc.ownerLeftGraceMs,
        }),
      },
    });
  }

  const indexHtml = path.join(config.webDistDir, 'index.html');
  const hasWeb = serves.has('api') && existsSync(indexHtml);
  if (hasWeb) {
    await app.register(fastifyStatic, { root: config.webDistDir, index: false });
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html').sendFile('index.html'),
    );
  } else if (serves.has('api')) {
    app.log.warn({ webDistDir: config.webDistDir }, 'web app not built; serving the API only');
  }
  app.setNotFoundHandler((req, reply) => {
    const isApi =
      req.url.startsWith('/api/') ||
      req.url === '/api' ||
      // A missing model file must be a 404, not the web app's HTML.
      req.url.startsWith('/detection/');
    if (!isApi && hasWeb && req.method === 'GET') {
      // Client-side routes (/student, /admin/...) all load the single-page app.
      return reply.type('text/html').sendFile('index.html');
    }
    const body: ErrorBody = {
      code: 'ROUTE_NOT_FOUND',
      message: `No route ${req.method} ${req.url.split('?')[0]}`,
      correlationId: String(req.id),
    };
    return reply.status(404).send(body);
  });

  // Background loops run in one process only (ProcessRole.jobs); the others leave their work
  // in the database, where that process's polls find it.
  const startLoops = async (): Promise<() => Promise<void>> => {
    const sweeper = startDeadlineSweeper(
      db,
      clock,
      config.deadlineSweepMs,
      (err) => app.log.error({ err }, 'deadline sweep failed'),
      emitLive,
    );
    const livePrune = startLivePrune(liveFeed, health, clock, (err) =>
      app.log.error({ err }, 'pruning live messages failed'),
    );
    const stopNotifier = await notifier.start(bus);
    const rtcSweep = startRtcSweep(rtcLinks, (err) =>
      app.log.error({ err }, 'live link sweep failed'),
    );
    const handSweep = startHandSweep(hands, config.deadlineSweepMs, (err) =>
      app.log.error({ err }, 'closing raised hands of ended attempts failed'),
    );
    const flagSweeper = startFlagSweeper(flagService, config.flagSweepMs, (err) =>
      app.log.error({ err }, 'flag sweep failed'),
    );
    const evidenceSweeper = startEvidenceWatchdog(evidence, config.evidenceSweepMs, (err) =>
      app.log.error({ err }, 'evidence sweep failed'),
    );
    // Analysis takes the CPU ingest leaves over (the whole machine's, so cluster workers count).
    const pace = new AnalysisPace(analysis ? (config.detection.cpuLimitPercent ?? 100) : 100);
    if (analysis) {
      runner = startAnalysisRunner(
        {
          queue,
          clock,
          run: (job) => metrics.recorder.timeAnalysis(job.reason, () => analysis.run(job)),
          restMs: () => pace.restMs(),
          after: async (job, outcome) => {
            if (outcome !== 'analysed' && outcome !== 'failed') return;
            metrics.recorder.jobEnded('analysis.snapshot', job.createdAt, outcome === 'failed');
            // A failed analysis may be an unreadable snapshot: a flag of its own.
            await rederive(job.sessionId);
          },
          onError: (err) => app.log.error({ err }, 'snapshot analysis failed'),
        },
        config.detection.workers,
        config.detection.pollMs,
      );
    }

    return async () => {
      await sweeper.stop();
      await livePrune.stop();
      await handSweep.stop();
      await rtcSweep.stop();
      await flagSweeper.stop();
      await evidenceSweeper.stop();
      await stopNotifier();
      await runner?.stop();
      pace.stop();
    };
  };
  const stopLoops = runsJobs ? await startLoops() : async () => undefined;
  // Every process samples its own counters for the System page; the jobs process adds the
  // deployment-wide numbers (attempts, queues, blob disk) and prunes old samples.
  const sampler = startSystemSampler({
    db,
    clock,
    counters: metrics.instruments,
    shared: runsJobs
      ? { jobs: jobQueue, blobDir: config.blobStore === 's3' ? undefined : config.blobDir }
      : undefined,
    intervalMs: config.metrics.sampleMs,
    onError: (err, msg) => app.log.error({ err }, msg),
  });

  return {
    app,
    database,
    config,
    bus,
    evidence,
    jobs: jobQueue,
    close: async () => {
      health.stop();
      await app.close();
      metrics.close();
      await stopLoops();
      await sampler.stop();
      await sender.stop();
      await jobQueue.close();
      await passwordResets.settled();
      await mailer?.close();
      if (detector && !overrides.detector) await detector.close();
      if (!overrides.bus) await bus.close();
      await rateRedis?.quit().catch(() => rateRedis.disconnect());
      await blobs.close?.();
      if (!overrides.database) await database.close();
    },
  };
}
