import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuditEntry, ListAuditQuery } from '@invigil/contracts';
import type { AuditLog } from '../../services/audit/audit.service.js';
import { responses, zod } from '../responses.js';

/** The audit log, for admins. */
export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditLog }) {
  zod(app).get(
    '/api/audit',
    {
      config: { auth: { roles: ['admin'], scope: null } },
      schema: {
        tags: ['audit'],
        summary: 'Recent audit entries, newest first',
        querystring: ListAuditQuery,
        response: responses({ 200: z.array(AuditEntry) }),
      },
    },
    async (req) => opts.audit.list(req.query),
  );
}
