import type { FastifyInstance } from 'fastify';
import {
  IdParams,
  LtiPlatform,
  LtiPlatformInput,
  LtiPlatformList,
  LtiToolInfo,
  Ok,
} from '@invigil/contracts';
import type { LtiPlatformService } from '../../services/lti/platforms.service.js';
import type { LtiToolKeys } from '../../services/lti/tool-keys.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** Options for the LTI admin routes. */
export interface LtiPlatformRoutesOptions {
  platforms: LtiPlatformService;
  toolKeys: LtiToolKeys;
  /** The public base URL (PUBLIC_URL) the tool's endpoints are made from. */
  publicUrl: string;
}

/** The tool's endpoints as a platform admin types them in, and its published keys. */
export async function toolInfo(publicUrl: string, keys: LtiToolKeys): Promise<LtiToolInfo> {
  const baseUrl = publicUrl.replace(/\/+$/, '');
  const launchUrl = `${baseUrl}/lti/launch`;
  // The first key exists once a platform could ask for it.
  await keys.jwks();
  return {
    baseUrl,
    loginUrl: `${baseUrl}/lti/login`,
    launchUrl,
    deepLinkUrl: launchUrl,
    jwksUrl: `${baseUrl}/lti/jwks`,
    redirectUris: [launchUrl],
    keys: await keys.list(),
  };
}

/**
 * Learning platform registrations and the tool's own settings: admins, from a browser
 * session (a registration decides who may sign in through a platform).
 */
export async function ltiPlatformRoutes(app: FastifyInstance, opts: LtiPlatformRoutesOptions) {
  const r = zod(app);
  const tags = ['lti'];
  const config: { auth: RoutePolicy } = { auth: { roles: ['admin'], scope: null } };

  r.get(
    '/api/lti/platforms',
    {
      config,
      schema: {
        tags,
        summary: 'Every registered learning platform (LTI 1.3)',
        response: responses({ 200: LtiPlatformList }),
      },
    },
    async () => ({ platforms: await opts.platforms.list() }),
  );

  r.post(
    '/api/lti/platforms',
    {
      config,
      schema: {
        tags,
        summary: 'Register a learning platform',
        description:
          '409 LTI_PLATFORM_EXISTS when the issuer and client ID are registered already.',
        body: LtiPlatformInput,
        response: responses({ 201: LtiPlatform }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.platforms.create(actorOf(req).userId, req.body)),
  );

  r.get(
    '/api/lti/platforms/:id',
    {
      config,
      schema: {
        tags,
        summary: 'One registered learning platform',
        params: IdParams,
        response: responses({ 200: LtiPlatform }),
      },
    },
    async (req) => opts.platforms.get(req.params.id),
  );

  r.put(
    '/api/lti/platforms/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change a platform registration (its deployment IDs become exactly those sent)',
        params: IdParams,
        body: LtiPlatformInput,
        response: responses({ 200: LtiPlatform }),
      },
    },
    async (req) => opts.platforms.update(actorOf(req).userId, req.params.id, req.body),
  );

  r.delete(
    '/api/lti/platforms/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Remove a platform registration, its course links and their history',
        params: IdParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.platforms.remove(actorOf(req).userId, req.params.id);
      return { ok: true as const };
    },
  );

  r.get(
    '/api/lti/tool',
    {
      config,
      schema: {
        tags,
        summary: 'What a platform needs to register Invigil: its URLs and published keys',
        response: responses({ 200: LtiToolInfo }),
      },
    },
    async () => toolInfo(opts.publicUrl, opts.toolKeys),
  );

  r.post(
    '/api/lti/keys/rotate',
    {
      // A new signing key changes what every platform must trust: a recent second factor.
      config: { auth: { roles: ['admin'], scope: null, stepUp: true } },
      schema: {
        tags,
        summary: 'Rotate the tool’s signing key (the old one stays published for 7 days)',
        response: responses({ 200: LtiToolInfo }),
      },
    },
    async (req) => {
      await opts.toolKeys.rotate(actorOf(req).userId);
      return toolInfo(opts.publicUrl, opts.toolKeys);
    },
  );
}
