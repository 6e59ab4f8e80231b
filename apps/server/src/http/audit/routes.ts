import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AUDIT_EXPORT_MAX_ROWS,
  AuditEntry,
  AuditFilters,
  AuditPage,
  ErrorBody,
  ListAuditQuery,
} from '@invigil/contracts';
import type { AuditExport, AuditLog } from '../../services/audit/audit.service.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

const FILTERS_DESCRIPTION =
  'Filters (all optional, all given must match): `actor` a user id, or part of the ' +
  'actor’s e-mail (any case); `action` one action, or every action under a prefix ending ' +
  'in `.` (`auth.`); `entityType` and `entityId` the target, exactly; `examId`; `from` ' +
  '(inclusive) and `to` (exclusive), ISO timestamps with an offset, `from` before `to`. ' +
  'Empty text filters are ignored.';

/** Stream an export as a download; its size goes in headers, known before the first row. */
function sendCsv(reply: FastifyReply, out: AuditExport) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${out.filename}"`)
    .header('cache-control', 'private, no-store')
    .header('x-audit-rows', String(out.rows))
    .header('x-audit-truncated', String(out.truncated))
    .send(Readable.from(out.chunks));
}

/** The audit log, for admins: filtered lists, pages by keyset, and an audited CSV export. */
export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditLog }) {
  const r = zod(app);
  const tags = ['audit'];
  const config: { auth: RoutePolicy } = { auth: { roles: ['admin'], scope: null } };

  r.get(
    '/api/audit',
    {
      config,
      schema: {
        tags,
        summary: 'Audit entries matching the filters, newest first (a plain list)',
        description: `${FILTERS_DESCRIPTION} \`before\` an entry id (only older ones); \`limit\` 1–1000, default 100.`,
        querystring: ListAuditQuery,
        response: responses({ 200: z.array(AuditEntry) }),
      },
    },
    async (req) => opts.audit.list(req.query),
  );

  r.get(
    '/api/audit/page',
    {
      config,
      schema: {
        tags,
        summary: 'One page of matching audit entries, newest first, and where the next begins',
        description:
          `${FILTERS_DESCRIPTION} \`limit\` 1–1000, default 100. For the next (older) page ` +
          'send `before=nextBefore` with the same filters; `nextBefore` is null on the last page.',
        querystring: ListAuditQuery,
        response: responses({ 200: AuditPage }),
      },
    },
    async (req) => opts.audit.page(req.query),
  );

  r.get(
    '/api/audit/export.csv',
    {
      config,
      schema: {
        tags,
        summary: 'Every matching audit entry as CSV, newest first (audited as audit.export)',
        description:
          `${FILTERS_DESCRIPTION} At most ${AUDIT_EXPORT_MAX_ROWS} rows; \`x-audit-rows\` says ` +
          'how many, `x-audit-truncated: true` that older matches were left out. Columns: id, at, ' +
          'actor_id, actor_email, action, entity_type, entity_id, exam_id, data (JSON). Text a ' +
          "spreadsheet would run as a formula starts with a `'`.",
        querystring: AuditFilters,
        response: {
          ...responses({}),
          200: {
            description: 'RFC 4180 CSV with a header row',
            content: { 'text/csv': { schema: z.string() } },
          },
          400: ErrorBody,
        },
      },
    },
    async (req, reply) => sendCsv(reply, await opts.audit.exportCsv(actorOf(req), req.query)),
  );
}
