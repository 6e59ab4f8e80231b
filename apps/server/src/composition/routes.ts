import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { assetDirs, voiceAssetDirs } from '@invigil/detection/node';
import { NotificationEvent, type ErrorBody } from '@invigil/contracts';
import type { Config } from '../config/config.js';
import { registerAuthHook } from '../http/auth-hook.js';
import { answerRoutes } from '../http/answers/routes.js';
import { auditRoutes } from '../http/audit/routes.js';
import { authRoutes } from '../http/auth/routes.js';
import { oidcRoutes } from '../http/oidc/routes.js';
import { ltiDeepLinkRoutes } from '../http/lti/deep-link.routes.js';
import { ltiLaunchRoutes } from '../http/lti/launch.routes.js';
import { ltiPlatformRoutes } from '../http/lti/platforms.routes.js';
import { examLtiRoutes } from '../http/lti/exam-lti.routes.js';
import { ltiRegistrationRoutes } from '../http/lti/registration.routes.js';
import { signupVerificationRoutes } from '../http/auth/signup-verification.routes.js';
import { chatRoutes } from '../http/chat/routes.js';
import { detectionAssetRoutes } from '../http/detection-assets/routes.js';
import { detectionQualityRoutes } from '../http/detection-quality/routes.js';
import { voiceAssetRoutes } from '../http/detection-assets/voice-routes.js';
import { examRoutes } from '../http/exams/routes.js';
import { flagRoutes } from '../http/flags/routes.js';
import { gradingRoutes } from '../http/grading/routes.js';
import { handRoutes } from '../http/hands/routes.js';
import { healthRoutes } from '../http/health/routes.js';
import { interventionRoutes } from '../http/interventions/routes.js';
import { staffToolRoutes } from '../http/interventions/staff-tools.routes.js';
import { liveGateway } from '../http/live/gateway.js';
import { mfaRoutes } from '../http/mfa/routes.js';
import { liveRoutes } from '../http/live/routes.js';
import { privacyRoutes } from '../http/privacy/routes.js';
import { probeRoutes } from '../http/probe/routes.js';
import { questionMarkRoutes } from '../http/question-marks/routes.js';
import { questionRoutes } from '../http/questions/routes.js';
import { faceCheckRoutes } from '../http/recording/face-check-routes.js';
import { recordingRoutes } from '../http/recording/routes.js';
import { registrationRoutes } from '../http/registrations/routes.js';
import { retentionRoutes } from '../http/retention/routes.js';
import { reviewRoutes } from '../http/review/routes.js';
import { rtcRoutes } from '../http/rtc/routes.js';
import { sessionRoutes } from '../http/sessions/routes.js';
import { systemRoutes } from '../http/system/routes.js';
import { tokenRoutes } from '../http/tokens/routes.js';
import { userRoutes } from '../http/users/routes.js';
import { webhookRoutes } from '../http/webhooks/routes.js';
import { registerWriteRateLimit } from '../http/write-rate-limit.js';
import { loadDetectorQualities } from '../services/detection/detector-quality.js';
import type { Adapters } from './adapters.js';
import type { Services } from './services.js';

/**
 * Mount the routes of this process's roles (ROLES, see roles.ts): `api` every REST route but
 * uploads and the web app, `ingest` uploads and event batches, `ws` the live socket. Health,
 * readiness and metrics are always there.
 */
export async function registerRoutes(
  app: FastifyInstance,
  config: Config,
  a: Adapters,
  s: Services,
): Promise<void> {
  const { clock } = a;
  registerAuthHook(app, s.auth);
  // After the auth hook (the caller is known), before every route: writes per user.
  registerWriteRateLimit(app, { max: config.writeRateLimitPerMinute, windowMs: 60_000 });
  await app.register(healthRoutes, {
    database: a.database,
    // A key that is never written: the store answers (reachable, credentials good) or throws.
    probes: [
      { name: 'blob store', check: async () => void (await a.blobs.head('readyz/probe')) },
      { name: 'job queue', check: async () => void (await a.jobQueue.counts('recording.check')) },
    ],
  });
  s.metrics.mount(app, config.host, config.metrics);
  const serves = config.roles;
  if (serves.has('api')) await registerApi(app, config, a, s);
  // Uploads (ingest) and the reads of what was recorded (api) share one route module.
  await app.register(recordingRoutes, {
    recording: s.recording,
    playback: s.playback,
    events: s.sessionEvents,
    serve: { ingest: serves.has('ingest'), read: serves.has('api') },
  });
  if (serves.has('ingest')) await app.register(probeRoutes);
  if (serves.has('ws')) {
    await app.register(liveGateway, {
      access: s.liveAccess,
      clock,
      auth: s.auth,
      feed: s.liveFeed,
      hub: s.liveHub,
      health: s.health,
      links: s.rtcLinks,
      signalling: s.rtcSignalling,
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
  await registerWebApp(app, config, serves.has('api'));
}

/** The REST API of the `api` role. */
async function registerApi(app: FastifyInstance, config: Config, a: Adapters, s: Services) {
  const { clock } = a;
  const notify = config.notifications;
  await app.register(authRoutes, {
    users: s.userAdmin,
    auth: s.auth,
    passwordResets: s.passwordResets,
    signup: s.signup,
    cookieSecure: config.cookieSecure,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
    apiTokenDays: config.apiTokenDays,
    sso: config.oidc ? { label: config.oidc.buttonLabel } : null,
  });
  await app.register(oidcRoutes, {
    oidc: s.oidc,
    cookieSecure: config.cookieSecure,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
  });
  // LTI 1.3: admin registrations (API) and the launch pages learning platforms open.
  await app.register(ltiPlatformRoutes, {
    platforms: s.lti.platforms,
    toolKeys: s.lti.toolKeys,
    publicUrl: config.publicUrl,
  });
  await app.register(ltiLaunchRoutes, {
    launch: s.lti.launch,
    toolKeys: s.lti.toolKeys,
    cookieSecure: config.cookieSecure,
    // A whole class behind one campus address launches at the start of an exam; each launch
    // is a signed, single-use token, so far more than password sign-ins are allowed.
    launchRateLimitPerMinute: config.loginRateLimitPerMinute * 30,
  });
  await app.register(ltiDeepLinkRoutes, { deepLinking: s.lti.deepLinking });
  await app.register(ltiRegistrationRoutes, {
    registration: s.ltiServices.registration,
    publicUrl: config.publicUrl,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
  });
  await app.register(examLtiRoutes, {
    db: a.db,
    roster: s.ltiServices.roster,
    grades: s.ltiServices.grades,
  });
  await app.register(userRoutes, { users: s.userAdmin });
  await app.register(privacyRoutes, { exports: s.dataExports });
  await app.register(mfaRoutes, {
    db: a.db,
    clock,
    mfa: s.mfa,
    webauthn: s.webauthn,
    publicUrl: config.publicUrl,
    production: config.env === 'production',
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
  });
  await app.register(signupVerificationRoutes, {
    signup: s.signup,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
  });
  await app.register(retentionRoutes, { retention: s.retention, holds: s.legalHolds });
  await app.register(tokenRoutes, { tokens: s.tokens });
  await app.register(examRoutes, { exams: s.exams });
  await app.register(registrationRoutes, {
    registrations: s.registrations,
    accommodations: s.accommodations,
  });
  await app.register(sessionRoutes, { sessions: s.sessions });
  await app.register(faceCheckRoutes, { faces: s.faces });
  await app.register(questionRoutes, { questions: s.questions });
  await app.register(answerRoutes, { answers: s.answers });
  await app.register(gradingRoutes, { grading: s.grading, answers: s.answers });
  await app.register(questionMarkRoutes, { marks: s.questionMarks });
  await app.register(flagRoutes, { flags: s.flagService });
  await app.register(liveRoutes, {
    dashboard: s.liveDashboard,
    alerts: s.alerts,
    notes: s.notes,
  });
  await app.register(rtcRoutes, { clock, links: s.rtcLinks, rtc: config.rtc });
  await app.register(interventionRoutes, { interventions: s.interventions });
  await app.register(chatRoutes, { chat: s.chat });
  await app.register(handRoutes, { hands: s.hands });
  await app.register(staffToolRoutes, { staffTools: s.staffTools });
  await app.register(reviewRoutes, { review: s.review, reports: s.reports });
  await app.register(auditRoutes, { audit: s.auditLog });
  await app.register(systemRoutes, { status: s.systemStatus, jobs: s.systemJobs });
  await app.register(detectionAssetRoutes, { dirs: assetDirs() });
  await app.register(detectionQualityRoutes, {
    qualities: await loadDetectorQualities(undefined, (m) =>
      app.log.warn(`detector quality: ${m}`),
    ),
  });
  await app.register(voiceAssetRoutes, { dirs: voiceAssetDirs() });
  await app.register(webhookRoutes, {
    webhooks: s.webhooks,
    settings: () => ({
      emailEnabled: a.mailer !== undefined,
      emailFrom: a.mailer ? (notify.smtpFrom ?? null) : null,
      allowHttpWebhooks: notify.allowHttpWebhooks,
      events: NotificationEvent.options,
    }),
  });
}

/** The built web app (with the `api` role), and 404 in our shape for everything else. */
async function registerWebApp(app: FastifyInstance, config: Config, api: boolean) {
  const indexHtml = path.join(config.webDistDir, 'index.html');
  const hasWeb = api && existsSync(indexHtml);
  if (hasWeb) {
    await app.register(fastifyStatic, { root: config.webDistDir, index: false });
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html').sendFile('index.html'),
    );
  } else if (api) {
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
}
