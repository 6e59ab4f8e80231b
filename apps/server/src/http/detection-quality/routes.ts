import type { FastifyInstance } from 'fastify';
import { DetectorQualityList, type DetectorQuality } from '@invigil/contracts';
import type { RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/**
 * The detectors' measured accuracy, model and version (read once at start from the eval's
 * quality files), for the staff who set detection rules: instructors and admins.
 */
export async function detectionQualityRoutes(
  app: FastifyInstance,
  opts: { qualities: readonly DetectorQuality[] },
) {
  const r = zod(app);
  const config: { auth: RoutePolicy } = {
    auth: { roles: ['instructor', 'admin'], scope: 'exams:read' },
  };
  const body: DetectorQualityList = { detectors: [...opts.qualities] };

  r.get(
    '/api/detection/quality',
    {
      config,
      schema: {
        tags: ['detection'],
        summary: 'Each detector’s measured accuracy, model and version',
        description:
          'As measured by the evaluation on a labelled set and shipped with this version. A ' +
          'detector that is not listed has not been measured.',
        response: responses({ 200: DetectorQualityList }),
      },
    },
    async () => body,
  );
}
