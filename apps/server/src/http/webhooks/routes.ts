import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CreateWebhookBody,
  CreatedWebhook,
  DeliveryPage,
  IdParams,
  ListDeliveriesQuery,
  NotificationDelivery,
  NotificationSettings,
  Ok,
  UpdateWebhookBody,
  Webhook,
} from '@invigil/contracts';
import type { WebhookService } from '../../services/notifications/webhooks.service.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/**
 * Webhooks and the notification settings: admins only, from a browser session (a token
 * could otherwise add a receiver of every flag, or read the delivery log).
 */
export async function webhookRoutes(
  app: FastifyInstance,
  opts: { webhooks: WebhookService; settings: () => NotificationSettings },
) {
  const r = zod(app);
  const tags = ['webhooks'];
  const config: { auth: RoutePolicy } = { auth: { roles: ['admin'], scope: null } };
  // Adding or changing a receiver of every flag wants a recent second factor.
  const write: { auth: RoutePolicy } = { auth: { roles: ['admin'], scope: null, stepUp: true } };

  r.get(
    '/api/notifications/settings',
    {
      config,
      schema: {
        tags,
        summary: 'Whether e-mail is configured, and the events webhooks can subscribe to',
        response: responses({ 200: NotificationSettings }),
      },
    },
    async () => opts.settings(),
  );

  r.get(
    '/api/webhooks',
    {
      config,
      schema: { tags, summary: 'Every webhook', response: responses({ 200: z.array(Webhook) }) },
    },
    async () => opts.webhooks.list(),
  );

  r.post(
    '/api/webhooks',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a webhook (its signing secret is in this answer only)',
        description:
          'https is required unless the host is localhost or 127.0.0.1 (or the server sets ' +
          'WEBHOOK_ALLOW_HTTP); otherwise 400 WEBHOOK_URL_NOT_ALLOWED.',
        body: CreateWebhookBody,
        response: responses({ 201: CreatedWebhook }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.webhooks.create(actorOf(req), req.body)),
  );

  r.patch(
    '/api/webhooks/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Change a webhook’s URL, events or description, or enable/disable it',
        params: IdParams,
        body: UpdateWebhookBody,
        response: responses({ 200: Webhook }),
      },
    },
    async (req) => opts.webhooks.update(actorOf(req), req.params.id, req.body),
  );

  r.delete(
    '/api/webhooks/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a webhook and its delivery log',
        params: IdParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.webhooks.remove(actorOf(req), req.params.id);
      return { ok: true as const };
    },
  );

  r.get(
    '/api/webhooks/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: 'A webhook’s delivery log, newest first, paged with ?before=<id>',
        params: IdParams,
        querystring: ListDeliveriesQuery,
        response: responses({ 200: DeliveryPage }),
      },
    },
    async (req) => opts.webhooks.deliveries(req.params.id, req.query),
  );

  r.post(
    '/api/webhooks/:id/test',
    {
      config,
      schema: {
        tags,
        summary: 'Send a ping event to the webhook now; the outcome appears in the log',
        params: IdParams,
        response: responses({ 202: NotificationDelivery }),
      },
    },
    async (req, reply) =>
      reply.status(202).send(await opts.webhooks.test(actorOf(req), req.params.id)),
  );
}
