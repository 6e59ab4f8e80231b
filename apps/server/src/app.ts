import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import {
  type ZodTypeProvider,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { ErrorBody } from '@invigil/contracts';
import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import { openDatabase } from './db/open-database.js';
import { LocalDiskBlobStore } from './adapters/local-disk.blob-store.js';
import { systemClock, type Clock } from './ports/clock.port.js';
import { startDeadlineSweeper } from './jobs/deadline-sweeper.js';
import { AccommodationService } from './services/accommodations.service.js';
import { AnswerService } from './services/answers.service.js';
import { AuthService } from './services/auth.service.js';
import { ExamService } from './services/exams.service.js';
import { RegistrationService } from './services/registrations.service.js';
import { SessionService } from './services/sessions.service.js';
import { QuestionService } from './services/questions.service.js';
import { RecordingPlaybackService } from './services/recording-playback.service.js';
import { RecordingService } from './services/recording.service.js';
import { SessionEventService } from './services/session-events.service.js';
import { TokenService } from './services/tokens.service.js';
import { registerAuthHook, SESSION_COOKIE } from './http/auth-hook.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerInputGuards } from './http/input-guards.js';
import { answerRoutes } from './http/answers/routes.js';
import { auditRoutes } from './http/audit/routes.js';
import { probeRoutes } from './http/probe/routes.js';
import { authRoutes } from './http/auth/routes.js';
import { examRoutes } from './http/exams/routes.js';
import { healthRoutes } from './http/health/routes.js';
import { questionRoutes } from './http/questions/routes.js';
import { recordingRoutes } from './http/recording/routes.js';
import { registrationRoutes } from './http/registrations/routes.js';
import { sessionRoutes } from './http/sessions/routes.js';
import { tokenRoutes } from './http/tokens/routes.js';
import { userRoutes } from './http/users/routes.js';

/** A running application: the HTTP server and the resources it owns. */
export interface InvigilApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  /** Stop accepting requests, then release the database. */
  close(): Promise<void>;
}

/** Overrides for tests: a controllable clock, an already-open database. */
export interface AppOverrides {
  clock?: Clock;
  database?: Database;
}

/**
 * The composition root: builds the adapters named by `config`, hands each service the
 * ports it needs, and mounts the HTTP routes. Nothing else chooses a backend.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<InvigilApp> {
  const clock = overrides.clock ?? systemClock;
  mkdirSync(config.blobDir, { recursive: true });
  const database = overrides.database ?? (await openDatabase(config.database));
  if (!overrides.database) await database.migrate();
  const { db } = database;

  const auth = new AuthService(db, clock, {
    sessionTtlHours: config.sessionTtlHours,
    lockoutThreshold: config.loginLockoutThreshold,
    lockoutMinutes: config.loginLockoutMinutes,
  });
  const exams = new ExamService(db, clock);
  const registrations = new RegistrationService(db, clock);
  const sessions = new SessionService(db, clock);
  const questions = new QuestionService(db);
  const answers = new AnswerService(db, clock);
  const accommodations = new AccommodationService(db, clock);
  const tokens = new TokenService(db, clock);
  const blobs = await LocalDiskBlobStore.open(config.blobDir);
  const recording = new RecordingService(db, clock, blobs);
  const playback = new RecordingPlaybackService(db, clock, blobs);
  const sessionEvents = new SessionEventService(db, clock);

  const app = Fastify({
    logger: { level: config.logLevel },
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    bodyLimit: 1_048_576,
    maxParamLength: 1000,
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
  registerInputGuards(app);
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
      },
    },
    hsts: config.publicUrl.startsWith('https:'),
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
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

  registerAuthHook(app, auth);
  await app.register(healthRoutes, { database });
  await app.register(authRoutes, {
    db,
    auth,
    cookieSecure: config.cookieSecure,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
  });
  await app.register(userRoutes, { db });
  await app.register(tokenRoutes, { tokens });
  await app.register(examRoutes, { exams });
  await app.register(registrationRoutes, { registrations, accommodations });
  await app.register(sessionRoutes, { sessions });
  await app.register(recordingRoutes, { recording, playback, events: sessionEvents });
  await app.register(questionRoutes, { questions });
  await app.register(answerRoutes, { answers });
  await app.register(auditRoutes, { db });
  await app.register(probeRoutes);

  const indexHtml = path.join(config.webDistDir, 'index.html');
  const hasWeb = existsSync(indexHtml);
  if (hasWeb) {
    await app.register(fastifyStatic, { root: config.webDistDir, index: false });
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html').sendFile('index.html'),
    );
  } else {
    app.log.warn({ webDistDir: config.webDistDir }, 'web app not built; serving the API only');
  }
  app.setNotFoundHandler((req, reply) => {
    const isApi = req.url.startsWith('/api/') || req.url === '/api';
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

  const sweeper = startDeadlineSweeper(db, clock, config.deadlineSweepMs, (err) =>
    app.log.error({ err }, 'deadline sweep failed'),
  );

  return {
    app,
    database,
    config,
    close: async () => {
      await app.close();
      await sweeper.stop();
      if (!overrides.database) await database.close();
    },
  };
}
