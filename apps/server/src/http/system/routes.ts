import type { FastifyInstance } from 'fastify';
import {
  AnalysisStatus,
  JobIdParams,
  Ok,
  SystemJobs,
  SystemOverview,
  SystemOverviewQuery,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../ports/clock.port.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import {
  readAnalysisStatus,
  type AnalysisSetup,
} from '../../services/detection/analysis-status.js';
import { SystemJobsService } from '../../services/system/system-jobs.service.js';
import { bucketStarts, buildOverview } from '../../services/system/system-overview.js';
import { readSamplesSince } from '../../services/system/system-samples.js';
import { actorOf, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** How the server itself is doing, for admins (operators sizing a machine), browser sessions only. */
export async function systemRoutes(
  app: FastifyInstance,
  opts: { db: Db; clock: Clock; analysis: AnalysisSetup; jobs: JobQueue },
) {
  const r = zod(app);
  const tags = ['system'];
  const config: { auth: RoutePolicy } = { auth: { roles: ['admin'], scope: null } };
  const jobs = new SystemJobsService(opts.db, opts.clock, opts.jobs);

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
    async () => readAnalysisStatus(opts.db, opts.clock, opts.analysis),
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
    async (req) => {
      const nowMs = opts.clock.now().getTime();
      const from = bucketStarts(nowMs, req.query.minutes)[0] ?? nowMs;
      const rows = await readSamplesSince(opts.db, new Date(from));
      return buildOverview(rows, { nowMs, minutes: req.query.minutes });
    },
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
