import type { FastifyInstance } from 'fastify';
import { AnalysisStatus } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../ports/clock.port.js';
import { readAnalysisStatus, type AnalysisSetup } from '../../services/analysis-status.js';
import { responses, zod } from '../responses.js';

/** How the server itself is doing, for admins (operators sizing a machine). */
export async function systemRoutes(
  app: FastifyInstance,
  opts: { db: Db; clock: Clock; analysis: AnalysisSetup },
) {
  zod(app).get(
    '/api/system/analysis',
    {
      config: { auth: { roles: ['admin'], scope: null } },
      schema: {
        tags: ['system'],
        summary: 'Server-side snapshot analysis: throughput over the last minute and the queue now',
        response: responses({ 200: AnalysisStatus }),
      },
    },
    async () => readAnalysisStatus(opts.db, opts.clock, opts.analysis),
  );
}
