import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, Timestamp } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { listAudit } from '../../services/audit.service.js';
import { responses, zod } from '../responses.js';

const AuditEntry = z.object({
  id: z.number().int(),
  at: Timestamp,
  actorId: Id.nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  examId: Id.nullable(),
  data: z.record(z.string(), z.unknown()),
});

/** The audit log, for admins. */
export async function auditRoutes(app: FastifyInstance, opts: { db: Db }) {
  zod(app).get(
    '/api/audit',
    {
      config: { auth: { roles: ['admin'], scope: null } },
      schema: {
        tags: ['audit'],
        summary: 'Recent audit entries, newest first',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          examId: Id.optional(),
        }),
        response: responses({ 200: z.array(AuditEntry) }),
      },
    },
    async (req) => listAudit(opts.db, req.query),
  );
}
