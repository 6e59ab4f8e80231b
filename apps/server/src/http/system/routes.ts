import type { FastifyInstance } from 'fastify';
import {
  AnalysisStatus,
  JobIdParams,
  Ok,
  SystemJobs,
  SystemOverview,
  SystemOverviewQuery,
} from '@invigil/contracts';
import type { SystemJobsService } from '../../services/system/system-jobs.service.js';
import type { SystemStatusService } from '../../services/system/system-status.service.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** How the server itself is doing, for admins (operators sizing a machine), browser sessions only. */
export async function systemRoutes(
  app: FastifyInstance,
  opts: { status: SystemStatusService; jobs: SystemJobsService },
) {
  const r = zod(app);
  const tags = ['system'];
  const config: { auth: RoutePolicy } = { auth: { roles: ['admin'], scope: null } };
  const { status, jobs } = opts;

  r.get(
    '/api/system/analysis',
    {
      config,
      schema: {
        tags,
        summary: 'Server-side snapshot analysis: throughput over the last minute and the queue now',
        response: responses({ 200: AnalysisStatus }),
      },
    },
    async () => status.analysis(),
  );

  r.get(
    '/api/system/overview',
    {
      config,
      schema: {
        tags,
        summary: 'Charts of the last 15 min, 1 h, 6 h or 24 h, from every server process’s samples',
        description:
          'Each server process records a sample every 15 s. Counters (ingest, HTTP responses, ' +
          'alerts) are summed across processes and given per second; attempts, job queues and ' +
          'blob disk space come from the process running the background jobs.',
        querystring: SystemOverviewQuery,
        response: responses({ 200: SystemOverview }),
      },
    },
    async (req) => status.overview(req.query.minutes),
  );

  r.get(
    '/api/system/jobs',
    {
      config,
      schema: {
        tags,
        summary: 'Background jobs per type, and the dead letters (newest first)',
        response: responses({ 200: SystemJobs }),
      },
    },
    async () => jobs.list(),
  );

  r.post(
    '/api/system/jobs/:id/retry',
    {
      config,
      schema: {
        tags,
        summary: 'Run a dead job again now, with fresh attempts (audited as job.retry)',
        description: 'The id as listed (URL-encoded); 404 NOT_FOUND when no dead job has it.',
        params: JobIdParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await jobs.retry(actorOf(req), req.params.id);
      return { ok: true as const };
    },
  );
}
