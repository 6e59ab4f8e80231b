import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { DataExport, ErrorBody, IdParams } from '@invigil/contracts';
import type {
  DataExportService,
  ExportDownload,
  RequestedExport,
} from '../../services/privacy/data-export.service.js';
import { binaryResponse } from '../recording/schema.js';
import { responses, zod } from '../responses.js';
import { ANY_ROLE, actorOf } from '../route-policy.js';

const tags = ['privacy'];
const STUDENT = { roles: ['student'] as const, scope: null };
/** Subject or admin: the service answers 404 to anyone else, as for an unknown export. */
const SUBJECT_OR_ADMIN = { roles: ANY_ROLE, scope: 'users:read' as const };

/**
 * The fixed headers of a downloaded export: a zip to save, never a page to render, whatever
 * a student uploaded into it (the same defences as stored blobs, as an attachment).
 */
export function exportDownloadHeaders(filename: string): Record<string, string> {
  return {
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'private, no-store',
  };
}

/** Stream the zip with its fixed headers, its length and its SHA-256 as a strong ETag. */
function sendZip(reply: FastifyReply, download: ExportDownload) {
  return reply
    .code(200)
    .headers(exportDownloadHeaders(download.filename))
    .header('etag', `"${download.sha256}"`)
    .header('content-length', download.sizeBytes)
    .send(download.stream);
}

const requested = (reply: { status(code: number): unknown }, r: RequestedExport) => {
  reply.status(r.created ? 202 : 200);
  return r.export;
};

/**
 * Data exports (subject access): a student asks for a zip of everything held about them, or
 * an admin asks on a student's behalf; a job writes it; the subject or an admin downloads it.
 */
export async function privacyRoutes(app: FastifyInstance, opts: { exports: DataExportService }) {
  const r = zod(app);
  const requestedResponses = responses({ 200: DataExport, 202: DataExport });

  r.post(
    '/api/me/exports',
    {
      config: { auth: STUDENT },
      schema: {
        tags,
        summary: 'Request a zip of everything held about me (one at a time, one an hour)',
        description:
          '202 with the new export; 200 with the one already queued or running. ' +
          '429 EXPORT_RATE_LIMITED within an hour of the last export that did not fail.',
        response: requestedResponses,
      },
    },
    async (req, reply) => requested(reply, await opts.exports.requestOwn(actorOf(req))),
  );

  r.get(
    '/api/me/exports',
    {
      config: { auth: STUDENT },
      schema: {
        tags,
        summary: 'My data exports, newest first',
        response: responses({ 200: z.array(DataExport) }),
      },
    },
    async (req) => opts.exports.listOwn(actorOf(req)),
  );

  r.post(
    '/api/users/:id/exports',
    {
      config: { auth: { roles: ['admin'] as const, scope: 'users:write' as const } },
      schema: {
        tags,
        summary: "Request a student's data export on their behalf (audited with the requester)",
        description: '202 with the new export; 200 with the one already queued or running.',
        params: IdParams,
        response: requestedResponses,
      },
    },
    async (req, reply) =>
      requested(reply, await opts.exports.requestFor(actorOf(req), req.params.id)),
  );

  r.get(
    '/api/exports/:id',
    {
      config: { auth: SUBJECT_OR_ADMIN },
      schema: {
        tags,
        summary: 'A data export and its progress (its subject or an admin)',
        params: IdParams,
        response: responses({ 200: DataExport }),
      },
    },
    async (req) => opts.exports.get(actorOf(req), req.params.id),
  );

  r.get(
    '/api/exports/:id/download',
    {
      config: { auth: SUBJECT_OR_ADMIN },
      schema: {
        tags,
        summary: 'Download a ready data export as a zip (its subject or an admin; audited)',
        description: '409 EXPORT_NOT_READY while it is being written and once it has expired.',
        params: IdParams,
        response: {
          200: binaryResponse(['application/zip'], 'The zip, as an attachment'),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const download = await opts.exports.download(actorOf(req), req.params.id);
      return sendZip(reply, download);
    },
  );
}
