import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  type ZodTypeProvider,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { ErrorBody } from '@invigil/contracts';
import type { Config } from '../config/config.js';
import { SESSION_COOKIE } from '../http/auth-hook.js';
import { registerErrorHandling } from '../http/error-handler.js';
import { registerInputGuards } from '../http/input-guards.js';

/**
 * The HTTP server before any route: logging, input guards, zod validation, error shape,
 * security headers, cookies, WebSockets, rate limits (in Redis when `rateRedis` is given)
 * and the OpenAPI document. `instrument` adds the metrics hooks at the point they see every
 * route.
 */
export async function createHttpServer(
  config: Config,
  rateRedis: Redis | undefined,
  instrument: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // A hop count trusts the nearest hops only (as proxy-addr's numeric trust does).
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.trustProxy)
        : config.trustProxy,
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
  registerInputGuards(app);
  instrument(app);
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
    // slowed by the sign-in throttle, kept in the database, and an exam never stops for a counter.
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
  return app;
}
